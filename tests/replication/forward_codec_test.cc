// ForwardCodec and OwnerRule: the forwarding frames round-trip and refuse
// malformed payloads; the owner rule is symmetric, splits keys between the
// two nodes, and its hash is pinned (both nodes of a pair must agree).
#include "replication/forward_codec.h"

#include <string>

#include "gtest/gtest.h"
#include "replication/owner_rule.h"
#include "replication/record.h"
#include "replication/record_codec.h"

namespace tandem::replication {
namespace {

Frame DecodeOne(const std::string& bytes) {
  Frame f;
  size_t consumed = 0;
  EXPECT_TRUE(DecodeFrame(bytes, kMaxBody, &f, &consumed).ok());
  EXPECT_EQ(consumed, bytes.size());
  return f;
}

TEST(ForwardCodec, RequestRoundTrips) {
  std::string bytes;
  EncodeForwardRequest(ForwardRequest{0x0102030405060708ull, server::WireKind::kBinary, "incr k 1\r\n"}, &bytes);
  const Frame f = DecodeOne(bytes);
  EXPECT_EQ(f.type, FrameType::kForwardRequest);
  // id little-endian, kind, then the request bytes.
  EXPECT_EQ(f.payload, std::string("\x08\x07\x06\x05\x04\x03\x02\x01\x01incr k 1\r\n", 19));
  ForwardRequest req;
  ASSERT_TRUE(ParseForwardRequest(f.payload, &req).ok());
  EXPECT_EQ(req.id, 0x0102030405060708ull);
  EXPECT_EQ(req.kind, server::WireKind::kBinary);
  EXPECT_EQ(req.request, "incr k 1\r\n");
}

TEST(ForwardCodec, AnswerRoundTripsEvenWhenEmpty) {
  for (std::string reply : {std::string("STORED\r\n"), std::string()}) {
    std::string bytes;
    EncodeForwardAnswer(ForwardAnswer{42, reply}, &bytes);
    const Frame f = DecodeOne(bytes);
    EXPECT_EQ(f.type, FrameType::kForwardAnswer);
    ForwardAnswer a;
    ASSERT_TRUE(ParseForwardAnswer(f.payload, &a).ok());
    EXPECT_EQ(a.id, 42u);
    EXPECT_EQ(a.reply, reply);
  }
}

TEST(ForwardCodec, RefusesMalformedPayloads) {
  ForwardRequest req;
  EXPECT_FALSE(ParseForwardRequest(std::string(8, '\0'), &req).ok());                // no kind
  EXPECT_FALSE(ParseForwardRequest(std::string(9, '\0'), &req).ok());                // no request
  EXPECT_FALSE(ParseForwardRequest(std::string(8, '\0') + "\x02x", &req).ok());      // unknown kind
  ForwardAnswer a;
  EXPECT_FALSE(ParseForwardAnswer(std::string(7, '\0'), &a).ok());
}

TEST(OwnerRule, HashIsPinned) {
  // Both nodes of a pair must compute the same owner: FNV-1a 64 then
  // murmur3's fmix64, values from an independent implementation.
  EXPECT_EQ(OwnerHash(""), 0xefd01f60ba992926ull);
  EXPECT_EQ(OwnerHash("foo"), 0xaf85ea5569581d4cull);
  EXPECT_EQ(OwnerHash("ctr:0"), 0xdd14462eaf0b5155ull);
  EXPECT_EQ(OwnerHash("ctr:1"), 0xd407830f2582ad57ull);
  // Odd hash: the higher id owns the key.
  EXPECT_EQ(KeyOwner("ctr:0", 5, 9), 9u);
  EXPECT_EQ(KeyOwner("foo", 5, 9), 5u);
}

TEST(OwnerRule, SymmetricAndSplitsKeys) {
  constexpr uint64_t a = 17, b = 0xffffffffffff0001ull;
  int owned_by_a = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "key:" + std::to_string(i);
    const uint64_t owner = KeyOwner(key, a, b);
    EXPECT_EQ(owner, KeyOwner(key, b, a)) << key;
    EXPECT_TRUE(owner == a || owner == b);
    owned_by_a += owner == a;
  }
  EXPECT_GT(owned_by_a, 400);
  EXPECT_LT(owned_by_a, 600);
}

}  // namespace
}  // namespace tandem::replication
