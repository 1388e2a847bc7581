// PeerLink, part two: the connections (see peer_link.h for the protocol).
//
// Accepting: an accepted socket is checked against the pending-handshake
// bound (at most a few connections that have not finished their HELLO, each
// for a bounded time) and, on an unauthenticated link, against the -x host;
// then it gets its transport (TLS 1.3 when a secret or certificates are
// configured). Dialing: a node with -x dials whenever it has no link, with a
// backoff, from the -l address on the peer's side of loopback. Events turn
// into state changes of the connection (PeerLink::Conn::State): connected,
// TLS ready, failed. What travels on a connection once it is ready is in
// peer_link.cc.
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "replication/handshake.h"
#include "replication/log.h"
#include "replication/peer_link.h"
#include "replication/peer_link_conn.h"
#include "replication/record_codec.h"

namespace tandem::replication {

using peer_link_internal::kLowWater;
using peer_link_internal::NowMs;
using peer_link_internal::NumericHost;
using peer_link_internal::ReadOnWhileTlsBuffered;

namespace {

constexpr int64_t kMaxDialBackoffMs = 1000;
constexpr size_t kMaxPendingHandshakes = 8;  // accepted connections not yet linked

// "host" of "host:port" (an accepted connection's name carries its
// temporary source port, which changes on every redial).
std::string HostOf(const std::string& name) {
  const size_t colon = name.rfind(':');
  return colon == std::string::npos ? name : name.substr(0, colon);
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

bool IsLoopback(const std::string& numeric) { return numeric.rfind("127.", 0) == 0 || numeric == "::1"; }

// The -l address a dial to `peer` should come from: the first numeric one
// of the peer's family on the same side of loopback (a loopback source
// cannot reach another host; a wildcard is no choice at all). None when no
// -l address fits.
std::optional<std::string> SourceAddress(const std::vector<std::string>& listen_hosts, const sockaddr* peer) {
  const std::string peer_host = NumericHost(peer);
  const bool v6 = peer_host.find(':') != std::string::npos;
  for (const std::string& host : listen_hosts) {
    in6_addr parsed{};
    const bool is_v6 = inet_pton(AF_INET6, host.c_str(), &parsed) == 1;
    if (!is_v6 && inet_pton(AF_INET, host.c_str(), &parsed) != 1) continue;  // a name, or empty
    if (is_v6 != v6 || host == "0.0.0.0" || host == "::") continue;
    if (IsLoopback(host) == IsLoopback(peer_host)) return host;
  }
  return std::nullopt;
}

// The OpenSSL errors libevent recorded on `bev`, as one line ("" if none).
std::string TlsErrors(bufferevent* bev) {
  std::string text;
  while (unsigned long err = bufferevent_get_openssl_error(bev)) {
    if (!text.empty()) text += "; ";
    text += OpenSslErrorText(err);
  }
  return text;
}

}  // namespace

// ===========================================================================
// Connections
// ===========================================================================

bufferevent* PeerLink::NewTransport(evutil_socket_t fd, bool accepting) {
  if (!tls()) return bufferevent_socket_new(base_, fd, BEV_OPT_CLOSE_ON_FREE);
  SSL* ssl = config_.tls->NewSsl();
  if (ssl == nullptr) return nullptr;
  bufferevent* bev = bufferevent_openssl_socket_new(
      base_, fd, ssl, accepting ? BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
  if (bev == nullptr) {
    SSL_free(ssl);
    return nullptr;
  }
  // A peer that closes without close_notify (killed, or dropping a link) is
  // an ordinary EOF here; a tampered record is still an error.
  bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
  return bev;
}

PeerLink::Conn* PeerLink::AddConn(bufferevent* bev, bool dialed, std::string name) {
  auto conn = std::make_unique<Conn>();
  Conn* c = conn.get();
  c->link = this;
  c->dialed = dialed;
  c->name = std::move(name);
  c->opened_ms = NowMs();
  c->last_recv_ms = c->opened_ms;
  Attach(c, bev);
  conns_.push_back(std::move(conn));
  return c;
}

void PeerLink::Attach(Conn* c, bufferevent* bev) {
  c->bev = bev;
  bufferevent_setcb(bev, &PeerLink::OnRead, &PeerLink::OnWrite, &PeerLink::OnEvent, c);
  bufferevent_setwatermark(bev, EV_WRITE, kLowWater, 0);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

size_t PeerLink::PendingAccepted() const {
  return static_cast<size_t>(std::count_if(conns_.begin(), conns_.end(), [](const auto& p) {
    return !p->dialed && p->state != Conn::State::kLinked && p->state != Conn::State::kClosed;
  }));
}

bool PeerLink::AcceptAllowed(const sockaddr* addr, const std::string& name) {
  if (!tls() && !peer_addresses_.empty() &&
      std::find(peer_addresses_.begin(), peer_addresses_.end(), NumericHost(addr)) == peer_addresses_.end()) {
    stats_.refused_connections.fetch_add(1);
    LogRateLimited(absl::StrCat("refused a connection from ", name, ": the link is unauthenticated and -x names ",
                                config_.peer_host));
    return false;
  }
  if (PendingAccepted() >= kMaxPendingHandshakes) {
    stats_.refused_connections.fetch_add(1);
    LogRateLimited(absl::StrCat("refused a connection from ", name, ": ", kMaxPendingHandshakes,
                                " handshakes already under way"));
    return false;
  }
  return true;
}

void PeerLink::OnAccept(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int, void* arg) {
  auto* self = static_cast<PeerLink*>(arg);
  const std::string name = AddrName(addr);
  if (!self->AcceptAllowed(addr, name)) {
    evutil_closesocket(fd);
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  bufferevent* bev = self->NewTransport(fd, /*accepting=*/true);
  if (bev == nullptr) {
    evutil_closesocket(fd);
    return;
  }
  Conn* c = self->AddConn(bev, /*dialed=*/false, name);
  // With TLS, BEV_EVENT_CONNECTED marks the end of the handshake; plaintext
  // is ready at once. Either way the acceptor waits for the dialer's HELLO.
  c->state = self->tls() ? Conn::State::kTlsHandshake : Conn::State::kAwaitingHello;
}

void PeerLink::Dial(int64_t now) {
  next_dial_ms_ = now + dial_backoff_ms_;
  dial_backoff_ms_ = std::min(dial_backoff_ms_ * 2, kMaxDialBackoffMs);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = absl::StrCat(config_.peer_port);
  if (int rc = getaddrinfo(config_.peer_host.c_str(), port.c_str(), &hints, &res); rc != 0 || res == nullptr) {
    DialFailed(absl::StrCat("cannot resolve ", config_.peer_host, ": ", rc != 0 ? gai_strerror(rc) : "no address"));
    return;
  }
  evutil_socket_t fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    DialFailed(absl::StrCat("socket: ", std::strerror(errno)));
    freeaddrinfo(res);
    return;
  }
  // Speak from one of -l's addresses (best effort): a plaintext peer
  // accepts only the address its -x names.
  if (std::optional<std::string> source = SourceAddress(config_.listen_hosts, res->ai_addr)) {
    addrinfo src_hints{};
    src_hints.ai_family = res->ai_family;
    src_hints.ai_socktype = SOCK_STREAM;
    src_hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    addrinfo* src = nullptr;
    if (getaddrinfo(source->c_str(), "0", &src_hints, &src) == 0 && src != nullptr) {
      (void)bind(fd, src->ai_addr, src->ai_addrlen);
      freeaddrinfo(src);
    }
  }
  bufferevent* bev = bufferevent_socket_new(base_, fd, BEV_OPT_CLOSE_ON_FREE);
  Conn* c = AddConn(bev, /*dialed=*/true, absl::StrCat(config_.peer_host, ":", config_.peer_port));
  int rc = bufferevent_socket_connect(bev, res->ai_addr, static_cast<int>(res->ai_addrlen));
  freeaddrinfo(res);
  if (rc != 0) {
    DialFailed(evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    Destroy(c);
  }
}

// Why the peer could not be reached (DNS, refused, unreachable, no answer),
// once per cause a minute: an operator reading the log learns why the pair
// is apart without a line per retry.
void PeerLink::DialFailed(const std::string& why) {
  const std::string peer = absl::StrCat(config_.peer_host, ":", config_.peer_port);
  LogPeerTrouble(peer, absl::StrCat("cannot reach peer ", peer, ": ", why));
}

void PeerLink::LogPeerTrouble(const std::string& subject, const std::string& line) {
  if (std::string out = peer_trouble_log_.Filter(subject, line, NowMs()); !out.empty()) Log(out);
}

void PeerLink::OnEvent(bufferevent*, short what, void* arg) {
  auto* c = static_cast<Conn*>(arg);
  PeerLink* self = c->link;
  if (what & BEV_EVENT_CONNECTED) {
    if (c->state == Conn::State::kConnecting) {
      self->TcpConnected(c);
    } else {
      self->TransportReady(c);
    }
    if (c->state == Conn::State::kClosed) self->Destroy(c);
    return;
  }
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    self->ConnectionFailed(c, (what & BEV_EVENT_ERROR) ? EVUTIL_SOCKET_ERROR() : 0);
    self->Destroy(c);
  }
}

// The dial's TCP connect completed: the socket moves from the plain dialing
// bufferevent to its transport (TLS client, or plaintext).
void PeerLink::TcpConnected(Conn* c) {
  int one = 1;
  setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const evutil_socket_t fd = dup(bufferevent_getfd(c->bev));
  bufferevent_free(c->bev);  // closes the original descriptor; `fd` keeps the socket
  c->bev = nullptr;
  bufferevent* bev = fd < 0 ? nullptr : NewTransport(fd, /*accepting=*/false);
  if (bev == nullptr) {
    if (fd >= 0) evutil_closesocket(fd);
    c->state = Conn::State::kClosed;
    return;
  }
  Attach(c, bev);
  c->state = Conn::State::kTlsHandshake;
  if (!tls()) TransportReady(c);
}

// TLS is up (the peer proved the secret or its certificate), or the
// plaintext socket is connected: the dialer speaks first.
void PeerLink::TransportReady(Conn* c) {
  if (c->state != Conn::State::kTlsHandshake) return;
  c->state = Conn::State::kAwaitingHello;
  if (c->dialed) SendHello(c);
  // The handshake's last read may have brought the peer's HELLO with it
  // (read-ahead), and no socket event would announce it.
  if (tls()) ReadOnWhileTlsBuffered(c->bev);
}

void PeerLink::ConnectionFailed(Conn* c, int socket_error) {
  const std::string tls_errors = tls() && c->bev != nullptr ? TlsErrors(c->bev) : "";
  switch (c->state) {
    case Conn::State::kConnecting:  // routine while the peer is away: logged once per cause
      DialFailed(socket_error != 0 ? evutil_socket_error_to_string(socket_error) : "connection closed");
      break;
    case Conn::State::kClosed:
      break;
    case Conn::State::kTlsHandshake:
    case Conn::State::kAwaitingHello:
      // With certificates, the server checks the client's only after the
      // client's handshake is done, so a refusal can arrive while awaiting HELLO.
      if (!tls_errors.empty()) {
        stats_.auth_failures.fetch_add(1);
        // Once per peer address and cause a minute: a peer with the wrong
        // secret redials forever.
        LogPeerTrouble(HostOf(c->name), absl::StrCat("peer ", HostOf(c->name),
                                                     " failed authentication (wrong --repl-secret or certificate?); "
                                                     "refused: ",
                                                     tls_errors));
      }
      break;
    case Conn::State::kLinked:
      if (!tls_errors.empty()) stats_.protocol_errors.fetch_add(1);
      Close(c, tls_errors.empty() ? "connection closed by peer" : absl::StrCat("TLS error: ", tls_errors));
      return;
  }
  Close(c, "");
}

}  // namespace tandem::replication
