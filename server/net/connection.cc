// Connection (see connection.h): the per-socket state machine.
//
// States are not an enum but which event the connection is armed for:
//   EV_READ   (the usual): read what the socket has, then ProcessInput
//             parses and executes complete requests, appending replies to
//             the output queue, and flushes once at the end.
//   EV_WRITE  the socket refused part of the replies: stop reading and
//             executing until it drains, then run what is already buffered.
//   parked    (--repl-sync, armed for nothing): replies of a batch that
//             wrote wait for the peer's ack, or for --repl-sync-timeout.
// Besides running out of complete requests (or a quit), ProcessInput stops
// when -R requests ran in this event (the connection re-activates its own
// read event and yields, so other connections on the worker get a turn), a
// refused data block is still being swallowed (nothing is sent meanwhile,
// as in memcached), or the queued output passed kOutputHighWater (flush;
// if the client still does not read, wait for EV_WRITE). The high-water
// mark bounds what a client that never reads can pin: about 512 KB plus one
// reply.
//
// --repl-sync. Before each request the connection notes this thread's end
// of the replication stream (ReplicationHooks::ThreadStreamEnd); if the
// request moved it, the request wrote and the batch's replies must wait for
// the peer to have applied up to that offset (sync_target_). HoldForPeer
// joins the worker's waiters before checking the ack, so an ack arriving in
// between still wakes it; if the peer has already applied the writes, or
// there is no link, the replies go at once. While parked, neither reading
// nor writing is armed (idle timeout included) and the input stays
// buffered; OnSyncProgress, called by the worker on an ack or by the timer,
// releases the replies and resumes with the buffered requests, so replies
// always leave in request order.
//
// Forwarding. A request the handler forwards to its key's owner ends the
// batch: the connection parks as for --repl-sync (WaitForOwner) and the
// worker wakes it when the call has ended (OnForwardProgress), which
// appends the reply, then resumes ProcessInput with the buffered requests,
// whose replies the usual flush (or --repl-sync hold) sends in order.
//
// Input is one flat buffer: [start_, end_) unconsumed, compacted after each
// batch, grown by doubling up to max(-I, 4 MB) + 64 KB (a request still
// incomplete at that size closes the connection) and freed when drained
// and larger than 64 KB, so idle connections hold little memory.
#include "server/net/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "protocol/text_encoder.h"
#include "server/log.h"
#include "server/net/tls_context.h"
#include "server/net/worker_thread.h"

namespace tandem::server::net {
namespace {

constexpr size_t kInitialInput = 16 * 1024;
constexpr size_t kKeepInput = 64 * 1024;
// Room for a whole get line with thousands of keys, or the largest value.
constexpr size_t kMinMaxInput = 4u << 20;
constexpr size_t kLineSlack = 64 * 1024;
// Replies queued for a client that is not reading them, past which the
// connection stops executing its pipelined requests until the socket takes
// them (values are copied into the reply, so this bounds the memory a
// connection can pin at about this plus one reply).
constexpr size_t kOutputHighWater = 512 * 1024;

}  // namespace

Connection::Connection(WorkerThread& worker, int fd, std::string addr, std::string listen_addr,
                       std::unique_ptr<TlsSession> tls)
    : worker_(worker), fd_(fd), tls_(std::move(tls)) {
  info_.fd = fd;
  info_.addr = std::move(addr);
  info_.listen_addr = std::move(listen_addr);
  info_.last_cmd_time = worker_.context().clock->Now();
  worker_.context().stats->RegisterConnection(&info_);
}

Connection::~Connection() {
  if (watcher_ != nullptr) {
    // After Remove no producer can wake us; then the event may go.
    if (worker_.context().watch_log != nullptr) worker_.context().watch_log->Remove(watcher_);
    watcher_->SetWake(nullptr);
  }
  if (watch_wake_ != nullptr) event_free(watch_wake_);
  if (event_ != nullptr) event_free(event_);
  if (sync_timer_ != nullptr) event_free(sync_timer_);
  if (tls_ != nullptr) tls_->Shutdown();
  tls_.reset();
  ::close(fd_);
  ServerStats& stats = *worker_.context().stats;
  stats.UnregisterConnection(&info_);
  stats.curr_connections.fetch_sub(1);
  worker_.Forget(this);
  Log(*worker_.context().settings, 2, "<%d connection closed.", fd_);
}

bool Connection::Start() {
  int one = 1;
  // Replies must leave at once; the output queue already batches them.
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  event_ = event_new(worker_.base(), fd_, EV_READ | EV_PERSIST, &Connection::OnEvent, this);
  if (event_ == nullptr) return false;
  armed_ = 0;
  WantEvents(EV_READ);
  return true;
}

void Connection::WantEvents(short what) {
  if (armed_ == what) return;
  event_del(event_);
  event_assign(event_, worker_.base(), fd_, what | EV_PERSIST, &Connection::OnEvent, this);
  const int idle = worker_.context().settings->idle_timeout;
  if (what == EV_READ && idle > 0) {
    timeval tv{idle, 0};
    event_add(event_, &tv);
  } else {
    event_add(event_, nullptr);
  }
  armed_ = what;
}

void Connection::OnEvent(evutil_socket_t, short what, void* arg) {
  static_cast<Connection*>(arg)->HandleEvent(what);
}

void Connection::HandleEvent(short what) {
  if ((what & EV_TIMEOUT) && watcher_ != nullptr) return;  // memcached never idles a watcher out
  if (what & EV_TIMEOUT) {
    // -o idle_timeout: nothing arrived for that long.
    Log(*worker_.context().settings, 1, "Idle timeout: closing connection %d", fd_);
    worker_.stats().idle_kicks.Inc();
    Close();
    return;
  }
  if (what & EV_WRITE) {
    if (tls_read_wants_write_ && output_.empty()) {
      // OpenSSL could not write during a read (handshake, key update): retry.
      tls_read_wants_write_ = false;
      WantEvents(EV_READ);
      if (!ReadAndProcess()) Close();
      return;
    }
    if (!Flush()) {
      Close();
      return;
    }
    if (!output_.empty()) return;  // still blocked on a slow reader
    if (close_after_flush_) {
      Close();
      return;
    }
    output_.Trim();
    WantEvents(EV_READ);
    if (watcher_ != nullptr) {
      if (!PumpWatcher()) Close();
      return;
    }
    // Requests that arrived while we waited are already buffered.
    if (!ProcessInput()) {
      Close();
      return;
    }
    KickTls();
    return;
  }
  if (what & EV_READ) {
    if (armed_ == EV_WRITE) return;  // a yield fired after we blocked on output
    if (watcher_ != nullptr) {
      // A watcher's input is dropped; only its end matters.
      start_ = end_ = 0;
      if (!ReadSocket()) {
        Close();
        return;
      }
      start_ = end_ = 0;
      return;
    }
    if (sync_parked_) return;        // resumes when the peer acks (OnSyncProgress)
    if (forward_ != nullptr) return;  // resumes when the owner answers (OnForwardProgress)
    if (!ReadAndProcess()) Close();
  }
}

bool Connection::ReadAndProcess() {
  const bool yielded = yielded_;
  yielded_ = false;
  if (!yielded && !ReadSocket()) return false;
  if (!ProcessInput() || tls_peer_closed_) return false;
  KickTls();
  return true;
}

void Connection::KickTls() {
  if (tls_ == nullptr || armed_ != EV_READ || yielded_) return;
  if (tls_read_wants_write_) {
    WantEvents(EV_WRITE);
  } else if (tls_buffered_) {
    event_active(event_, EV_READ, 0);
  }
}

void Connection::EnsureInputSpace() {
  if (buf_ == nullptr) {
    capacity_ = kInitialInput;
    buf_ = std::make_unique<char[]>(capacity_);
    start_ = end_ = 0;
    return;
  }
  if (end_ < capacity_) return;
  CompactInput();
  if (end_ < capacity_) return;
  const size_t max_input =
      std::max(kMinMaxInput, worker_.context().settings->item_size_max) + kLineSlack;
  if (capacity_ >= max_input) return;
  size_t grown = std::min(capacity_ * 2, max_input);
  auto bigger = std::make_unique<char[]>(grown);
  std::memcpy(bigger.get(), buf_.get(), end_);
  buf_ = std::move(bigger);
  capacity_ = grown;
}

void Connection::CompactInput() {
  if (start_ == 0) return;
  if (start_ == end_) {
    start_ = end_ = 0;
    if (capacity_ > kKeepInput) {
      buf_.reset();
      capacity_ = 0;
    }
    return;
  }
  std::memmove(buf_.get(), buf_.get() + start_, end_ - start_);
  end_ -= start_;
  start_ = 0;
}

bool Connection::ReadSocket() {
  if (tls_ != nullptr) return ReadTls();
  EnsureInputSpace();
  if (end_ == capacity_) {
    // A request larger than any we accept is still incomplete: give up.
    Log(*worker_.context().settings, 1, "<%d request too large, closing", fd_);
    return false;
  }
  ssize_t n;
  do {
    n = ::read(fd_, buf_.get() + end_, capacity_ - end_);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    end_ += static_cast<size_t>(n);
    worker_.stats().bytes_read.Add(static_cast<uint64_t>(n));
    return true;
  }
  if (n == 0) return false;
  return errno == EAGAIN || errno == EWOULDBLOCK;
}

// Reads records while OpenSSL holds more and the buffer has room (what
// the socket still has raises the next event); the handshake runs inside
// the first reads, and a failure before it completes is counted.
bool Connection::ReadTls() {
  size_t total = 0;
  tls_buffered_ = false;
  for (;;) {
    EnsureInputSpace();
    if (end_ == capacity_) {
      if (total > 0) {
        // Run what we have; KickTls comes back for what OpenSSL still holds.
        tls_buffered_ = true;
        break;
      }
      Log(*worker_.context().settings, 1, "<%d request too large, closing", fd_);
      return false;
    }
    const ssize_t n = tls_->Read(buf_.get() + end_, capacity_ - end_);
    if (n < 0) {
      if (!tls_->handshake_done()) {
        worker_.context().tls->CountHandshakeError();
        Log(*worker_.context().settings, 1, "<%d TLS handshake failed: %s", fd_, tls_->error());
        return false;
      }
      if (total == 0) return false;
      // Requests and the peer's close in one read: run them, then close
      // (as a plaintext connection does on its next read).
      tls_peer_closed_ = true;
      break;
    }
    if (n == 0) {
      tls_read_wants_write_ = tls_->wants_write();
      break;
    }
    end_ += static_cast<size_t>(n);
    total += static_cast<size_t>(n);
    if (!tls_->HasPending()) break;
  }
  worker_.stats().bytes_read.Add(total);
  return true;
}

bool Connection::ProcessInput() {
  const ServerContext& ctx = worker_.context();
  const int max_requests = ctx.settings->reqs_per_event;
  int handled = 0;
  while (!close_after_flush_) {
    if (strict_ != nullptr) break;  // strict: a write's reply is decided before the next request runs
    if (swallow_ > 0) {
      size_t n = std::min(swallow_, end_ - start_);
      start_ += n;
      swallow_ -= n;
      if (swallow_ > 0) break;
      continue;
    }
    if (start_ == end_) break;
    if (output_.size() >= kOutputHighWater) {
      if (sync_target_ != 0) break;  // replies held for the peer's ack go only after it
      if (!Flush()) return false;
      if (output_.size() >= kOutputHighWater) break;  // resumes on EV_WRITE
    }
    if (handled == max_requests) {
      // -R: let other connections on this thread run, then continue.
      worker_.stats().conn_yields.Inc();
      yielded_ = true;
      event_active(event_, EV_READ, 0);
      break;
    }
    std::string_view input(buf_.get() + start_, end_ - start_);
    if (handler_ == nullptr) {
      handler_ = ctx.handlers->ForFirstByte(static_cast<uint8_t>(input[0]), fd_);
    }
    std::string* tail = output_.Tail();
    const size_t reply_begin = tail->size();
    HandleResult r = handler_->HandleOne(input, worker_.stats(), tail);
    if (r.need_more) {
      if (r.stream_end != 0) NoteSyncWrite(r.stream_end, nullptr, 0, {});
      break;
    }
    // This request wrote: its reply waits (strict: alone, see below).
    if (r.stream_end != 0) NoteSyncWrite(r.stream_end, tail, reply_begin, input.substr(0, r.consumed));
    ++handled;
    info_.last_cmd_time.store(ctx.clock->Now(), std::memory_order_relaxed);
    start_ += r.consumed;
    swallow_ = r.swallow;
    if (r.forward != nullptr) {
      forward_ = std::move(r.forward);  // the rest waits for the owner's answer
      break;
    }
    if (r.action == DispatchAction::kWatch && r.watcher != nullptr) {
      BecomeWatcher(std::move(r.watcher));
      start_ = end_;  // memcached reads nothing after `watch`
      break;
    }
    if (r.action == DispatchAction::kClose) {
      close_after_flush_ = true;
    } else if (r.action == DispatchAction::kShutdown) {
      close_after_flush_ = true;
      ctx.request_stop(ctx.request_stop_arg);
    }
  }
  CompactInput();
  if (forward_ != nullptr) {
    WaitForOwner();
    return true;
  }
  // memcached sends nothing while it swallows a refused data block; holding
  // the replies keeps a client's view of the stream the same.
  if (swallow_ > 0) return true;
  const bool strict_held = strict_ != nullptr;
  if (sync_target_ != 0 && HoldForPeer()) return true;
  if (strict_held && start_ < end_) {
    // Released at once (no link, or already acked): the requests behind
    // the write run next, as after a -R yield.
    yielded_ = true;
    event_active(event_, EV_READ, 0);
  }
  if (!Flush()) return false;
  if (!output_.empty()) {
    WantEvents(EV_WRITE);  // the client is not reading: stop reading too
    return true;
  }
  output_.Trim();
  return !close_after_flush_;
}

bool Connection::Flush() {
  const size_t tls_chunk = worker_.context().settings->ssl_wbuf_size;
  auto tls_write = [this](const char* data, size_t len) { return tls_->Write(data, len); };
  while (!output_.empty()) {
    // TLS: one SSL_write of at most -o ssl_wbuf_size bytes at a time.
    ssize_t n = tls_ == nullptr ? output_.WriteTo(fd_) : output_.WriteFront(tls_chunk, tls_write);
    if (n < 0) return false;
    if (n == 0) break;
    worker_.stats().bytes_written.Add(static_cast<uint64_t>(n));
  }
  return true;
}

void Connection::NoteSyncWrite(uint64_t stream_end, std::string* tail, size_t reply_begin,
                               std::string_view request) {
  if (worker_.sync_hooks() == nullptr) return;
  if (sync_target_ == 0) sync_first_ = stream_end;
  sync_target_ = stream_end;
  if (tail == nullptr || !worker_.context().settings->repl_sync_strict) return;
  strict_ = std::make_unique<StrictReply>(StrictReply{tail, reply_begin, tail->size(), std::string(request)});
}

bool Connection::SyncReleased(bool timed_out, SyncRelease* how) const {
  const ReplicationHooks& sync = *worker_.sync_hooks();
  if (sync.PeerHasApplied(sync_target_)) {
    // A NACK precedes the ack that covers its record, so it is known by now.
    *how = sync.PeerRefused(sync_first_, sync_target_) ? SyncRelease::kNacked : SyncRelease::kAcked;
    return true;
  }
  *how = SyncRelease::kTimedOut;
  return timed_out || !sync.PeerLinked();
}

void Connection::ReleaseSync(SyncRelease how) {
  worker_.sync_hooks()->CountSyncReply(how);
  sync_target_ = 0;
  sync_first_ = 0;
  const std::unique_ptr<StrictReply> strict = std::move(strict_);
  // Nothing is queued behind a held strict reply, so it is still the end of the last block.
  if (strict == nullptr || how == SyncRelease::kAcked || strict->tail != output_.LastBlock() ||
      strict->tail->size() != strict->end) {
    return;
  }
  strict->tail->resize(strict->begin);
  handler_->AnswerFailure(strict->request, ServerFailure::kNotReplicated, strict->tail);
}

bool Connection::HoldForPeer() {
  if (sync_timer_ == nullptr) {
    sync_timer_ = evtimer_new(worker_.base(), &Connection::OnSyncTimeout, this);
    if (sync_timer_ == nullptr) return false;
  }
  // Join the waiters before checking: an ack landing after the check then
  // finds us and wakes us, instead of slipping between check and join.
  worker_.AddSyncWaiter(this);
  if (SyncRelease how; SyncReleased(/*timed_out=*/false, &how)) {
    worker_.RemoveSyncWaiter(this);
    ReleaseSync(how);
    return false;
  }
  sync_parked_ = true;
  event_del(event_);  // neither read nor write until released
  armed_ = 0;
  const int ms = worker_.context().settings->repl_sync_timeout_ms;
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  evtimer_add(sync_timer_, &tv);
  return true;
}

void Connection::OnSyncTimeout(evutil_socket_t, short, void* arg) {
  static_cast<Connection*>(arg)->OnSyncProgress(/*timed_out=*/true);
}

void Connection::OnSyncProgress(bool timed_out) {
  if (!sync_parked_) return;
  SyncRelease how;
  if (!SyncReleased(timed_out, &how)) return;
  sync_parked_ = false;
  evtimer_del(sync_timer_);
  worker_.RemoveSyncWaiter(this);
  ReleaseSync(how);
  // Requests after the held batch are still buffered (a -R yield was
  // cancelled by parking): run them, then send everything in order.
  yielded_ = false;
  WantEvents(EV_READ);
  if (!ProcessInput()) {
    Close();
    return;
  }
  KickTls();
}

void Connection::WaitForOwner() {
  event_del(event_);  // neither read nor write until answered
  armed_ = 0;
  yielded_ = false;
  worker_.AddForwardWaiter(this);
  WorkerThread* worker = &worker_;
  forward_->Start([worker] { worker->WakeForwardWaiters(); });
}

void Connection::OnForwardProgress() {
  if (forward_ == nullptr || forward_->outcome() == ForwardCall::Outcome::kPending) return;
  const std::shared_ptr<ForwardCall> call = std::move(forward_);
  forward_ = nullptr;
  worker_.RemoveForwardWaiter(this);
  // The reply goes after those already queued; the requests behind it are
  // still buffered and run now.
  std::string* tail = output_.Tail();
  const size_t reply_begin = tail->size();
  const HandleResult r = handler_->FinishForward(*call, worker_.stats(), tail);
  if (r.stream_end != 0) NoteSyncWrite(r.stream_end, tail, reply_begin, call->request());
  if (r.action != DispatchAction::kContinue) close_after_flush_ = true;
  if (r.action == DispatchAction::kShutdown) {
    worker_.context().request_stop(worker_.context().request_stop_arg);
  }
  WantEvents(EV_READ);
  if (!ProcessInput()) {
    Close();
    return;
  }
  KickTls();
}

// ---------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------

void Connection::BecomeWatcher(std::shared_ptr<Watcher> watcher) {
  watcher_ = std::move(watcher);
  watch_wake_ = event_new(worker_.base(), -1, 0, &Connection::OnWatchWake, this);
  event* wake = watch_wake_;
  // Called by any thread that logs a line for an idle watcher.
  watcher_->SetWake([wake] { event_active(wake, EV_READ, 0); });
  info_.state.store("conn_watch", std::memory_order_relaxed);
  event_active(watch_wake_, EV_READ, 0);  // lines may have arrived before the wake was set
}

void Connection::OnWatchWake(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  if (!c->PumpWatcher()) c->Close();
}

// Lines move only once the previous ones are written, so a watcher that
// does not read holds at most its watcher buffer plus one batch: the rest
// is counted as skipped (watch_log.h), and no worker ever waits for it.
bool Connection::PumpWatcher() {
  if (!output_.empty()) return true;  // EV_WRITE pumps again when it drains
  watcher_->Drain(output_.Tail());
  if (!Flush()) return false;
  if (!output_.empty()) {
    WantEvents(EV_WRITE);
  } else {
    output_.Trim();
  }
  return true;
}

void Connection::Close() { delete this; }

}  // namespace tandem::server::net
