// PeerLink (see peer_link.h for the protocol and its rules): the libevent
// plumbing of the link thread: its timers, accept and dial, TLS, the frame
// reader, the handshake steps and the send pump. What a frame of the peer's
// stream does once the link is up is the Applier's (applier.h).
//
// Connections. Every socket becomes a Conn and walks kConnecting (dialed:
// TCP connect under way) -> kTlsHandshake (skipped without TLS) ->
// kAwaitingHello -> kLinked. The dialer sends its HELLO when the transport
// is ready; the acceptor answers with its own only if it keeps the
// connection (DecideOnHello), so a refused dialer never sees the acceptor's
// state. At most one Conn is active_, and it is never replaced. A dial is
// made on a plain socket bufferevent (bound to -l's first address, so a
// peer fencing by address sees the one it was told); once TCP connects, the
// socket moves to its transport bufferevent (TLS or plain). A closed Conn is
// destroyed at once by its own callback or by the next Tick, never in the
// middle of another Conn's callback.
//
// Accepting. Before anything is read, an accepted socket must come from -x's
// host when the link is plaintext, and at most kMaxPendingHandshakes
// accepted connections may be in their handshake; otherwise it is closed
// (counted in refused_connections, logged at most a few times a second).
// A TLS failure before the link is up (wrong secret, a certificate the CA
// did not sign, or not TLS at all) is an auth failure, counted and logged
// the same way.
//
// Reading. ReadFrames peeks each frame's length before pulling it up, and
// refuses lengths over the bound of the connection's state *at that frame*
// (tiny before HELLO, kMaxBody after), so a stranger cannot make the node
// buffer more than a header's claim allows, and frames that arrive in the
// same read as the HELLO get the link's bound. Stores are handed over with
// ReceiveDeferred and applied together at the end of the read, or before
// any other frame; then the Applier's ack, if any, goes out. With TLS,
// OpenSSL reads ahead (one read() for many records), and records it holds
// are decrypted in the same pass, not left for a socket event that may not
// come (ReadOnWhileTlsBuffered, peer_link_conn.h). One clock reading per
// read stamps every frame of it (Heard).
//
// Sending. Pump fills the socket's output buffer from two sources. First
// the backlog from the Conn's send_offset, up to kHighWater, always, even
// while a full copy is under way: the writes made during a copy stream
// alongside it (the receiver applies them at once, and its stream position
// after the copy moves past them, applier.h), so a copy that takes longer
// than the backlog lasts is never abandoned for another one, which would
// take as long again. Then, during a copy, snapshot steps, but only while
// the buffer holds less than kSnapshotRoom and kSnapshotSlice per call, so
// records wait behind at most a couple of MB of copy, and the copy costs a
// few MB whatever the item sizes (snapshot_sender.h). Pump runs when the
// buffer drains below kLowWater (the write callback), when a worker appends
// to the log (log_wake_) or queues a forwarded command (forward_wake_),
// and, during a full copy, from a zero-delay timer after every slice, so
// reads and heartbeats are served between slices. A
// peer that falls out of the backlog anyway (writes faster than the link
// carries, copy or not) is disconnected; its reconnect gets a full copy.
// A record larger than the backlog is kept whole (backlog.h).
//
// Liveness. Every read on the active link counts as hearing from the peer,
// not only whole frames: a large frame over a slow link keeps it alive.
//
// Forwarding (forwarder.h). FORWARD_REQUEST and FORWARD_ANSWER frames go to
// the Forwarder; Pump ends by sending what it has due (queued requests,
// answers whose records are now sent), written in the same loop pass
// (WriteNow) since a client waits on each; Close ends the calls of the link.
//
// Anti-entropy (anti_entropy.h). AE_DIGEST and AE_RANGES go to AntiEntropy,
// AE_ITEM to the Applier. Its walks run from Pump in slices, like the
// copy's, and only once the stream is fully sent and no copy is under way.
//
// Timers. Tick runs every heartbeat/4 ms (clamped to 5..50): it drops the
// active link after --repl-timeout-ms without a frame, sends heartbeats,
// drops handshakes older than max(timeout, 2 s), promotes a slave that has
// heard nothing for the timeout, and dials (with backoff) when there is no
// active link and no dial under way. A gap of a whole timeout between two
// ticks means this node did not run (DeferIfWeWereAway): it restarts those
// clocks instead of blaming the peer.
//
// Stopping. Stop drains (bounded), then OnStop writes GOODBYE on the active
// link and leaves the loop once it is written (or after kGoodbyeFlushMs);
// a peer that reads it closes the link and, if slave, promotes at once.
#include "replication/peer_link.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "replication/handshake.h"
#include "replication/log.h"
#include "replication/peer_link_conn.h"
#include "replication/record_codec.h"

namespace tandem::replication {

using peer_link_internal::kLowWater;
using peer_link_internal::NowMs;
using peer_link_internal::NumericHost;
using peer_link_internal::ReadOnWhileTlsBuffered;

namespace {

constexpr size_t kHighWater = 4u << 20;   // stop filling the socket buffer here
constexpr size_t kReadChunk = 1u << 20;   // backlog bytes per pump round
constexpr int64_t kLazyAckMs = 10;        // ack interval when the peer does not use --repl-sync
constexpr size_t kSnapshotBudget = 256;   // items looked at per snapshot step
constexpr size_t kSnapshotStepBytes = 64u << 10;  // key and value bytes per snapshot step
// A full copy adds to the output buffer only while it holds less than this,
// so records written meanwhile (which may fill it to kHighWater) never wait
// behind more than this much of the copy.
constexpr size_t kSnapshotRoom = 2u << 20;
// Snapshot bytes encoded per pump call. Encoding is the slow part of a full
// copy; between slices the loop writes them out, reads the peer and sends
// heartbeats (filling the whole 4 MB in one go took over a second on a
// starved CPU, and the peer, hearing nothing, dropped the link). The next
// slice is a zero-delay timer, not event_active: libevent runs an event
// re-activated from its own callback in the same pass, before any I/O.
constexpr size_t kSnapshotSlice = 256u << 10;
// Anti-entropy: items looked at per step (a step holds one segment lock)
// and per pump call.
constexpr size_t kAntiEntropyBudget = 1024;
constexpr size_t kAntiEntropySlice = 64u * 1024;
constexpr int64_t kHandshakeDeadlineMs = 2000;  // or --repl-timeout-ms if longer
constexpr int kLogLinesPerSecond = 3;           // LogRateLimited
constexpr int kGoodbyeFlushMs = 200;            // OnStop: how long the GOODBYE may take to leave
constexpr int kCallbacksPerPass = 64;           // the base's dispatch limit (constructor)
// Batching (OnLogWake): a stream that fills this much per
// --repl-stream-batch-us doubles the next window, up to kMaxBatchWindows
// times the flag's value.
constexpr uint64_t kBusyBatchBytes = 1024;
constexpr int kMaxBatchWindows = 5;

int64_t MonotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

PeerLink::PeerLink(PeerLinkConfig config, uint64_t node_id, server::storage::Engine& engine,
                   MutationLog& log, RoleState& role, ReplStats& stats, NackLog& nacks)
    : config_(std::move(config)),
      node_id_(node_id),
      log_(log),
      role_(role),
      stats_(stats),
      nacks_(nacks),
      applier_(engine, stats),
      snapshot_(engine),
      anti_entropy_(engine, stats) {
  // Precise timers (timerfd): the batching window is sub-millisecond, and
  // epoll's own timeout would round it up to a whole millisecond.
  event_config* cfg = event_config_new();
  event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
  // At most this many callbacks per loop pass before timers and sockets are
  // looked at again: a callback that activates its own event runs again in
  // the same pass (ReadOnWhileTlsBuffered on a link that never runs dry).
  event_config_set_max_dispatch_interval(cfg, nullptr, kCallbacksPerPass, 0);
  base_ = event_base_new_with_config(cfg);
  event_config_free(cfg);
  if (base_ == nullptr) base_ = event_base_new();
  tick_ = event_new(base_, -1, EV_PERSIST, &PeerLink::OnTick, this);
  stop_ = event_new(base_, -1, 0, &PeerLink::OnStop, this);
  pump_timer_ = evtimer_new(base_, &PeerLink::OnWake, this);
  log_wake_ = event_new(base_, -1, 0, &PeerLink::OnLogWake, this);
  batch_timer_ = evtimer_new(base_, &PeerLink::OnBatchTimer, this);
  if (!config_.peer_host.empty()) stats_.set_peer(absl::StrCat(config_.peer_host, ":", config_.peer_port));
}

PeerLink::~PeerLink() {
  Stop(absl::ZeroDuration());
  for (const auto& c : conns_) {
    if (c->bev != nullptr) bufferevent_free(c->bev);
  }
  conns_.clear();
  for (evconnlistener* l : listeners_) evconnlistener_free(l);
  event_free(tick_);
  forward_wake_.reset();
  event_free(stop_);
  event_free(pump_timer_);
  event_free(log_wake_);
  event_free(batch_timer_);
  event_base_free(base_);
}

absl::Status PeerLink::Listen() {
  if (!tls() && !config_.peer_host.empty()) {
    // The plaintext fence: resolved once, at start-up, like -l.
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(config_.peer_host.c_str(), nullptr, &hints, &res); rc != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("replication: cannot resolve -x ", config_.peer_host, ": ", gai_strerror(rc)));
    }
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) peer_addresses_.push_back(NumericHost(ai->ai_addr));
    freeaddrinfo(res);
  }
  if (config_.listen_port == 0) return absl::OkStatus();
  std::vector<std::string> hosts = config_.listen_hosts;
  if (hosts.empty()) hosts.push_back("");
  for (const std::string& host : hosts) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* res = nullptr;
    std::string port = absl::StrCat(config_.listen_port);
    if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("replication: cannot resolve listen address ", host, ": ", gai_strerror(rc)));
    }
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      evconnlistener* l = evconnlistener_new_bind(
          base_, &PeerLink::OnAccept, this, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
          64, ai->ai_addr, static_cast<int>(ai->ai_addrlen));
      if (l == nullptr) {
        std::string err = std::strerror(errno);
        freeaddrinfo(res);
        return absl::UnavailableError(absl::StrCat("failed to listen on replication port ", config_.listen_port,
                                                   " (", host.empty() ? "*" : host, "): ", err));
      }
      listeners_.push_back(l);
      if (host.empty()) break;  // one wildcard socket (IPv4) is what memcached binds by default too
    }
    freeaddrinfo(res);
  }
  return absl::OkStatus();
}

void PeerLink::Start() {
  log_.SetWake([this] { event_active(log_wake_, EV_READ, 0); });
  if (forwarder_ != nullptr) {
    // Without the base's lock: a client waits on each forwarded call (wake_fd.h).
    forward_wake_ = std::make_unique<server::net::WakeFd>(base_, [this] { OnWake(-1, 0, this); });
    forwarder_->SetWake([wake = forward_wake_.get()] { wake->Wake(); });
  }
  last_heard_ms_ = NowMs();
  int tick_ms = std::clamp(config_.heartbeat_ms / 4, 5, 50);
  timeval tv{0, tick_ms * 1000};
  event_add(tick_, &tv);
  running_ = true;
  thread_ = std::thread([this] {
    Tick();
    event_base_loop(base_, 0);
  });
}

void PeerLink::Stop(absl::Duration drain) {
  if (!running_.exchange(false)) return;
  // Clean shutdown drains: wait (bounded) until the peer acked our stream end.
  absl::Time deadline = absl::Now() + drain;
  const uint64_t end = log_.end();
  while (absl::Now() < deadline && stats_.link.load() == LinkState::kUp &&
         stats_.peer_acked_offset.load() < end) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  event_active(stop_, EV_READ, 0);
  if (thread_.joinable()) thread_.join();
}

// Says GOODBYE on the active link, so the peer takes over at once, and
// leaves the loop once it is written (OnWrite) or after kGoodbyeFlushMs.
void PeerLink::OnStop(evutil_socket_t, short, void* arg) {
  // The wake callback stays installed: workers may still append until the
  // server is torn down, and activating an event of a stopped base is harmless.
  auto* self = static_cast<PeerLink*>(arg);
  self->stopping_ = true;
  Conn* c = self->active_;
  if (c == nullptr || c->state != Conn::State::kLinked || c->bev == nullptr) {
    event_base_loopbreak(self->base_);
    return;
  }
  std::string out;
  EncodeGoodbye(&out);
  bufferevent_write(c->bev, out.data(), out.size());
  timeval tv{0, kGoodbyeFlushMs * 1000};
  event_base_loopexit(self->base_, &tv);
}

void PeerLink::OnRead(bufferevent*, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  PeerLink* self = c->link;
  // One clock reading per read, not per frame: the frames of a read arrived together.
  self->Heard(c, NowMs());
  self->ReadFrames(c);
  if (c->state == Conn::State::kClosed) {
    self->Destroy(c);
  } else {
    ReadOnWhileTlsBuffered(c->bev);
  }
}

void PeerLink::OnWrite(bufferevent* bev, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  PeerLink* self = c->link;
  if (self->stopping_) {
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) event_base_loopbreak(self->base_);
    return;
  }
  if (self->active_ == c) self->Pump(c);
}

void PeerLink::OnWake(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<PeerLink*>(arg);
  if (self->active_ != nullptr) {
    self->Pump(self->active_);
  } else {
    self->log_.ClearWake();
  }
}

// Batching (--repl-stream-batch-us). A write after a quiet spell is sent
// at once. When writes keep coming (the previous wake-up was less than a
// window ago), the link holds the log's wake-up flag set (so workers append
// without waking it: no system call, no context switch per write) and
// sends whatever arrived once per window, one TLS record and one send for
// many writes. The window adapts: while the stream comes at a rate of at
// least kBusyBatchBytes per flag's value (5 MB/s at 200 us: a set-heavy
// load, not 90/10 gets and sets), each window doubles the next, up to
// kMaxBatchWindows times the flag's value, so a steady write stream pays the
// per-send cost (a timer, a wake-up, an SSL_write, a send, the peer's
// wake-up) over more writes; a slower stream goes back to the flag's value,
// and a window that finds nothing ends batching: the next write wakes the
// link again. Lag grows by one window at most (the flag's value under a
// lighter write load, up to kMaxBatchWindows times it under a heavy
// stream); with --repl-sync there is no window (each reply waits on the ack).
void PeerLink::OnLogWake(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<PeerLink*>(arg);
  if (self->active_ == nullptr) {
    self->log_.ClearWake();
    return;
  }
  if (self->batching_) return;  // the timer sends it
  const int64_t now_us = MonotonicUs();
  const bool writes_keep_coming = now_us - self->last_log_wake_us_ < self->config_.stream_batch_us;
  self->last_log_wake_us_ = now_us;
  const uint64_t before = self->active_->send_offset;
  self->Pump(self->active_);
  // Nothing left to send: the writes were this thread's own (a forwarded
  // command, whose answer already went out behind its records), no sign of
  // a busy stream, so no window (it would cost a timer wakeup per forward).
  if (self->active_ != nullptr && self->active_->send_offset != before && writes_keep_coming) {
    self->StartBatchWindow(self->config_.stream_batch_us);
  }
}

void PeerLink::OnBatchTimer(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<PeerLink*>(arg);
  self->batching_ = false;
  if (self->active_ == nullptr) {
    self->log_.ClearWake();
    return;
  }
  const uint64_t before = self->active_->send_offset;
  self->Pump(self->active_);
  if (self->active_ == nullptr) return;
  const uint64_t sent = self->active_->send_offset - before;
  if (sent == 0) return;  // quiet: the next write wakes the link
  // Busy: the stream's rate would fill kBusyBatchBytes per base window. A
  // rate, not this window's bytes, or a longer window would keep itself long.
  const int base = self->config_.stream_batch_us;
  const bool busy = sent * static_cast<uint64_t>(base) >= kBusyBatchBytes * static_cast<uint64_t>(self->batch_window_us_);
  self->StartBatchWindow(busy ? std::min(2 * self->batch_window_us_, kMaxBatchWindows * base) : base);
}

void PeerLink::StartBatchWindow(int window_us) {
  if (config_.stream_batch_us <= 0 || active_ == nullptr || batching_) return;
  batching_ = true;
  batch_window_us_ = window_us;
  log_.HoldWake();
  timeval tv{window_us / 1000000, window_us % 1000000};
  evtimer_add(batch_timer_, &tv);
}

void PeerLink::ReadFrames(Conn* c) {
  evbuffer* in = bufferevent_get_input(c->bev);
  while (c->state == Conn::State::kAwaitingHello || c->state == Conn::State::kLinked) {
    // The bound is the state's at each frame: frames read in the same chunk
    // as the HELLO belong to the link and get its bound.
    const bool linked = c->state == Conn::State::kLinked;
    const size_t max_body = linked ? kMaxBody : kMaxHandshakeBody;
    size_t avail = evbuffer_get_length(in);
    if (avail < kFrameHeaderSize) break;
    char header[kFrameHeaderSize];
    evbuffer_copyout(in, header, sizeof(header));
    const size_t body = FrameBodySize(std::string_view(header, sizeof(header)));
    if (body > max_body || body == 0) {
      stats_.protocol_errors.fetch_add(1);
      Close(c, linked ? "oversized frame" : "not a tandem peer (bad first frame)");
      break;
    }
    if (avail < kFrameHeaderSize + body) break;
    const unsigned char* p = evbuffer_pullup(in, static_cast<ev_ssize_t>(kFrameHeaderSize + body));
    Frame frame;
    size_t consumed = 0;
    absl::Status st = DecodeFrame(std::string_view(reinterpret_cast<const char*>(p), kFrameHeaderSize + body),
                                  max_body, &frame, &consumed);
    if (st.ok() && consumed == 0) st = absl::DataLossError("incomplete frame");
    if (st.ok()) st = HandleFrame(c, frame.type, frame.payload, consumed);
    if (!st.ok()) {
      stats_.protocol_errors.fetch_add(1);
      Close(c, std::string(st.message()));
      break;
    }
    evbuffer_drain(in, consumed);
  }
  applier_.ApplyPending();
  if (c->state == Conn::State::kLinked) MaybeAck(c);
}

// Liveness counts bytes, not frames: a peer sending a frame bigger than
// what the link carries in --repl-timeout-ms is alive while its bytes
// arrive (heartbeats queued behind that frame could not say so).
void PeerLink::Heard(Conn* c, int64_t now) {
  c->last_recv_ms = now;
  if (active_ != c) return;
  stats_.last_heartbeat_ms.store(now);
  last_heard_ms_ = now;
}

absl::Status PeerLink::HandleFrame(Conn* c, FrameType type, std::string_view payload, size_t frame_size) {
  // Stores may wait for the end of the read (Applier::ReceiveDeferred);
  // any other frame (a forwarded answer, an ack) sees them applied.
  if (type != FrameType::kRecord && type != FrameType::kSnapshotItem) applier_.ApplyPending();
  switch (c->state) {
    case Conn::State::kAwaitingHello:
      return OnHello(c, type, payload);
    case Conn::State::kLinked:
      break;
    case Conn::State::kConnecting:
    case Conn::State::kTlsHandshake:
    case Conn::State::kClosed:
      return absl::InternalError("frame on a connection that is not open");  // ReadFrames never gets here
  }
  // Linked, and (being here) the active connection; OnRead's Heard has
  // stamped this read (and Authenticated the read that brought the HELLO).
  switch (type) {
    case FrameType::kSyncStart:
    case FrameType::kRecord:
    case FrameType::kSnapshotItem:
    case FrameType::kSnapshotEnd:
    case FrameType::kAeItem: {
      absl::Status st = applier_.ReceiveDeferred(type, payload, frame_size);
      // Forwarding starts once this node holds the peer's data (forwarder.h).
      if (st.ok() && forwarder_ != nullptr && applier_.phase() == Applier::Phase::kStreaming &&
          !forwarder_->routing()) {
        forwarder_->LinkReady(c->peer.node_id);
      }
      return st;
    }
    case FrameType::kForwardRequest:
    case FrameType::kForwardAnswer:
      return HandleForwardFrame(c, type, payload);
    case FrameType::kAeDigest:
    case FrameType::kAeRanges: {
      absl::Status st = anti_entropy_.Receive(type, payload);
      if (st.ok()) Pump(c);
      return st;
    }
    case FrameType::kAck: {
      uint64_t off = 0;
      if (absl::Status st = ParseAck(payload, &off); !st.ok()) return st;
      stats_.peer_acked_offset.store(off);  // seq_cst: pairs with the waiters flag (worker_thread.cc)
      if (on_ack_progress_) on_ack_progress_();
      return absl::OkStatus();
    }
    case FrameType::kNack: {
      // Before the ACK that covers it (the peer sends them in that order).
      Nack nack;
      if (absl::Status st = ParseNack(payload, &nack); !st.ok()) return st;
      nacks_.Add(nack.offset);
      return absl::OkStatus();
    }
    case FrameType::kHeartbeat: {
      Heartbeat hb;
      if (absl::Status st = ParseHeartbeat(payload, &hb); !st.ok()) return st;
      return applier_.OnPeerClock(hb.wall_ms);
    }
    case FrameType::kGoodbye:
      if (absl::Status st = ParseGoodbye(payload); !st.ok()) return st;
      PeerSaidGoodbye(c);
      return absl::OkStatus();
    case FrameType::kHello:
    case FrameType::kAuth:
      break;
  }
  return absl::DataLossError("unexpected handshake frame");
}

void PeerLink::SendHello(Conn* c) {
  Hello h;
  h.node_id = node_id_;
  h.epoch = role_.epoch();
  h.role = role_.role();
  h.applied_stream = applier_.stream();
  h.applied_offset = applier_.offset();
  h.stream_end = log_.end();
  h.item_size_max = config_.item_size_max;
  h.evict_to_free = config_.evict_to_free;
  h.master_for_ms = role_.master_for_ms();
  h.listen_port = static_cast<uint16_t>(config_.listen_port);
  h.wants_prompt_acks = config_.wants_prompt_acks;
  c->sent = h;
  std::string out;
  EncodeHello(h, &out);
  bufferevent_write(c->bev, out.data(), out.size());
}

absl::Status PeerLink::OnHello(Conn* c, FrameType type, std::string_view payload) {
  if (type != FrameType::kHello) return absl::DataLossError("not a tandem peer (expected HELLO)");
  if (absl::Status st = AcceptHello(payload, node_id_, &c->peer); !st.ok()) return st;
  LinkSituation situation;
  situation.self_id = node_id_;
  situation.peer_id = c->peer.node_id;
  situation.we_dialed = c->dialed;
  situation.our_dial_pending = std::any_of(conns_.begin(), conns_.end(), [c](const auto& p) {
    return p.get() != c && p->dialed && p->state != Conn::State::kClosed;
  });
  situation.have_live_link = active_ != nullptr;
  switch (DecideOnHello(situation)) {
    case HelloVerdict::kAlreadyLinked:
      LogRateLimited(absl::StrCat("refused a second connection from ", c->name, ": the link with ",
                                  active_->name, " is up and is never replaced"));
      Close(c, "");
      return absl::OkStatus();
    case HelloVerdict::kPeerShouldWait:
      Close(c, "");  // our own dial is the one to keep
      return absl::OkStatus();
    case HelloVerdict::kLink:
      break;
  }
  if (!c->dialed) SendHello(c);
  c->state = Conn::State::kLinked;
  return Authenticated(c);
}

// What `stats replication` calls the peer: where it listens for its peer,
// not the source port of a connection it opened to us. The -x address when
// one is configured; else the connection's host and the port its HELLO
// announced.
std::string PeerLink::PeerListenAddress(const Conn* c) const {
  if (!config_.peer_host.empty()) return absl::StrCat(config_.peer_host, ":", config_.peer_port);
  if (c->dialed || c->peer.listen_port == 0) return c->name;
  const size_t colon = c->name.rfind(':');
  if (colon == std::string::npos) return c->name;
  return absl::StrCat(c->name.substr(0, colon), ":", c->peer.listen_port);
}

absl::Status PeerLink::Authenticated(Conn* c) {
  active_ = c;
  applier_.StartLink(c->peer.node_id, c->name);
  if (on_link_up_) on_link_up_(c->peer.node_id);
  dial_backoff_ms_ = 50;
  peer_trouble_log_.ForgetAll();  // reached: the next trouble is news
  const Role before = role_.role();
  // From the two HELLOs (authenticated by the transport), as the peer does.
  role_.Meet(StateOf(c->sent), StateOf(c->peer));
  CompareLimits(c);
  stats_.set_peer(PeerListenAddress(c));
  stats_.link.store(LinkState::kUp);
  stats_.last_heartbeat_ms.store(NowMs());
  last_heard_ms_ = NowMs();
  if (role_.role() != before) {
    Log(absl::StrCat("now ", RoleName(role_.role()), " (epoch ", role_.epoch(), ") after meeting ", c->name));
  }
  // Feed the peer: partial from its applied offset if the backlog has it, else a full copy.
  uint64_t end = log_.end();
  bool in_backlog = log_.Contains(c->peer.applied_offset);
  SyncStart s = DecideSync(node_id_, in_backlog ? c->peer.applied_offset : end + 1, end,
                           c->peer.applied_stream, c->peer.applied_offset);
  // `end` is read first: a write that made its record before it is in the
  // engine by the time HoldsNothing looks, and later ones stream as records.
  if (s.full) s.nothing_to_copy = snapshot_.NothingToCopy();
  if (s.full && !s.nothing_to_copy) s.items = snapshot_.ItemsToCopy();
  std::string out;
  EncodeSyncStart(s, &out);
  bufferevent_write(c->bev, out.data(), out.size());
  c->send_offset = s.offset;
  anti_entropy_.Cancel();
  next_antientropy_ms_ = NowMs();  // a round as soon as the sync is done (MaybeStartAntiEntropy)
  if (s.full && s.nothing_to_copy) {
    Log(absl::StrCat("link up with ", c->name, " (", RoleName(role_.role()), ", epoch ", role_.epoch(), ", auth ",
                     AuthModeName(tls() ? config_.tls->mode() : AuthMode::kNone),
                     "); this node holds nothing: no full copy, streaming from offset ", s.offset));
  } else if (s.full) {
    snapshot_.Start();
    Log(absl::StrCat("link up with ", c->name, " (", RoleName(role_.role()), ", epoch ", role_.epoch(), ", auth ",
                     AuthModeName(tls() ? config_.tls->mode() : AuthMode::kNone), "); sending a full copy"));
  } else {
    Log(absl::StrCat("link up with ", c->name, " (", RoleName(role_.role()), ", epoch ", role_.epoch(), ", auth ",
                     AuthModeName(tls() ? config_.tls->mode() : AuthMode::kNone), "); partial resync from offset ",
                     s.offset));
  }
  SendHeartbeat(c, NowMs());
  Pump(c);
  return absl::OkStatus();
}

// The peer is stopping cleanly and has drained to us (PeerLink::Stop): a
// slave takes over now instead of after --repl-timeout-ms of silence.
void PeerLink::PeerSaidGoodbye(Conn* c) {
  Close(c, "the peer is stopping (goodbye)");
  if (role_.Promote()) {
    Log(absl::StrCat("peer stopped cleanly: promoted to master, epoch ", role_.epoch()));
  }
}

// The pair should hold the same items: a value one node takes and the other
// cannot is acknowledged by neither (NACK), and -M decides whether a full
// node refuses or evicts. A mismatch is allowed (a migration may need it)
// but said once per link.
void PeerLink::CompareLimits(const Conn* c) {
  if (c->peer.item_size_max != config_.item_size_max) {
    Log(absl::StrCat("item size limit mismatch: this node has -I ", config_.item_size_max, " bytes, ", c->name,
                     " has ", c->peer.item_size_max, "; larger items reach only one node (NACK)"));
  }
  if (c->peer.evict_to_free != config_.evict_to_free) {
    Log(absl::StrCat("memory policy mismatch: this node ", config_.evict_to_free ? "evicts" : "refuses (-M)",
                     " when full, ", c->name, c->peer.evict_to_free ? " evicts" : " refuses (-M)"));
  }
}

void PeerLink::Pump(Conn* c) {
  if (c->state != Conn::State::kLinked) return;
  evbuffer* out = bufferevent_get_output(c->bev);
  if (!SendStream(c, out)) return;
  if (snapshot_.active()) SendSnapshotSlice(c, out);
  // Behind the whole stream, so a re-sent item never overtakes its record.
  if (!snapshot_.active() && anti_entropy_.walking() && c->send_offset == log_.end()) SendAntiEntropySlice(c, out);
  SendForwards(c);
}

// Records first, during a copy too: whenever the buffer is below
// kHighWater (and up to `at_least` in any case), so the backlog drains at
// the link's pace whatever the copy is doing. False when the peer fell out
// of the backlog (the link is closed).
bool PeerLink::SendStream(Conn* c, evbuffer* out, uint64_t at_least) {
  // Straight from the ring into one contiguous run of the output buffer: no
  // intermediate copy, and one SSL_write (one send) per batch, not one per
  // piece of the ring or per evbuffer chain.
  evbuffer_iovec space{};
  const auto reserve = [out, &space](size_t n) -> char* {
    if (evbuffer_reserve_space(out, static_cast<ev_ssize_t>(n), &space, 1) < 1) return nullptr;
    return static_cast<char*>(space.iov_base);
  };
  while (evbuffer_get_length(out) < kHighWater || c->send_offset < at_least) {
    if (!batching_) log_.ClearWake();  // while batching, the timer reads the log
    size_t read = 0;
    if (!log_.ReadInto(c->send_offset, kReadChunk, &read, reserve)) {
      stats_.backlog_overruns.fetch_add(1);
      Close(c, "peer fell behind the backlog (--repl-backlog); it will get a full copy");
      return false;
    }
    if (read == 0) break;
    space.iov_len = read;
    evbuffer_commit_space(out, &space, 1);  // the transport writes it now (its output callback)
    c->send_offset += read;
  }
  return true;
}

// The copy fills only what records leave: up to kSnapshotRoom buffered, and
// kSnapshotSlice per call (the next slice is a zero-delay timer; a full
// buffer resumes from the write callback once it drains below kLowWater).
void PeerLink::SendSnapshotSlice(Conn* c, evbuffer* out) {
  std::string chunk;
  size_t sent = 0;
  while (snapshot_.active() && evbuffer_get_length(out) < kSnapshotRoom) {
    if (sent >= kSnapshotSlice) {
      timeval now{0, 0};
      evtimer_add(pump_timer_, &now);
      return;
    }
    chunk.clear();
    snapshot_.Step(kSnapshotBudget, kSnapshotStepBytes, &chunk);
    sent += chunk.size();
    if (!chunk.empty()) bufferevent_write(c->bev, chunk.data(), chunk.size());
    if (!snapshot_.active()) Log(absl::StrCat("full copy to ", c->name, " sent: ", snapshot_.items(), " items"));
  }
}

// Anti-entropy walks (anti_entropy.h) share the copy's room and slices:
// kAntiEntropySlice items looked at per call, or kSnapshotSlice bytes, then
// a zero-delay timer for the next slice.
void PeerLink::SendAntiEntropySlice(Conn* c, evbuffer* out) {
  std::string chunk;
  size_t looked = 0;
  size_t sent = 0;
  while (anti_entropy_.walking() && evbuffer_get_length(out) < kSnapshotRoom) {
    if (looked >= kAntiEntropySlice || sent >= kSnapshotSlice) {
      timeval now{0, 0};
      evtimer_add(pump_timer_, &now);
      return;
    }
    chunk.clear();
    anti_entropy_.Step(kAntiEntropyBudget, kSnapshotStepBytes, &chunk);
    // Writes during the step: their records are in the log before the step
    // could see their items (the engine appends under the segment lock), so
    // sending the stream up to here first keeps each record ahead of any
    // re-sent copy of its item, even past kHighWater.
    if (!SendStream(c, out, log_.end())) return;
    looked += kAntiEntropyBudget;
    sent += chunk.size();
    if (!chunk.empty()) bufferevent_write(c->bev, chunk.data(), chunk.size());
  }
}

// The node with the lower id starts a round once the peer's data is here
// and our copy to it is done, then every --repl-antientropy-s.
void PeerLink::MaybeStartAntiEntropy(int64_t now) {
  Conn* c = active_;
  if (config_.antientropy_s <= 0 || c == nullptr || c->state != Conn::State::kLinked) return;
  if (node_id_ > c->peer.node_id || now < next_antientropy_ms_ || anti_entropy_.busy()) return;
  if (applier_.phase() != Applier::Phase::kStreaming || snapshot_.active()) return;
  next_antientropy_ms_ = now + int64_t{config_.antientropy_s} * 1000;
  anti_entropy_.Begin();
  Pump(c);
}

absl::Status PeerLink::HandleForwardFrame(Conn* c, FrameType type, std::string_view payload) {
  if (forwarder_ == nullptr) return absl::DataLossError("forwarded command, but forwarding is off");
  if (type == FrameType::kForwardAnswer) return forwarder_->OnAnswer(payload);
  absl::Status st = forwarder_->OnRequest(payload);
  if (st.ok()) Pump(c);  // its records, then its answer
  return st;
}

// A client waits on each of these frames: they (and the records before
// them) are written in this pass of the loop, not after another epoll round.
void PeerLink::SendForwards(Conn* c) {
  if (forwarder_ == nullptr) return;
  std::string out;
  forwarder_->TakeOutgoing(c->send_offset, snapshot_.active(), NowMs(), &out);
  if (out.empty()) return;
  bufferevent_write(c->bev, out.data(), out.size());
  WriteNow(c);
}

// bufferevents write only once epoll reports the socket writable, a whole
// loop round (epoll_ctl, timerfd_settime, epoll_wait, epoll_ctl) after the
// bytes were queued. Activating the write event runs that write in the
// current pass instead; a full socket leaves it pending as before.
void PeerLink::WriteNow(Conn* c) { event_active(&c->bev->ev_write, EV_WRITE, 1); }

void PeerLink::SendHeartbeat(Conn* c, int64_t now) {
  Heartbeat hb;
  hb.epoch = role_.epoch();
  hb.role = role_.role();
  hb.stream_end = log_.end();
  hb.applied_offset = applier_.offset();
  hb.wall_ms = applier_.ClockMs();
  std::string out;
  EncodeHeartbeat(hb, &out);
  bufferevent_write(c->bev, out.data(), out.size());
  c->last_hb_sent_ms = now;
}

// Acks go out after every read when the peer holds replies for them
// (--repl-sync) or a NACK is waiting; otherwise at most every kLazyAckMs
// (the tick sends the last one), which spares the peer a wakeup, a read and
// a TLS record per batch it sends.
void PeerLink::MaybeAck(Conn* c) {
  if (active_ != c) return;
  const int64_t now = NowMs();
  if (!c->peer.wants_prompt_acks && !applier_.HasPendingNacks() && now - c->last_ack_ms < kLazyAckMs) return;
  std::string out;
  if (!applier_.TakeAck(&out)) return;
  bufferevent_write(c->bev, out.data(), out.size());
  c->last_ack_ms = now;
}

void PeerLink::Close(Conn* c, const std::string& why) {
  if (c->state == Conn::State::kClosed) return;
  c->state = Conn::State::kClosed;
  if (!why.empty()) Log(absl::StrCat("closing link with ", c->name, ": ", why));
  if (active_ == c) {
    active_ = nullptr;
    stats_.link.store(LinkState::kDown);
    snapshot_.Cancel();
    anti_entropy_.Cancel();
    if (forwarder_ != nullptr) forwarder_->LinkDown();
    if (on_ack_progress_) on_ack_progress_();  // held replies need not wait for this link
  }
  if (c->bev != nullptr) bufferevent_disable(c->bev, EV_READ | EV_WRITE);
}

void PeerLink::Destroy(Conn* c) {
  Close(c, "");
  if (c->bev != nullptr) bufferevent_free(c->bev);
  c->bev = nullptr;
  conns_.erase(std::remove_if(conns_.begin(), conns_.end(), [c](const auto& p) { return p.get() == c; }),
               conns_.end());
}

// At most kLogLinesPerSecond lines a second: a stranger hammering the port
// must not flood the log. The first line after a quiet spell says how many
// were left out.
void PeerLink::LogRateLimited(const std::string& line) {
  const int64_t now = NowMs();
  if (now - log_window_ms_ >= 1000) {
    log_window_ms_ = now;
    log_lines_in_window_ = 0;
  }
  if (log_lines_in_window_ >= kLogLinesPerSecond) {
    ++log_suppressed_;
    return;
  }
  ++log_lines_in_window_;
  if (log_suppressed_ > 0) {
    Log(absl::StrCat(line, " (", log_suppressed_, " similar lines suppressed)"));
    log_suppressed_ = 0;
  } else {
    Log(line);
  }
}

// ===========================================================================
// Timers: heartbeats, silence, promotion, dialing
// ===========================================================================

void PeerLink::OnTick(evutil_socket_t, short, void* arg) { static_cast<PeerLink*>(arg)->Tick(); }

// Ticks come every few ms; a gap of a whole timeout means this node's loop
// did not run (SIGSTOP, a starved host): the silence was ours, not the
// peer's. The node that was away defers: the link and the promotion clock
// start over, giving the peer a full timeout to be heard from before this
// node drops the link or promotes itself, and a master's time as master
// starts over, so a peer that took over meanwhile keeps the title (role.h).
void PeerLink::DeferIfWeWereAway(int64_t now) {
  const int64_t gap = now - last_tick_ms_;
  const bool away = last_tick_ms_ != 0 && gap >= config_.timeout_ms;
  last_tick_ms_ = now;
  if (!away) return;
  Log(absl::StrCat("this node did not run for ", gap, " ms (stopped or starved): waiting ", config_.timeout_ms,
                   " ms for the peer before dropping the link or promoting"));
  last_heard_ms_ = now;
  if (active_ != nullptr) active_->last_recv_ms = now;
  role_.WasAway(config_.timeout_ms);
}

void PeerLink::Tick() {
  const int64_t now = NowMs();
  if (stopping_) return;
  DeferIfWeWereAway(now);
  if (forwarder_ != nullptr) forwarder_->ExpireCalls(now);
  std::vector<Conn*> expired;
  for (const auto& p : conns_) {
    Conn* c = p.get();
    if (c->state == Conn::State::kClosed) {
      expired.push_back(c);
      continue;
    }
    if (c == active_) {
      if (now - c->last_recv_ms >= config_.timeout_ms) {
        Close(c, absl::StrCat("no heartbeat for ", now - c->last_recv_ms, " ms"));
        expired.push_back(c);
        continue;
      }
      if (now - c->last_hb_sent_ms >= config_.heartbeat_ms) SendHeartbeat(c, now);
      if (c->state == Conn::State::kLinked) MaybeAck(c);  // a lazy ack the reads held back
    } else if (now - c->opened_ms >= std::max<int64_t>(config_.timeout_ms, kHandshakeDeadlineMs)) {
      // A handshake (or a dial) that never completed: a stranger or a dead address.
      if (c->state == Conn::State::kConnecting) {
        DialFailed(absl::StrCat("no answer within ", now - c->opened_ms, " ms"));
        Close(c, "");
      } else {
        Close(c, "handshake timed out");
      }
      expired.push_back(c);
    }
  }
  for (Conn* c : expired) Destroy(c);
  MaybeStartAntiEntropy(now);

  if (active_ == nullptr && role_.role() == Role::kSlave && now - last_heard_ms_ >= config_.timeout_ms) {
    if (role_.Promote()) {
      Log(absl::StrCat("peer silent for ", now - last_heard_ms_, " ms: promoted to master, epoch ", role_.epoch()));
    }
  }
  if (active_ == nullptr && !config_.peer_host.empty() && now >= next_dial_ms_) {
    bool dialing = std::any_of(conns_.begin(), conns_.end(), [](const auto& p) { return p->dialed && p->state != Conn::State::kClosed; });
    if (!dialing) Dial(now);
  }
}

}  // namespace tandem::replication
