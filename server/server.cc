// Server (see server.h): the main thread's event loop and what hangs off it.
//
// The main base runs the listener, the signals, a one-second tick that
// advances the process clock (memcached's clock_handler: requests read the
// time from it instead of asking the system), and, unless the LRU crawler
// is off (-o no_lru_crawler), a 100 ms tick that lets the engine's crawler
// do a bounded step of expiry and LRU work (kCrawlBudget items). Each
// worker runs its own base on its own thread, and the slab mover
// (slab_mover.h) moves slab pages on its own.
//
// Stopping (a signal, or `shutdown` through stop_event_ from a worker)
// breaks the main loop; Run then closes the listening sockets before
// stopping the workers, so no new connection arrives while the existing
// ones are closed. With --repl-sync the server is the replication thread's
// AckListener and forwards each ack to every worker.
#include "server/server.h"

#include <csignal>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/log.h"

namespace tandem::server {
namespace {

// Expired items are reclaimed by this many per crawler tick (every 100 ms),
// bounding the time any one tick holds item locks.
constexpr size_t kCrawlBudget = 1000;

void RequestStopThunk(void* arg) { static_cast<Server*>(arg)->RequestStop(); }

}  // namespace

Server::Server(Settings& settings, storage::Engine& engine, storage::SystemClock& clock)
    : settings_(settings),
      engine_(engine),
      clock_(clock),
      // One ThreadStats per worker, and one for requests the peer forwards.
      stats_(settings, settings.num_threads + 1),
      tls_(settings, stats_, clock),
      prefix_stats_(settings.prefix_delimiter),
      watch_log_(settings.watcher_logbuf_size),
      executor_(settings, engine, stats_, prefix_stats_, clock),
      handlers_(settings, executor_),
      runner_(settings, executor_, stats_.thread(settings.num_threads)),
      slab_mover_(settings, engine) {
  base_ = event_base_new();
  // Signal handlers go in before any socket is bound: a client (or a test)
  // that sees the port open may signal at once, and a SIGTERM that arrived
  // before Run() used to kill the process by the default action instead of
  // stopping it cleanly. Signals caught early are handled when Run() starts.
  // SIGUSR1 is memcached 1.6's graceful stop; it exits 0 like SIGTERM.
  // Ignoring them first makes "ignore" what libevent restores when ~Server
  // frees these events: a stop under way (draining to the peer, saving the
  // cache) is not cut short by a second SIGTERM's default action; SIGKILL
  // still ends it.
  for (int sig : {SIGTERM, SIGINT, SIGUSR1}) {
    std::signal(sig, SIG_IGN);
    event* ev = evsignal_new(base_, sig, &Server::OnSignal, this);
    event_add(ev, nullptr);
    events_.push_back(ev);
  }
  executor_.SetWatchLog(&watch_log_);
  engine_.SetEvictionListener(&watch_log_);
  executor_.SetCertificateRefresher([this] { return tls_.Refresh(); });
  net::ServerContext context{&settings_, &handlers_, &stats_, &clock_, &RequestStopThunk, this, &watch_log_, &tls_};
  std::vector<net::WorkerThread*> raw;
  for (int i = 0; i < settings_.num_threads; ++i) {
    workers_.push_back(std::make_unique<net::WorkerThread>(i, context));
    raw.push_back(workers_.back().get());
  }
  listener_ = std::make_unique<net::Listener>(base_, settings_, stats_, std::move(raw));
  stop_event_ = event_new(base_, -1, 0, &Server::OnStop, this);
}

Server::~Server() {
  if (sync_hooks_ != nullptr) sync_hooks_->SetAckListener(nullptr);
  for (auto& w : workers_) w->Stop();
  workers_.clear();  // before the listener: workers hold events on its UDP sockets
  listener_.reset();
  for (event* ev : events_) event_free(ev);
  if (stop_event_ != nullptr) event_free(stop_event_);
  if (base_ != nullptr) event_base_free(base_);
}

absl::Status Server::EnableTls() {
  if (!settings_.ssl_enabled) return absl::OkStatus();
  if (settings_.port == 0 || !settings_.unix_socket.empty()) {
    return absl::InvalidArgumentError("ERROR: You cannot enable SSL without a TCP port.");
  }
  return tls_.Load();
}

absl::Status Server::Listen() { return listener_->Open(); }

void Server::SetReplicationHooks(ReplicationHooks* hooks) {
  executor_.SetReplicationHooks(hooks);
  if (hooks == nullptr || !settings_.repl_sync || !settings_.replication_enabled()) return;
  sync_hooks_ = hooks;
  for (auto& w : workers_) w->SetSyncHooks(hooks);
  hooks->SetAckListener(this);
}

void Server::SetAuthentication(AuthUsers* users, const SaslLibrary* sasl) {
  handlers_.SetAuthentication(users, sasl);
  users_ = users;
  if (users == nullptr || settings_.daemonize) return;
  event* ev = evsignal_new(base_, SIGHUP, &Server::OnHangup, this);
  event_add(ev, nullptr);
  events_.push_back(ev);
}

// memcached re-reads the file silently and keeps the old list on failure;
// tandemd says what happened.
void Server::OnHangup(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Server*>(arg);
  if (absl::Status s = self->users_->Reload(); !s.ok()) {
    Log(self->settings_, 0, "auth file not reloaded, the previous users stay: %s", std::string(s.message()));
  } else {
    Log(self->settings_, 1, "auth file reloaded");
  }
}

void Server::OnAckProgress() {
  for (auto& w : workers_) w->WakeSyncWaiters();
}

void Server::Run() {
  timeval second{1, 0};
  event* tick = event_new(base_, -1, EV_PERSIST, &Server::OnTick, this);
  event_add(tick, &second);
  events_.push_back(tick);
  if (settings_.lru_crawler) {
    timeval tenth{0, 100 * 1000};
    event* crawl = event_new(base_, -1, EV_PERSIST, &Server::OnCrawl, this);
    event_add(crawl, &tenth);
    events_.push_back(crawl);
  }
  for (auto& w : workers_) w->Start();
  if (settings_.slab_reassign) slab_mover_.Start();
  event_base_dispatch(base_);
  slab_mover_.Stop();
  // Stop accepting first, then close every connection.
  listener_->Close();
  for (auto& w : workers_) w->Stop();
}

void Server::RequestStop() { event_active(stop_event_, EV_READ, 0); }

std::string Server::ListeningOn() const {
  if (listener_ == nullptr || listener_->addresses().empty()) return "no client port";
  return absl::StrJoin(listener_->addresses(), ", ");
}

void Server::OnTick(evutil_socket_t, short, void* arg) { static_cast<Server*>(arg)->clock_.Tick(); }

void Server::OnCrawl(evutil_socket_t, short, void* arg) {
  static_cast<Server*>(arg)->engine_.CrawlStep(kCrawlBudget);
}

void Server::OnSignal(evutil_socket_t sig, short, void* arg) {
  auto* self = static_cast<Server*>(arg);
  self->stop_signal_ = static_cast<int>(sig);
  self->stop_reason_ = sigabbrev_np(static_cast<int>(sig)) != nullptr
                           ? absl::StrCat("SIG", sigabbrev_np(static_cast<int>(sig)))
                           : absl::StrCat("signal ", static_cast<int>(sig));
  if (sig == SIGUSR1) {
    Log(self->settings_, 0, "Gracefully stopping");
  } else {
    Log(self->settings_, 1, "Signal handled: %s.", strsignal(static_cast<int>(sig)));
  }
  event_base_loopbreak(self->base_);
}

void Server::OnStop(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Server*>(arg);
  self->stop_reason_ = "the shutdown command";
  event_base_loopbreak(self->base_);
}

}  // namespace tandem::server
