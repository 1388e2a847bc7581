// libFuzzer target for the replication handshake as it runs inside TLS: the
// fuzzer plays whatever reaches a node on its replication link, on up to
// eight connections, each accepted or dialed by the node, while the node
// may or may not already hold a live link. Authentication is TLS's (a
// stranger never gets this far with --repl-secret or certificates); what
// is left to get wrong is the HELLO decoder and the keep-or-refuse rule, so
// the target runs exactly what PeerLink runs on a connection's first frame
// (DecodeFrame with the handshake bound, AcceptHello, DecideOnHello) and
// checks:
//   - an accepted HELLO round-trips to the bytes it came from and never
//     carries the node's own id;
//   - a connection is never linked while another link is live (a new
//     connection never displaces one), so at most one is ever linked;
//   - the lower-id tie-break is only applied by an acceptor with a dial of
//     its own under way, so two nodes dialing each other settle on exactly
//     one of the two connections.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "replication/handshake.h"
#include "replication/record.h"
#include "replication/record_codec.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace r = tandem::replication;
using tandem::fuzz::ByteReader;
using tandem::fuzz::Check;

constexpr uint64_t kNodeId = 0x7a6e646d2d6e6f64;
constexpr size_t kMaxConnections = 8;

struct Conn {
  bool dialed = false;
  bool linked = false;
  bool done = false;  // linked, refused or broken: no more frames
};

std::string Frame(uint8_t type, std::string_view payload) {
  std::string body(1, static_cast<char>(type));
  body.append(payload);
  std::string out(8, '\0');
  const uint32_t len = static_cast<uint32_t>(body.size());
  const uint32_t crc = r::Crc32c(body);
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<char>((len >> (8 * i)) & 0xff);
    out[4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  }
  return out + body;
}

struct Node {
  std::vector<Conn> conns;

  bool HasLiveLink() const {
    for (const Conn& c : conns) {
      if (c.linked) return true;
    }
    return false;
  }
  bool DialPendingBesides(size_t k) const {
    for (size_t i = 0; i < conns.size(); ++i) {
      if (i != k && conns[i].dialed && !conns[i].done) return true;
    }
    return false;
  }

  // The node's side of a connection's first frame, as PeerLink::ReadFrames/OnHello.
  void Deliver(size_t k, std::string_view bytes) {
    Conn& c = conns[k];
    if (c.done) return;
    r::Frame frame;
    size_t consumed = 0;
    if (!r::DecodeFrame(bytes, r::kMaxHandshakeBody, &frame, &consumed).ok() || consumed == 0 ||
        frame.type != r::FrameType::kHello) {
      c.done = true;
      return;
    }
    r::Hello peer;
    if (!r::AcceptHello(frame.payload, kNodeId, &peer).ok()) {
      c.done = true;
      return;
    }
    Check(peer.node_id != kNodeId, "a HELLO with the node's own id is refused");
    std::string again;
    r::EncodeHello(peer, &again);
    Check(again == bytes.substr(0, consumed), "an accepted HELLO re-encodes to its own bytes");
    r::LinkSituation s;
    s.self_id = kNodeId;
    s.peer_id = peer.node_id;
    s.we_dialed = c.dialed;
    s.our_dial_pending = DialPendingBesides(k);
    s.have_live_link = HasLiveLink();
    const r::HelloVerdict verdict = r::DecideOnHello(s);
    if (s.have_live_link) Check(verdict == r::HelloVerdict::kAlreadyLinked, "a live link is never replaced");
    if (verdict == r::HelloVerdict::kPeerShouldWait) {
      Check(!c.dialed && s.our_dial_pending && kNodeId < peer.node_id, "only a lower-id acceptor that dials waits");
    }
    c.done = true;
    c.linked = verdict == r::HelloVerdict::kLink;
    size_t linked = 0;
    for (const Conn& x : conns) linked += x.linked ? 1 : 0;
    Check(linked <= 1, "at most one connection is linked");
  }

  void Drop(size_t k) {
    conns[k].linked = false;
    conns[k].done = true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  Node node;
  node.conns.reserve(kMaxConnections);
  auto pick = [&]() -> size_t { return in.Byte() % node.conns.size(); };
  node.conns.push_back(Conn{});
  while (!in.empty()) {
    switch (in.Byte() % 6) {
      case 0:  // a new connection, accepted or dialed by the node
        if (node.conns.size() < kMaxConnections) node.conns.push_back(Conn{(in.Byte() & 1) != 0});
        break;
      case 1: {  // a well-formed HELLO with fuzzed state
        r::Hello h;
        h.node_id = (in.Byte() & 1) ? kNodeId : in.U64();
        h.epoch = in.U64();
        h.role = static_cast<r::Role>(in.Byte() % 3);
        h.applied_stream = in.U64();
        h.applied_offset = in.U64();
        h.stream_end = in.U64();
        std::string frame;
        r::EncodeHello(h, &frame);
        node.Deliver(pick(), frame);
        break;
      }
      case 2: {  // a HELLO payload of the fuzzer's choosing
        const size_t k = pick();
        node.Deliver(k, Frame(static_cast<uint8_t>(r::FrameType::kHello), in.Take(in.Byte())));
        break;
      }
      case 3: {  // any frame type, any payload
        const size_t k = pick();
        const uint8_t type = in.Byte();
        node.Deliver(k, Frame(type, in.Take(in.Byte())));
        break;
      }
      case 4: {  // raw bytes
        const size_t k = pick();
        node.Deliver(k, in.Take(in.Byte()));
        break;
      }
      case 5:  // a connection drops (the live link too)
        node.Drop(pick());
        break;
    }
  }
  return 0;
}
