// Server: the running process's event loops. Owns the worker threads, the
// listener, the once-a-second clock tick, the background expiry crawler and
// the signal handlers (SIGTERM/SIGINT stop cleanly), all on the main
// thread's event base.
#ifndef TANDEM_SERVER_SERVER_H_
#define TANDEM_SERVER_SERVER_H_

#include <event2/event.h>

#include <csignal>
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
#include "server/slab_mover.h"
#include "server/stats.h"
#include "server/handler_factory.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"
#include "server/watch_log.h"

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
  // Runs until SIGTERM, SIGINT, SIGUSR1 or `shutdown`.
  void Run();
  // After Run: whether it ended on SIGUSR1, memcached's graceful stop,
  // which with -e saves the items for a warm restart.
  bool stopped_gracefully() const { return stop_signal_ == SIGUSR1; }
  // Thread-safe.
  void RequestStop();
  // What Listen() bound, comma-separated ("tcp:127.0.0.1:11211, udp:...").
  std::string ListeningOn() const;
  // Why Run() returned ("SIGTERM", "the shutdown command"); for the log.
  const std::string& stop_reason() const { return stop_reason_; }
  // `stats replication` and, with --repl-sync, holding write replies for
  // the peer's ack (see replication_hooks.h); call before Run().
  void SetReplicationHooks(ReplicationHooks* hooks);
  // Conditional commands for keys the peer owns go there (forwarding.h);
  // call before Run(). The runner carries out what the peer forwards.
  void SetForwarder(Forwarder* forwarder) { handlers_.SetForwarder(forwarder); }
  ForwardedRunner& forwarded_runner() { return runner_; }
  // -Y and -S (handler_factory.h); call before Run(). With -Y (and without
  // -d, as in memcached) SIGHUP re-reads the user file.
  void SetAuthentication(AuthUsers* users, const SaslLibrary* sasl);

 private:
  static void OnTick(evutil_socket_t, short, void* arg);
  static void OnCrawl(evutil_socket_t, short, void* arg);
  static void OnSignal(evutil_socket_t, short, void* arg);
  static void OnStop(evutil_socket_t, short, void* arg);
  static void OnHangup(evutil_socket_t, short, void* arg);
  // AckListener: wakes the workers' held connections (replication thread).
  void OnAckProgress() override;

  Settings& settings_;
  storage::Engine& engine_;
  storage::SystemClock& clock_;
  ServerStats stats_;
  net::ClientTlsContext tls_;  // -Z: the client listeners' TLS
  PrefixStats prefix_stats_;
  WatchLog watch_log_;
  Executor executor_;
  DefaultHandlerFactory handlers_;
  ForwardedRunnerImpl runner_;
  SlabMover slab_mover_;  // page moves (slabs reassign, automove)
  event_base* base_ = nullptr;
  std::vector<std::unique_ptr<net::WorkerThread>> workers_;
  std::unique_ptr<net::Listener> listener_;
  std::vector<event*> events_;
  event* stop_event_ = nullptr;
  int stop_signal_ = 0;  // the signal that ended Run, 0 for none
  std::string stop_reason_;
  ReplicationHooks* sync_hooks_ = nullptr;  // set when --repl-sync holds replies
  AuthUsers* users_ = nullptr;              // -Y
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_SERVER_H_
