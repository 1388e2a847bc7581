// WorkerThread: one thread with its own libevent base, serving the
// connections the listener hands it. Hand-off is a mutex-guarded queue plus
// event_active() on a notify event, the cross-thread wake-up libevent
// supports once evthread_use_pthreads() has been called.
#ifndef TANDEM_SERVER_NET_WORKER_THREAD_H_
#define TANDEM_SERVER_NET_WORKER_THREAD_H_

#include <event2/event.h>

#include <string>
#include <memory>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/storage/clock.h"

namespace tandem::server {
class HandlerFactory;
}

namespace tandem::server::net {

class Connection;
class UdpEndpoint;

// What a connection needs from the rest of the server.
struct ServerContext {
  Settings* settings;
  HandlerFactory* handlers;
  ServerStats* stats;
  const storage::Clock* clock;
  // Asks the server to stop (the `shutdown` command); thread-safe.
  void (*request_stop)(void* arg);
  void* request_stop_arg;
};

class WorkerThread {
 public:
  WorkerThread(int index, const ServerContext& context);
  ~WorkerThread();
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  void Start();
  // Stops the loop, closes every connection and joins the thread.
  void Stop();

  // Called from the listener thread: this worker takes over `fd`.
  void Assign(int fd, std::string addr, std::string listen_addr);
  // Before Start(): serve datagrams from this (shared) UDP socket too.
  bool AddUdpSocket(int fd);

  // For connections (on this thread only).
  event_base* base() { return base_; }
  const ServerContext& context() const { return context_; }
  ThreadStats& stats() { return stats_; }
  void Forget(Connection* conn) { connections_.erase(conn); }

 private:
  struct Pending {
    int fd;
    std::string addr;
    std::string listen_addr;
  };
  static void OnNotify(evutil_socket_t, short, void* arg);
  void TakePending();

  const ServerContext context_;
  ThreadStats& stats_;
  event_base* base_ = nullptr;
  event* notify_ = nullptr;
  std::thread thread_;

  absl::Mutex mu_;
  std::vector<Pending> pending_ ABSL_GUARDED_BY(mu_);
  std::unordered_set<Connection*> connections_;  // loop thread only
  std::vector<std::unique_ptr<UdpEndpoint>> udp_;
};

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_WORKER_THREAD_H_
