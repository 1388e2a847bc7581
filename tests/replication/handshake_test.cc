// handshake: SHA-256/HMAC against published vectors, the proof, the
// partial-or-full decision; role: the meeting and promotion rules.
#include "replication/handshake.h"

#include <string>

#include "gtest/gtest.h"
#include "replication/record_codec.h"
#include "replication/role.h"

namespace tandem::replication {
namespace {

std::string Hex(const std::array<uint8_t, 32>& d) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (uint8_t b : d) {
    s.push_back(k[b >> 4]);
    s.push_back(k[b & 15]);
  }
  return s;
}

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Hex(Sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(HmacSha256, Rfc4231) {
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Case 6: a key longer than the block size.
  EXPECT_EQ(Hex(HmacSha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Handshake, ProofNeedsTheSecretAndTheNonce) {
  Hello a{1, RandomNonce()};
  Hello b{2, RandomNonce()};
  auto mac = MakeProof("s3cret", b, a);  // b answers a's challenge
  EXPECT_TRUE(VerifyProof("s3cret", a, b, mac));
  EXPECT_FALSE(VerifyProof("other", a, b, mac));
  EXPECT_FALSE(VerifyProof("", a, b, mac));
  Hello a2{1, RandomNonce()};  // a new connection: the old proof is worthless
  EXPECT_FALSE(VerifyProof("s3cret", a2, b, mac));
  // A reflected proof (a's own answer sent back) does not verify either.
  auto own = MakeProof("s3cret", a, b);
  EXPECT_FALSE(VerifyProof("s3cret", a, b, own));
}

std::string HelloPayload(const Hello& h) {
  std::string frame;
  EncodeHello(h, &frame);
  return frame.substr(kFrameHeaderSize + 1);
}

std::string AuthPayload(const std::array<uint8_t, kMacSize>& mac) {
  Auth auth;
  auth.mac = mac;
  std::string frame;
  EncodeAuth(auth, &frame);
  return frame.substr(kFrameHeaderSize + 1);
}

TEST(Handshake, AcceptAuthTakesOnlyTheGenuineProof) {
  Hello self{1, RandomNonce()};
  Hello peer{2, RandomNonce()};
  Auth auth;
  EXPECT_TRUE(AcceptAuth(AuthPayload(MakeProof("s3cret", peer, self)), "s3cret", self, peer, &auth).ok());
  EXPECT_EQ(AcceptAuth(AuthPayload(MakeProof("other", peer, self)), "s3cret", self, peer, &auth).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(AcceptAuth("short", "s3cret", self, peer, &auth).code(), absl::StatusCode::kDataLoss);
}

// The attack AcceptHello's own-id check stops (handshake_fuzz finds it when
// the check is removed): on connection 1 the stranger presents connection
// 0's nonce and gets the node's proof over it; on connection 0 it presents
// the node's own id with connection 1's nonce, which would make that proof
// exactly what connection 0 expects.
TEST(Handshake, AcceptHelloRefusesAReflectedIdentity) {
  const Hello conn0{7, RandomNonce()};
  const Hello conn1{7, RandomNonce()};
  Hello stranger1;
  ASSERT_TRUE(AcceptHello(HelloPayload(Hello{9, conn0.nonce}), conn1, &stranger1).ok());
  const auto node_answer = MakeProof("s3cret", conn1, stranger1);
  Hello stranger0;
  EXPECT_EQ(AcceptHello(HelloPayload(Hello{7, conn1.nonce}), conn0, &stranger0).code(),
            absl::StatusCode::kFailedPrecondition);
  // Had it been answered, the reflected proof would verify.
  Auth auth;
  EXPECT_TRUE(AcceptAuth(AuthPayload(node_answer), "s3cret", conn0, Hello{7, conn1.nonce}, &auth).ok());
  EXPECT_EQ(AcceptHello("junk", conn0, &stranger0).code(), absl::StatusCode::kDataLoss);
}

TEST(Handshake, PartialOnlyForThisStreamInsideTheBacklog) {
  SyncStart s = DecideSync(7, 100, 500, 7, 300);
  EXPECT_FALSE(s.full);
  EXPECT_EQ(s.offset, 300u);
  EXPECT_FALSE(DecideSync(7, 100, 500, 7, 500).full);  // up to date
  EXPECT_TRUE(DecideSync(7, 100, 500, 7, 99).full);    // fell out of the backlog
  EXPECT_TRUE(DecideSync(7, 100, 500, 7, 501).full);   // from the future: a restarted us
  s = DecideSync(7, 0, 500, 8, 300);                   // another process's stream
  EXPECT_TRUE(s.full);
  EXPECT_EQ(s.offset, 500u);
  EXPECT_TRUE(DecideSync(7, 0, 0, 0, 0).full);         // a fresh peer
}

TEST(Role, MeetingRules) {
  // Higher epoch wins whatever the roles.
  EXPECT_TRUE(Outranks({Role::kSlave, 2, 9}, {Role::kMaster, 1, 1}));
  // Equal epochs: master beats slave; then the lower node id.
  EXPECT_TRUE(Outranks({Role::kMaster, 0, 9}, {Role::kSlave, 0, 1}));
  EXPECT_TRUE(Outranks({Role::kSlave, 0, 1}, {Role::kSlave, 0, 9}));
  EXPECT_FALSE(Outranks({Role::kSlave, 0, 9}, {Role::kSlave, 0, 1}));

  RoleState survivor;  // the old slave that promoted itself
  survivor.Start(Role::kSlave);
  EXPECT_TRUE(survivor.Promote());
  EXPECT_EQ(survivor.role(), Role::kMaster);
  EXPECT_EQ(survivor.epoch(), 1u);
  EXPECT_EQ(survivor.promotions(), 1u);
  EXPECT_FALSE(survivor.Promote());  // masters do not promote

  RoleState returning;  // the old master, restarted with its command line
  returning.Start(Role::kMaster);
  returning.Meet(5, survivor.state(6));
  survivor.Meet(6, NodeState{Role::kMaster, 0, 5});
  EXPECT_EQ(returning.role(), Role::kSlave);
  EXPECT_EQ(returning.epoch(), 1u);
  EXPECT_EQ(survivor.role(), Role::kMaster);
  EXPECT_EQ(survivor.epoch(), 1u);
}

}  // namespace
}  // namespace tandem::replication
