// Workload: --value-size parsing, the value range (sizes drawn, values a
// hit may carry) and the bytes of a get and of a set at a drawn size in each
// protocol.
#include "tools/bench/workload.h"

#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tandem::bench {
namespace {

TEST(WorkloadTest, ParsesValueSize) {
  int min = -1, max = -1;
  EXPECT_EQ(ParseValueSize("100", &min, &max), "");
  EXPECT_EQ(min, 100);
  EXPECT_EQ(max, 100);
  EXPECT_EQ(ParseValueSize("10-2000", &min, &max), "");
  EXPECT_EQ(min, 10);
  EXPECT_EQ(max, 2000);
  EXPECT_EQ(ParseValueSize("0-0", &min, &max), "");
  EXPECT_EQ(max, 0);
  for (const char* bad : {"", "-", "5-", "-5", "9-3", "a", "1-2-3", " 1", "1 -2", "67108865"}) {
    EXPECT_NE(ParseValueSize(bad, &min, &max), "") << bad;
  }
}

WorkloadSpec Spec(Protocol protocol, int min, int max) {
  WorkloadSpec spec;
  spec.keys = 1000;
  spec.key_size = 8;
  spec.value_min = min;
  spec.value_max = max;
  spec.protocol = protocol;
  EXPECT_EQ(Workload::Validate(spec), "");
  return spec;
}

TEST(WorkloadTest, DrawsSizesAcrossTheRangeAndValidatesHits) {
  Workload w(Spec(Protocol::kText, 3, 6));
  Rng rng(1);
  std::set<int> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(w.NextValueSize(rng));
  EXPECT_EQ(seen, (std::set<int>{3, 4, 5, 6}));
  for (int n = 3; n <= 6; ++n) EXPECT_TRUE(w.ValueMatches(w.Value(n))) << n;
  EXPECT_FALSE(w.ValueMatches(w.Value(2)));
  EXPECT_FALSE(w.ValueMatches(std::string(w.Value(6)) + "x"));
  EXPECT_FALSE(w.ValueMatches("zzzz"));
  // Preload sizes are fixed per key and in range.
  EXPECT_EQ(w.PreloadValueSize(17), w.PreloadValueSize(17));
  for (uint64_t k = 0; k < 100; ++k) {
    EXPECT_GE(w.PreloadValueSize(k), 3);
    EXPECT_LE(w.PreloadValueSize(k), 6);
  }
}

TEST(WorkloadTest, FixedSizeNeverVaries) {
  Workload w(Spec(Protocol::kText, 100, 100));
  Rng rng(1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(w.NextValueSize(rng), 100);
}

std::string SetBytes(const Workload& w, uint64_t key, int size) {
  ByteBuffer out;
  w.AppendSet(&out, key, size);
  return std::string(out.view());
}

TEST(WorkloadTest, WritesSetsAtTheDrawnSize) {
  Workload text(Spec(Protocol::kText, 1, 12));
  EXPECT_EQ(SetBytes(text, 42, 5), "set key:0042 0 0 5\r\nahovc\r\n");
  EXPECT_EQ(SetBytes(text, 7, 12), "set key:0007 0 0 12\r\n" + std::string(text.Value(12)) + "\r\n");
  Workload meta(Spec(Protocol::kMeta, 0, 10));
  EXPECT_EQ(SetBytes(meta, 3, 0), "ms key:0003 0 F0\r\n\r\n");
  EXPECT_EQ(SetBytes(meta, 3, 10), "ms key:0003 10 F0\r\n" + std::string(meta.Value(10)) + "\r\n");
  Workload binary(Spec(Protocol::kBinary, 1, 300));
  std::string b = SetBytes(binary, 9, 300);
  ASSERT_EQ(b.size(), 24u + 8 + 8 + 300);
  EXPECT_EQ(static_cast<uint8_t>(b[0]), 0x80);
  EXPECT_EQ(b[1], 0x01);
  const uint32_t body = (static_cast<uint8_t>(b[8]) << 24) | (static_cast<uint8_t>(b[9]) << 16) |
                        (static_cast<uint8_t>(b[10]) << 8) | static_cast<uint8_t>(b[11]);
  EXPECT_EQ(body, 8u + 8 + 300);
  EXPECT_EQ(b.substr(32, 8), "key:0009");
  EXPECT_EQ(b.substr(40), binary.Value(300));
}

std::string GetBytes(const Workload& w, std::initializer_list<uint64_t> keys) {
  ByteBuffer out;
  std::vector<uint64_t> indices(keys);
  w.AppendGet(&out, indices.data(), static_cast<int>(indices.size()));
  return std::string(out.view());
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST(WorkloadTest, WritesGetsOfOneAndManyKeys) {
  Workload text(Spec(Protocol::kText, 1, 1));
  EXPECT_EQ(GetBytes(text, {42}), "get key:0042\r\n");
  EXPECT_EQ(GetBytes(text, {1, 999, 0}), "get key:0001 key:0999 key:0000\r\n");
  Workload meta(Spec(Protocol::kMeta, 1, 1));
  EXPECT_EQ(GetBytes(meta, {42}), "mg key:0042 v f\r\n");
  EXPECT_EQ(GetBytes(meta, {1, 2}), "mg key:0001 v f q\r\nmg key:0002 v f q\r\nmn\r\n");
  Workload binary(Spec(Protocol::kBinary, 1, 1));
  const std::string getk = Bytes({0x80, 0x0c, 0, 8, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  const std::string getkq = Bytes({0x80, 0x0d, 0, 8, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  const std::string noop = Bytes({0x80, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(GetBytes(binary, {42}), getk + "key:0042");
  EXPECT_EQ(GetBytes(binary, {1, 2}), getkq + "key:0001" + getkq + "key:0002" + noop);
}

TEST(WorkloadTest, WritesBinarySetsWithZeroFlagsAndExptime) {
  Workload binary(Spec(Protocol::kBinary, 1, 3));
  EXPECT_EQ(SetBytes(binary, 5, 3),
            Bytes({0x80, 0x01, 0, 8, 8, 0, 0, 0, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) +
                std::string(8, '\0') + "key:0005" + std::string(binary.Value(3)));
}

}  // namespace
}  // namespace tandem::bench
