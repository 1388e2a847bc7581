// WorkerThread (see worker_thread.h): one event loop per thread, fed from
// the listener and woken for --repl-sync.
//
// Two cross-thread doors, both event_active() on a fd-less event: Assign
// (the listener thread) queues the new socket under mu_ and pokes notify_;
// WakeSyncWaiters (the replication thread, on an ack) pokes sync_wake_, but
// only when has_sync_waiters_ says some connection of this worker is parked,
// so a write load with no waiters costs no wake-ups. Everything else
// (connections_, sync_waiters_) is touched only by the loop thread.
//
// A third door, forward_wake_, is poked by the replication thread when a
// command forwarded to the peer (server/forwarding.h) has ended; it is a
// WakeFd, which wakes the loop without taking its lock (wake_fd.h), since
// a client is waiting on it.
//
// OnSyncWake lets every parked connection re-check its ack. A connection it
// releases may close, park again or run more requests, so the walk is over
// a copy and skips connections that have left the set meanwhile. The loop
// runs with EVLOOP_NO_EXIT_ON_EMPTY; Stop breaks it and only then deletes
// the remaining connections, so that cannot race with their callbacks.
#include "server/net/worker_thread.h"

#include <unistd.h>

#include <utility>

#include "server/log.h"
#include "server/net/connection.h"
#include "server/net/tls_context.h"
#include "server/net/tls_session.h"
#include "server/net/udp_endpoint.h"

namespace tandem::server::net {

WorkerThread::WorkerThread(int index, const ServerContext& context)
    : context_(context), stats_(context.stats->thread(index)) {
  base_ = event_base_new();
  notify_ = event_new(base_, -1, EV_PERSIST, &WorkerThread::OnNotify, this);
  event_add(notify_, nullptr);
  sync_wake_ = event_new(base_, -1, EV_PERSIST, &WorkerThread::OnSyncWake, this);
  event_add(sync_wake_, nullptr);
  forward_wake_ = std::make_unique<WakeFd>(base_, [this] { OnForwardWake(); });
}

WorkerThread::~WorkerThread() {
  Stop();
  udp_.clear();
  if (notify_ != nullptr) event_free(notify_);
  if (sync_wake_ != nullptr) event_free(sync_wake_);
  forward_wake_.reset();
  if (base_ != nullptr) event_base_free(base_);
  absl::MutexLock lock(&mu_);
  for (const Pending& p : pending_) ::close(p.fd);
}

void WorkerThread::Start() {
  thread_ = std::thread([this] { event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY); });
}

void WorkerThread::Stop() {
  if (!thread_.joinable()) return;
  event_base_loopexit(base_, nullptr);
  thread_.join();
  // The loop has ended: closing connections here cannot race with it.
  while (!connections_.empty()) delete *connections_.begin();
}

bool WorkerThread::AddUdpSocket(int fd) {
  udp_.push_back(std::make_unique<UdpEndpoint>(*this, fd));
  return udp_.back()->Start();
}

void WorkerThread::Assign(int fd, std::string addr, std::string listen_addr, bool tls) {
  {
    absl::MutexLock lock(&mu_);
    pending_.push_back({fd, std::move(addr), std::move(listen_addr), tls});
  }
  event_active(notify_, EV_READ, 0);
}

void WorkerThread::OnNotify(evutil_socket_t, short, void* arg) {
  static_cast<WorkerThread*>(arg)->TakePending();
}

void WorkerThread::AddSyncWaiter(Connection* conn) {
  sync_waiters_.insert(conn);
  has_sync_waiters_.store(true);
}

void WorkerThread::RemoveSyncWaiter(Connection* conn) {
  if (sync_waiters_.erase(conn) != 0 && sync_waiters_.empty()) {
    has_sync_waiters_.store(false);
  }
}

void WorkerThread::WakeSyncWaiters() {
  if (has_sync_waiters_.load()) event_active(sync_wake_, EV_READ, 0);
}

void WorkerThread::OnSyncWake(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<WorkerThread*>(arg);
  // A released connection may run requests, wait again or close (leaving
  // the set): walk a copy, skipping any that left meanwhile.
  std::vector<Connection*> waiting(self->sync_waiters_.begin(), self->sync_waiters_.end());
  for (Connection* conn : waiting) {
    if (self->sync_waiters_.count(conn) != 0) conn->OnSyncProgress(/*timed_out=*/false);
  }
}

// The same walk for connections waiting on a forwarded command: each checks
// whether its own call has ended (a wake-up may be for another one).
void WorkerThread::OnForwardWake() {
  std::vector<Connection*> waiting(forward_waiters_.begin(), forward_waiters_.end());
  for (Connection* conn : waiting) {
    if (forward_waiters_.count(conn) != 0) conn->OnForwardProgress();
  }
}

void WorkerThread::TakePending() {
  std::vector<Pending> batch;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(pending_);
  }
  for (Pending& p : batch) {
    std::unique_ptr<TlsSession> tls;
    if (p.tls) {
      SSL* ssl = context_.tls->NewSsl(p.fd);
      if (ssl == nullptr) {
        // Counted as a failed handshake: the client gets no TLS at all.
        context_.tls->CountHandshakeError();
        ::close(p.fd);
        context_.stats->curr_connections.fetch_sub(1);
        continue;
      }
      tls = std::make_unique<TlsSession>(ssl);
    }
    auto* conn = new Connection(*this, p.fd, std::move(p.addr), std::move(p.listen_addr), std::move(tls));
    connections_.insert(conn);
    if (!conn->Start()) delete conn;
    else Log(*context_.settings, 2, "<%d new auto-negotiating client connection", p.fd);
  }
}

}  // namespace tandem::server::net
