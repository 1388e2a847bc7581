// RequestWriter: the bytes of tandem-bench's gets (one key and several) and
// sets in each protocol, as the bench sent them before it used
// protocol/request_encoder.
#include "tools/bench/request_writer.h"

#include <initializer_list>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tandem::bench {
namespace {

WorkloadSpec Spec(Protocol protocol, int min, int max) {
  WorkloadSpec spec;
  spec.keys = 1000;
  spec.key_size = 8;
  spec.value_min = min;
  spec.value_max = max;
  spec.multiget = 3;
  spec.protocol = protocol;
  EXPECT_EQ(Workload::Validate(spec), "");
  return spec;
}

std::string SetBytes(const Workload& w, uint64_t key, int size) {
  RequestWriter writer(&w);
  std::string out;
  EXPECT_TRUE(writer.AppendSet(key, size, &out).ok());
  return out;
}

std::string GetBytes(const Workload& w, std::initializer_list<uint64_t> keys) {
  RequestWriter writer(&w);
  std::string out;
  std::vector<uint64_t> indices(keys);
  EXPECT_TRUE(writer.AppendGet(indices.data(), static_cast<int>(indices.size()), &out).ok());
  return out;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST(RequestWriterTest, WritesSetsAtTheDrawnSize) {
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

TEST(RequestWriterTest, WritesGetsOfOneAndManyKeys) {
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

TEST(RequestWriterTest, WritesBinarySetsWithZeroFlagsAndExptime) {
  Workload binary(Spec(Protocol::kBinary, 1, 3));
  EXPECT_EQ(SetBytes(binary, 5, 3),
            Bytes({0x80, 0x01, 0, 8, 8, 0, 0, 0, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) +
                std::string(8, '\0') + "key:0005" + std::string(binary.Value(3)));
}

// One writer serves a connection's whole run: requests accumulate in the
// caller's string, and a reused writer writes the same bytes again.
TEST(RequestWriterTest, AppendsAndIsReusable) {
  Workload text(Spec(Protocol::kText, 2, 2));
  RequestWriter writer(&text);
  std::string out = "prefix";
  const uint64_t first[] = {1, 2, 3};
  const uint64_t second[] = {4};
  ASSERT_TRUE(writer.AppendGet(first, 3, &out).ok());
  ASSERT_TRUE(writer.AppendSet(5, 2, &out).ok());
  ASSERT_TRUE(writer.AppendGet(second, 1, &out).ok());
  EXPECT_EQ(out, "prefixget key:0001 key:0002 key:0003\r\nset key:0005 0 0 2\r\nah\r\nget key:0004\r\n");
}

}  // namespace
}  // namespace tandem::bench
