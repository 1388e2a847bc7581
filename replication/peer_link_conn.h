// PeerLink's connection record and the few helpers both of its files use
// (peer_link.cc: the stream, frames and timers; peer_link_connections.cc:
// accepting, dialing and the TLS transport). Internal to replication/.
#ifndef TANDEM_REPLICATION_PEER_LINK_CONN_H_
#define TANDEM_REPLICATION_PEER_LINK_CONN_H_

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "replication/peer_link.h"
#include "replication/record.h"

namespace tandem::replication {
namespace peer_link_internal {

constexpr size_t kLowWater = 1u << 20;    // refill when it drains below this

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The link's TLS reads ahead (tls_context.cc): one read() can bring many
// records into OpenSSL's buffer. libevent 2.1 decrypts one or two per read
// event and then goes on only while SSL_pending() says so, which counts the
// current record alone; records already taken off the socket would wait for
// the socket's next byte, a heartbeat away on a quiet link. So after each
// read callback (and when the handshake ends, which may have read the
// peer's first frame with it), while OpenSSL holds bytes, the read event is
// activated again: libevent decrypts the next records in the same loop
// pass, with no system call (a partial record costs one read that finds the
// socket empty). The base's dispatch limit (peer_link.cc) keeps a link that
// never runs dry from holding the loop.
inline void ReadOnWhileTlsBuffered(bufferevent* bev) {
  SSL* ssl = bufferevent_openssl_get_ssl(bev);  // null on a plaintext link
  if (ssl != nullptr && SSL_has_pending(ssl) == 1) event_active(&bev->ev_read, EV_READ, 1);
}

// The numeric address of `addr`, an IPv4-mapped IPv6 address as IPv4.
inline std::string NumericHost(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = "";
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, host, sizeof(host));
  } else if (addr->sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
      inet_ntop(AF_INET, &a.s6_addr[12], host, sizeof(host));
    } else {
      inet_ntop(AF_INET6, &a, host, sizeof(host));
    }
  }
  return host;
}

}  // namespace peer_link_internal

// One TCP connection to (what claims to be) the peer.
struct PeerLink::Conn {
  // How far the connection got. Only the active link is ever kLinked (a
  // connection arriving while one is live is refused at its HELLO); where
  // the peer's stream is on that link (awaiting SYNC_START, full copy,
  // streaming) is the Applier's phase.
  enum class State {
    kConnecting,     // dialed; the TCP connect is under way
    kTlsHandshake,   // TCP up; the TLS handshake is under way
    kAwaitingHello,  // transport ready (authenticated, with TLS); waiting for the peer's HELLO
    kLinked,         // HELLOs exchanged: the active link
    kClosed,         // closed; no more reading or writing, destroyed soon
  };

  PeerLink* link = nullptr;
  bufferevent* bev = nullptr;
  State state = State::kConnecting;
  // Which side opened the connection. Not part of the state: it is fixed
  // for the connection's life, holds in every state, and decides who speaks
  // first, who applies the simultaneous-dial rule and whether this node is
  // still dialing.
  bool dialed = false;
  std::string name;
  int64_t opened_ms = 0;
  int64_t last_recv_ms = 0;
  int64_t last_hb_sent_ms = 0;
  int64_t last_ack_ms = 0;
  Hello peer{};
  Hello sent{};  // our own HELLO on this connection: the meeting rule compares these two
  uint64_t send_offset = 0;  // next offset of our stream to send
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_PEER_LINK_CONN_H_
