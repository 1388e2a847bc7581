// PeerLink (see peer_link.h for the protocol and its rules): the libevent
// plumbing of the link thread: its timers, accept and dial, the frame
// reader, the handshake steps and the send pump. What a frame of the peer's
// stream does once the link is up is the Applier's (applier.h).
//
// Connections. Every socket (accepted or dialed) becomes a Conn and walks
// kConnecting -> kAwaitingHello -> kAwaitingAuth -> kLinked, sending its own
// HELLO on connect and its AUTH on the peer's HELLO. At most one Conn is
// active_; Authenticated settles a second one by the lower-dialer rule and
// closes the loser. A closed Conn is destroyed at once by its own callback
// or by the next Tick, never in the middle of another Conn's callback.
//
// Reading. ReadFrames peeks each frame's length before pulling it up, and
// refuses lengths over the state's bound (tiny before AUTH, kMaxBody
// after), so a stranger cannot make the node buffer more than a header's
// claim allows. After a batch of frames the Applier's ack, if any, goes out.
//
// Sending. Pump fills the socket's output buffer up to kHighWater from one
// of two sources: the snapshot walk while a full copy is active, then the
// backlog from the Conn's send_offset. It runs when the buffer drains below
// kLowWater (the write callback), when a worker appends to the log (wake_),
// and, during a full copy, from a zero-delay timer after every
// kSnapshotSlice of encoded items, so reads and heartbeats are served
// between slices. A peer that falls out of the backlog is disconnected; its
// reconnect gets a full copy.
//
// Timers. Tick runs every heartbeat/4 ms (clamped to 5..50): it drops the
// active link after --repl-timeout-ms without a frame, sends heartbeats,
// drops handshakes older than max(timeout, 2 s), promotes a slave that has
// heard nothing for the timeout, and dials (with backoff) when there is no
// active link and no dial under way.
#include "replication/peer_link.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "replication/handshake.h"
#include "replication/log.h"
#include "replication/record_codec.h"

namespace tandem::replication {
namespace {

constexpr size_t kHighWater = 4u << 20;   // stop filling the socket buffer here
constexpr size_t kLowWater = 1u << 20;    // refill when it drains below this
constexpr size_t kReadChunk = 1u << 20;   // backlog bytes per pump round
constexpr size_t kSnapshotBudget = 256;   // items looked at per snapshot step
// Snapshot bytes encoded per pump call. Encoding is the slow part of a full
// copy; between slices the loop writes them out, reads the peer and sends
// heartbeats (filling the whole 4 MB in one go took over a second on a
// starved CPU, and the peer, hearing nothing, dropped the link). The next
// slice is a zero-delay timer, not event_active: libevent runs an event
// re-activated from its own callback in the same pass, before any I/O.
constexpr size_t kSnapshotSlice = 256u << 10;
constexpr int64_t kMaxDialBackoffMs = 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string AddrName(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    port = ntohs(in->sin_port);
  } else if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    port = ntohs(in6->sin6_port);
  }
  return absl::StrCat(host, ":", port);
}

}  // namespace

// One TCP connection to (what claims to be) the peer.
struct PeerLink::Conn {
  // How far the connection got. Only the active link is ever kLinked (a
  // duplicate is closed as it authenticates); where the peer's stream is
  // on that link (awaiting SYNC_START, full copy, streaming) is the
  // Applier's phase.
  enum class State {
    kConnecting,     // dialed; the TCP connect is under way
    kAwaitingHello,  // connected, our HELLO sent
    kAwaitingAuth,   // HELLO exchanged, our AUTH sent
    kLinked,         // authenticated: the active link
    kClosed,         // closed; no more reading or writing, destroyed soon
  };

  PeerLink* link = nullptr;
  bufferevent* bev = nullptr;
  State state = State::kConnecting;
  // Which side opened the connection. Not part of the state: it is fixed
  // for the connection's life, holds in every state, and decides which of
  // two simultaneous links survives and whether this node is still dialing.
  bool dialed = false;
  std::string name;
  int64_t opened_ms = 0;
  int64_t last_recv_ms = 0;
  int64_t last_hb_sent_ms = 0;
  Hello self{};
  Hello peer{};
  Auth peer_auth{};
  uint64_t send_offset = 0;  // next offset of our stream to send
};

PeerLink::PeerLink(PeerLinkConfig config, uint64_t node_id, server::storage::Engine& engine,
                   MutationLog& log, RoleState& role, ReplStats& stats)
    : config_(std::move(config)),
      node_id_(node_id),
      log_(log),
      role_(role),
      stats_(stats),
      applier_(engine, stats),
      snapshot_(engine) {
  base_ = event_base_new();
  tick_ = event_new(base_, -1, EV_PERSIST, &PeerLink::OnTick, this);
  wake_ = event_new(base_, -1, 0, &PeerLink::OnWake, this);
  stop_ = event_new(base_, -1, 0, &PeerLink::OnStop, this);
  pump_timer_ = evtimer_new(base_, &PeerLink::OnWake, this);
  if (!config_.peer_host.empty()) stats_.set_peer(absl::StrCat(config_.peer_host, ":", config_.peer_port));
}

PeerLink::~PeerLink() {
  Stop(absl::ZeroDuration());
  for (const auto& c : conns_) bufferevent_free(c->bev);
  conns_.clear();
  for (evconnlistener* l : listeners_) evconnlistener_free(l);
  event_free(tick_);
  event_free(wake_);
  event_free(stop_);
  event_free(pump_timer_);
  event_base_free(base_);
}

absl::Status PeerLink::Listen() {
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
  log_.SetWake([this] { event_active(wake_, EV_READ, 0); });
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

void PeerLink::OnStop(evutil_socket_t, short, void* arg) {
  // The wake callback stays installed: workers may still append until the
  // server is torn down, and activating an event of a stopped base is harmless.
  auto* self = static_cast<PeerLink*>(arg);
  event_base_loopbreak(self->base_);
}

// ===========================================================================
// Connections
// ===========================================================================

PeerLink::Conn* PeerLink::AddConn(bufferevent* bev, bool dialed, std::string name) {
  auto conn = std::make_unique<Conn>();
  Conn* c = conn.get();
  c->link = this;
  c->bev = bev;
  c->dialed = dialed;
  c->name = std::move(name);
  c->opened_ms = NowMs();
  c->last_recv_ms = c->opened_ms;
  c->self.node_id = node_id_;
  c->self.nonce = RandomNonce();
  bufferevent_setcb(bev, &PeerLink::OnRead, &PeerLink::OnWrite, &PeerLink::OnEvent, c);
  bufferevent_setwatermark(bev, EV_WRITE, kLowWater, 0);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  conns_.push_back(std::move(conn));
  return c;
}

void PeerLink::OnAccept(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int, void* arg) {
  auto* self = static_cast<PeerLink*>(arg);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  bufferevent* bev = bufferevent_socket_new(self->base_, fd, BEV_OPT_CLOSE_ON_FREE);
  Conn* c = self->AddConn(bev, /*dialed=*/false, AddrName(addr));
  c->state = Conn::State::kAwaitingHello;
  std::string hello;
  EncodeHello(c->self, &hello);
  bufferevent_write(bev, hello.data(), hello.size());
}

void PeerLink::Dial(int64_t now) {
  next_dial_ms_ = now + dial_backoff_ms_;
  dial_backoff_ms_ = std::min(dial_backoff_ms_ * 2, kMaxDialBackoffMs);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = absl::StrCat(config_.peer_port);
  if (getaddrinfo(config_.peer_host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) return;
  bufferevent* bev = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
  Conn* c = AddConn(bev, /*dialed=*/true, absl::StrCat(config_.peer_host, ":", config_.peer_port));
  int rc = bufferevent_socket_connect(bev, res->ai_addr, static_cast<int>(res->ai_addrlen));
  freeaddrinfo(res);
  if (rc != 0) Destroy(c);
}

void PeerLink::OnEvent(bufferevent*, short what, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  PeerLink* self = c->link;
  if (what & BEV_EVENT_CONNECTED) {
    c->state = Conn::State::kAwaitingHello;
    int one = 1;
    setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::string hello;
    EncodeHello(c->self, &hello);
    bufferevent_write(c->bev, hello.data(), hello.size());
    return;
  }
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    // A failed dial is routine while the peer is away: only a link that was
    // up is worth a log line.
    self->Close(c, c->state == Conn::State::kLinked ? "connection closed by peer" : "");
    self->Destroy(c);
  }
}

void PeerLink::OnRead(bufferevent*, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  PeerLink* self = c->link;
  self->ReadFrames(c);
  if (c->state == Conn::State::kClosed) self->Destroy(c);
}

void PeerLink::OnWrite(bufferevent*, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  if (c->link->active_ == c) c->link->Pump(c);
}

void PeerLink::OnWake(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<PeerLink*>(arg);
  if (self->active_ != nullptr) {
    self->Pump(self->active_);
  } else {
    self->log_.ClearWake();
  }
}

void PeerLink::ReadFrames(Conn* c) {
  evbuffer* in = bufferevent_get_input(c->bev);
  const size_t max_body = c->state == Conn::State::kLinked ? kMaxBody : kMaxHandshakeBody;
  while (c->state != Conn::State::kClosed) {
    size_t avail = evbuffer_get_length(in);
    if (avail < kFrameHeaderSize) break;
    char header[kFrameHeaderSize];
    evbuffer_copyout(in, header, sizeof(header));
    const size_t body = FrameBodySize(std::string_view(header, sizeof(header)));
    if (body > max_body || body == 0) {
      stats_.protocol_errors.fetch_add(1);
      Close(c, c->state == Conn::State::kLinked ? "oversized frame" : "not a tandem peer (bad first frame)");
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
  if (c->state != Conn::State::kClosed) MaybeAck(c);
}

absl::Status PeerLink::HandleFrame(Conn* c, FrameType type, std::string_view payload, size_t frame_size) {
  const int64_t now = NowMs();
  c->last_recv_ms = now;
  switch (c->state) {
    case Conn::State::kAwaitingHello:
      return OnHello(c, type, payload);
    case Conn::State::kAwaitingAuth:
      return OnAuth(c, type, payload);
    case Conn::State::kLinked:
      break;
    case Conn::State::kConnecting:
    case Conn::State::kClosed:
      return absl::InternalError("frame on a connection that is not open");  // ReadFrames never gets here
  }
  // Authenticated, and (being here) the active connection.
  stats_.last_heartbeat_ms.store(now);
  last_heard_ms_ = now;
  switch (type) {
    case FrameType::kSyncStart:
    case FrameType::kRecord:
    case FrameType::kSnapshotItem:
    case FrameType::kSnapshotEnd:
      return applier_.Receive(type, payload, frame_size);
    case FrameType::kAck: {
      uint64_t off = 0;
      if (absl::Status st = ParseAck(payload, &off); !st.ok()) return st;
      stats_.peer_acked_offset.store(off);  // seq_cst: pairs with the waiters flag (worker_thread.cc)
      if (on_ack_progress_) on_ack_progress_();
      return absl::OkStatus();
    }
    case FrameType::kHeartbeat: {
      Heartbeat hb;
      if (absl::Status st = ParseHeartbeat(payload, &hb); !st.ok()) return st;
      return applier_.OnPeerClock(hb.wall_ms);
    }
    case FrameType::kHello:
    case FrameType::kAuth:
      break;
  }
  return absl::DataLossError("unexpected handshake frame");
}

absl::Status PeerLink::OnHello(Conn* c, FrameType type, std::string_view payload) {
  if (type != FrameType::kHello) return absl::DataLossError("not a tandem peer (expected HELLO)");
  if (absl::Status st = AcceptHello(payload, c->self, &c->peer); !st.ok()) return st;
  c->state = Conn::State::kAwaitingAuth;
  Auth auth;
  auth.mac = MakeProof(config_.secret, c->self, c->peer);
  auth.epoch = role_.epoch();
  auth.role = role_.role();
  auth.applied_stream = applier_.stream();
  auth.applied_offset = applier_.offset();
  auth.stream_end = log_.end();
  std::string out;
  EncodeAuth(auth, &out);
  bufferevent_write(c->bev, out.data(), out.size());
  return absl::OkStatus();
}

absl::Status PeerLink::OnAuth(Conn* c, FrameType type, std::string_view payload) {
  if (type != FrameType::kAuth) return absl::DataLossError("expected AUTH");
  absl::Status st = AcceptAuth(payload, config_.secret, c->self, c->peer, &c->peer_auth);
  if (absl::IsPermissionDenied(st)) {
    stats_.auth_failures.fetch_add(1);
    return absl::PermissionDeniedError(
        absl::StrCat("peer ", c->name, " failed authentication (wrong --repl-secret?); refused"));
  }
  if (!st.ok()) return st;
  c->state = Conn::State::kLinked;
  return Authenticated(c);
}

absl::Status PeerLink::Authenticated(Conn* c) {
  if (active_ != nullptr && active_ != c) {
    // Two links at once (both nodes dialed): keep the one dialed by the lower id.
    auto dialer = [this](const Conn* x) { return x->dialed ? node_id_ : x->peer.node_id; };
    auto acceptor = [this](const Conn* x) { return x->dialed ? x->peer.node_id : node_id_; };
    auto preferred = [&](const Conn* x) { return dialer(x) < acceptor(x); };
    if (preferred(active_) || !preferred(c)) return absl::AlreadyExistsError("duplicate link; keeping the first");
    Conn* old = active_;
    Close(old, "replaced by a simultaneous link");
  }
  active_ = c;
  applier_.StartLink(c->peer.node_id, c->name);
  dial_backoff_ms_ = 50;
  const Role before = role_.role();
  role_.Meet(node_id_, NodeState{c->peer_auth.role, c->peer_auth.epoch, c->peer.node_id});
  stats_.set_peer(c->name);
  stats_.link.store(LinkState::kUp);
  stats_.last_heartbeat_ms.store(NowMs());
  last_heard_ms_ = NowMs();
  if (role_.role() != before) {
    Log(absl::StrCat("now ", RoleName(role_.role()), " (epoch ", role_.epoch(), ") after meeting ", c->name));
  }
  // Feed the peer: partial from its applied offset if the backlog has it, else a full copy.
  uint64_t end = log_.end();
  bool in_backlog = log_.Contains(c->peer_auth.applied_offset);
  SyncStart s = DecideSync(node_id_, in_backlog ? c->peer_auth.applied_offset : end + 1, end,
                           c->peer_auth.applied_stream, c->peer_auth.applied_offset);
  std::string out;
  EncodeSyncStart(s, &out);
  bufferevent_write(c->bev, out.data(), out.size());
  c->send_offset = s.offset;
  if (s.full) {
    snapshot_.Start();
    Log(absl::StrCat("link up with ", c->name, " (", RoleName(role_.role()), ", epoch ", role_.epoch(),
                     "); sending a full copy"));
  } else {
    Log(absl::StrCat("link up with ", c->name, " (", RoleName(role_.role()), ", epoch ", role_.epoch(),
                     "); partial resync from offset ", s.offset));
  }
  SendHeartbeat(c, NowMs());
  Pump(c);
  return absl::OkStatus();
}

void PeerLink::Pump(Conn* c) {
  if (c->state != Conn::State::kLinked) return;
  evbuffer* out = bufferevent_get_output(c->bev);
  std::string chunk;
  size_t snapshot_bytes = 0;
  while (evbuffer_get_length(out) < kHighWater) {
    chunk.clear();
    if (snapshot_.active()) {
      if (snapshot_bytes >= kSnapshotSlice) {
        timeval now{0, 0};
        evtimer_add(pump_timer_, &now);
        break;
      }
      snapshot_.Step(kSnapshotBudget, &chunk);
      snapshot_bytes += chunk.size();
      if (!snapshot_.active()) Log(absl::StrCat("full copy to ", c->name, " sent: ", snapshot_.items(), " items"));
    } else {
      log_.ClearWake();
      if (!log_.Read(c->send_offset, kReadChunk, &chunk)) {
        stats_.backlog_overruns.fetch_add(1);
        Close(c, "peer fell behind the backlog (--repl-backlog); it will get a full copy");
        return;
      }
      if (chunk.empty()) break;
      c->send_offset += chunk.size();
    }
    if (!chunk.empty()) bufferevent_write(c->bev, chunk.data(), chunk.size());
  }
}

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

void PeerLink::MaybeAck(Conn* c) {
  if (active_ != c) return;
  std::string out;
  if (applier_.TakeAck(&out)) bufferevent_write(c->bev, out.data(), out.size());
}

void PeerLink::Close(Conn* c, const std::string& why) {
  if (c->state == Conn::State::kClosed) return;
  c->state = Conn::State::kClosed;
  if (!why.empty()) Log(absl::StrCat("closing link with ", c->name, ": ", why));
  if (active_ == c) {
    active_ = nullptr;
    stats_.link.store(LinkState::kDown);
    snapshot_.Cancel();
    if (on_ack_progress_) on_ack_progress_();  // held replies need not wait for this link
  }
  bufferevent_disable(c->bev, EV_READ | EV_WRITE);
}

void PeerLink::Destroy(Conn* c) {
  Close(c, "");
  // Best effort, never blocking: hand the kernel what is still queued. When
  // this side refuses the peer's AUTH in the same read that brought its
  // HELLO, our own AUTH is still queued; without it the peer would only see
  // the connection close and could not log the wrong secret. A dial that
  // never connected has nothing queued (HELLO is written on connect).
  evbuffer* out = bufferevent_get_output(c->bev);
  if (evbuffer_get_length(out) > 0) evbuffer_write(out, bufferevent_getfd(c->bev));
  bufferevent_free(c->bev);
  c->bev = nullptr;
  conns_.erase(std::remove_if(conns_.begin(), conns_.end(), [c](const auto& p) { return p.get() == c; }),
               conns_.end());
}

// ===========================================================================
// Timers: heartbeats, silence, promotion, dialing
// ===========================================================================

void PeerLink::OnTick(evutil_socket_t, short, void* arg) { static_cast<PeerLink*>(arg)->Tick(); }

void PeerLink::Tick() {
  const int64_t now = NowMs();
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
    } else if (now - c->opened_ms >= std::max(config_.timeout_ms, 2000)) {
      // A handshake (or a dial) that never completed: a stranger or a dead address.
      Close(c, c->state == Conn::State::kConnecting ? "" : "handshake timed out");
      expired.push_back(c);
    }
  }
  for (Conn* c : expired) Destroy(c);

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
