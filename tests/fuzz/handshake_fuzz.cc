// libFuzzer target for the replication handshake: the fuzzer is a stranger
// on the replication port who does not know the secret. It opens up to
// eight connections to one node, and on each sends HELLO and AUTH frames
// of its choosing: raw payloads, or AUTH frames carrying a MAC it has seen
// (the node's own answer on any connection, which is how a reflection attack
// works, or a genuine peer's proof from another connection, a replay). A
// genuine peer holding the secret can also answer on the current connection.
// The node runs the checks PeerLink runs (DecodeFrame with the handshake
// bound, AcceptHello, AcceptAuth), and the invariants are:
//   - an AUTH is accepted only when the genuine peer signed it for this very
//     connection (no raw bytes, reflection or replay ever gets in);
//   - the genuine peer's AUTH is always accepted when the node awaits one.
// Nothing here can compute a MAC without the secret, so the first would
// only fail through a bug in the checks (or a verification that leaks the
// expected MAC through its comparisons, which libFuzzer's comparison
// tracing would exploit).
#include <array>
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

constexpr std::string_view kSecret = "fuzzing secret, never on the wire";
constexpr uint64_t kNodeId = 0x7a6e646d2d6e6f64;
constexpr size_t kMaxConnections = 8;

using Mac = std::array<uint8_t, r::kMacSize>;

struct Conn {
  r::Hello self;
  r::Hello peer;
  bool got_hello = false;
  bool authed = false;
  bool dead = false;
  Mac node_answer{};  // what the node sent back on HELLO (an attacker sees it)
  bool has_node_answer = false;
  Mac genuine{};  // what the genuine peer signed here (an attacker may record it)
  bool has_genuine = false;
};

enum class Origin { kAttacker, kGenuinePeer };

// The node's nonce on its n-th connection: distinct per connection, as the
// random ones are, and not chosen by the attacker.
r::Hello NodeHello(size_t n) {
  r::Hello h;
  h.node_id = kNodeId;
  std::array<uint8_t, 32> digest = r::Sha256(std::string("nonce ") + std::to_string(n));
  for (size_t i = 0; i < r::kNonceSize; ++i) h.nonce[i] = digest[i];
  return h;
}

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

// The node's side of one frame, as PeerLink::ReadFrames/HandleFrame.
void Deliver(Conn* c, std::string_view bytes, Origin origin) {
  if (c->dead || c->authed) return;
  r::Frame frame;
  size_t consumed = 0;
  if (!r::DecodeFrame(bytes, r::kMaxHandshakeBody, &frame, &consumed).ok() || consumed == 0) {
    c->dead = true;
    return;
  }
  if (!c->got_hello) {
    if (frame.type != r::FrameType::kHello || !r::AcceptHello(frame.payload, c->self, &c->peer).ok()) {
      c->dead = true;
      return;
    }
    Check(c->peer.node_id != c->self.node_id, "a hello with the node's own id is refused");
    c->got_hello = true;
    c->node_answer = r::MakeProof(kSecret, c->self, c->peer);
    c->has_node_answer = true;
    return;
  }
  r::Auth auth;
  const bool accepted =
      frame.type == r::FrameType::kAuth && r::AcceptAuth(frame.payload, kSecret, c->self, c->peer, &auth).ok();
  if (origin == Origin::kGenuinePeer) {
    Check(accepted, "the genuine peer's proof is accepted");
  } else {
    Check(!accepted, "no proof is accepted unless the genuine peer made it for this connection");
  }
  if (accepted) {
    c->authed = true;
  } else {
    c->dead = true;
  }
}

std::string AuthWithMac(const Mac& mac, ByteReader* in) {
  r::Auth auth;
  auth.mac = mac;
  auth.epoch = in->U64();
  auth.role = static_cast<r::Role>(in->Byte() % 3);
  auth.applied_stream = in->U64();
  auth.applied_offset = in->U64();
  auth.stream_end = in->U64();
  std::string out;
  r::EncodeAuth(auth, &out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  std::vector<Conn> conns;
  conns.reserve(kMaxConnections);
  size_t current = 0;
  auto open = [&]() {
    if (conns.size() == kMaxConnections) return;
    conns.emplace_back();
    conns.back().self = NodeHello(conns.size());
    current = conns.size() - 1;
  };
  open();
  while (!in.empty()) {
    Conn& c = conns[current];
    switch (in.Byte() % 8) {
      case 0:
        open();
        break;
      case 1:
        current = in.Byte() % conns.size();
        break;
      case 2: {  // a HELLO payload of the attacker's choosing
        size_t len = in.Byte();
        Deliver(&c, Frame(static_cast<uint8_t>(r::FrameType::kHello), in.Take(len)), Origin::kAttacker);
        break;
      }
      case 3: {  // a well-formed HELLO from the attacker
        r::Hello h;
        h.node_id = (in.Byte() & 1) ? kNodeId : in.U64();
        std::string_view nonce = in.Take(r::kNonceSize);
        for (size_t i = 0; i < nonce.size(); ++i) h.nonce[i] = static_cast<uint8_t>(nonce[i]);
        // Or a nonce the node used on another connection (reflection).
        if (in.Byte() & 1) h.nonce = conns[in.Byte() % conns.size()].self.nonce;
        std::string frame;
        r::EncodeHello(h, &frame);
        Deliver(&c, frame, Origin::kAttacker);
        break;
      }
      case 4: {  // an AUTH payload of the attacker's choosing
        size_t len = in.Byte();
        Deliver(&c, Frame(static_cast<uint8_t>(r::FrameType::kAuth), in.Take(len)), Origin::kAttacker);
        break;
      }
      case 5: {  // an AUTH replaying a MAC seen on some connection
        const Conn& seen = conns[in.Byte() % conns.size()];
        const bool own = in.Byte() & 1;
        if (own ? !seen.has_node_answer : !seen.has_genuine) break;
        Deliver(&c, AuthWithMac(own ? seen.node_answer : seen.genuine, &in), Origin::kAttacker);
        break;
      }
      case 6: {  // the genuine peer answers the node's challenge here
        if (!c.got_hello || c.dead || c.authed) break;
        c.genuine = r::MakeProof(kSecret, c.peer, c.self);
        c.has_genuine = true;
        Deliver(&c, AuthWithMac(c.genuine, &in), Origin::kGenuinePeer);
        break;
      }
      case 7: {  // any frame type with any payload
        uint8_t type = in.Byte();
        size_t len = in.Byte();
        Deliver(&c, Frame(type, in.Take(len)), Origin::kAttacker);
        break;
      }
    }
  }
  return 0;
}
