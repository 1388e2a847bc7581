// Server: the running process's event loops. Owns the worker threads, the
// listener, the once-a-second clock tick, the background expiry crawler and
// the signal handlers (SIGTERM/SIGINT stop cleanly), all on the main
// thread's event base.
#ifndef TANDEM_SERVER_SERVER_H_
#define TANDEM_SERVER_SERVER_H_

#include <event2/event.h>

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "server/executor.h"
#include "server/forwarded_runner.h"
#include "server/forwarding.h"
#include "server/net/listener.h"
#include "server/net/tls_context.h"
#include "server/net/worker_thread.h"
#include "server/prefix_stats.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/handler_factory.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"

namespace tandem::server {

class Server : private AckListener {
 public:
  Server(Settings& settings, storage::Engine& engine, storage::SystemClock& clock);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // -Z: loads the certificates (before Listen); memcached's message on
  // failure. Nothing to do without -Z.
  absl::Status EnableTls();
  // Binds the listening sockets (before privileges are dropped).
  absl::Status Listen();
  // Runs until SIGTERM, SIGINT or `shutdown`.
  void Run();
  // Thread-safe.
  void RequestStop();
  // `stats replication` and, with --repl-sync, holding write replies for
  // the peer's ack (see replication_hooks.h); call before Run().
  void SetReplicationHooks(ReplicationHooks* hooks);
  // Conditional commands for keys the peer owns go there (forwarding.h);
  // call before Run(). The runner carries out what the peer forwards.
  void SetForwarder(Forwarder* forwarder) { handlers_.SetForwarder(forwarder); }
  ForwardedRunner& forwarded_runner() { return runner_; }

 private:
  static void OnTick(evutil_socket_t, short, void* arg);
  static void OnCrawl(evutil_socket_t, short, void* arg);
  static void OnSignal(evutil_socket_t, short, void* arg);
  static void OnStop(evutil_socket_t, short, void* arg);
  // AckListener: wakes the workers' held connections (replication thread).
  void OnAckProgress() override;

  Settings& settings_;
  storage::Engine& engine_;
  storage::SystemClock& clock_;
  ServerStats stats_;
  net::ClientTlsContext tls_;  // -Z: the client listeners' TLS
  PrefixStats prefix_stats_;
  Executor executor_;
  DefaultHandlerFactory handlers_;
  ForwardedRunnerImpl runner_;
  event_base* base_ = nullptr;
  std::vector<std::unique_ptr<net::WorkerThread>> workers_;
  std::unique_ptr<net::Listener> listener_;
  std::vector<event*> events_;
  event* stop_event_ = nullptr;
  ReplicationHooks* sync_hooks_ = nullptr;  // set when --repl-sync holds replies
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_SERVER_H_
