// WorkerThread: one thread with its own libevent base, serving the
// connections the listener hands it. Hand-off is a mutex-guarded queue plus
// event_active() on a notify event, the cross-thread wake-up libevent
// supports once evthread_use_pthreads() has been called.
#ifndef TANDEM_SERVER_NET_WORKER_THREAD_H_
#define TANDEM_SERVER_NET_WORKER_THREAD_H_

#include <event2/event.h>

#include <atomic>
#include <string>
#include <memory>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/replication_hooks.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/watch_log.h"
#include "server/storage/clock.h"
#include "server/net/wake_fd.h"

namespace tandem::server {
class HandlerFactory;
}

namespace tandem::server::net {

class ClientTlsContext;
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
  WatchLog* watch_log = nullptr;  // `watch` connections leave it when they close
  // -Z: the TLS context of TLS listeners' connections.
  ClientTlsContext* tls = nullptr;
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

  // Called from the listener thread: this worker takes over `fd` (a TLS
  // connection when `tls`).
  void Assign(int fd, std::string addr, std::string listen_addr, bool tls);
  // Before Start(): serve datagrams from this (shared) UDP socket too.
  bool AddUdpSocket(int fd);

  // For connections (on this thread only).
  event_base* base() { return base_; }
  const ServerContext& context() const { return context_; }
  ThreadStats& stats() { return stats_; }
  void Forget(Connection* conn) {
    connections_.erase(conn);
    RemoveSyncWaiter(conn);
    forward_waiters_.erase(conn);
  }

  // ---- --repl-sync (see Connection) ----------------------------------------
  // Before Start(): the hooks that hold replies until the peer acks; null
  // (the default) when sync is off.
  void SetSyncHooks(ReplicationHooks* hooks) { sync_hooks_ = hooks; }
  ReplicationHooks* sync_hooks() const { return sync_hooks_; }
  // A connection holding replies for the peer's ack (loop thread only).
  void AddSyncWaiter(Connection* conn);
  void RemoveSyncWaiter(Connection* conn);
  // Thread-safe: makes the waiting connections re-check their acks.
  void WakeSyncWaiters();

  // ---- forwarding (see Connection) ------------------------------------------
  // A connection waiting for a forwarded command's answer (loop thread only).
  void AddForwardWaiter(Connection* conn) { forward_waiters_.insert(conn); }
  void RemoveForwardWaiter(Connection* conn) { forward_waiters_.erase(conn); }
  // Thread-safe: makes the waiting connections check their calls.
  void WakeForwardWaiters() { forward_wake_->Wake(); }

 private:
  struct Pending {
    int fd;
    std::string addr;
    std::string listen_addr;
    bool tls;
  };
  static void OnNotify(evutil_socket_t, short, void* arg);
  static void OnSyncWake(evutil_socket_t, short, void* arg);
  void OnForwardWake();
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

  ReplicationHooks* sync_hooks_ = nullptr;
  event* sync_wake_ = nullptr;
  std::unordered_set<Connection*> sync_waiters_;  // loop thread only
  std::atomic<bool> has_sync_waiters_{false};     // skips wake-ups nobody needs

  std::unique_ptr<WakeFd> forward_wake_;  // lock-free: on a forwarded command's latency path (wake_fd.h)
  std::unordered_set<Connection*> forward_waiters_;  // loop thread only
};

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_WORKER_THREAD_H_
