// Golden-byte tests for the binary encoder: response headers, whole
// responses and error packets exactly as memcached 1.6.18 puts them on the
// wire (captured from it), and request packets as clients send them.
#include "protocol/binary_encoder.h"

#include <string>

#include "gtest/gtest.h"

namespace tandem::protocol::binary {
namespace {

std::string Bytes(std::initializer_list<int> v) {
  std::string s;
  for (int c : v) s.push_back(static_cast<char>(c));
  return s;
}

TEST(BinaryEncoderTest, NoopResponseHeader) {
  std::string out;
  AppendResponse(&out, 0x0a, Status::kSuccess, 0, 0, {}, {}, {});
  EXPECT_EQ(out, Bytes({0x81, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(BinaryEncoderTest, GetHitWithFlagsCasAndOpaque) {
  std::string out;
  AppendResponse(&out, 0x00, Status::kSuccess, 0xdeadbeef, 0x0102030405060708ULL,
                 Bytes({0, 0, 0, 42}), {}, "hello");
  EXPECT_EQ(out, Bytes({0x81, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,  // magic op keylen extlen dt status
                        0x00, 0x00, 0x00, 0x09,                          // bodylen 4 + 5
                        0xde, 0xad, 0xbe, 0xef,                          // opaque
                        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // cas
                        0, 0, 0, 42, 'h', 'e', 'l', 'l', 'o'}));
}

TEST(BinaryEncoderTest, GetKCarriesKeyBetweenExtrasAndValue) {
  std::string out;
  AppendResponse(&out, 0x0c, Status::kSuccess, 0, 1, Bytes({0, 0, 0, 0}), "key1", "val");
  ASSERT_EQ(out.size(), 24u + 4 + 4 + 3);
  EXPECT_EQ(out.substr(2, 2), Bytes({0, 4}));          // keylen
  EXPECT_EQ(out[4], 4);                                 // extlen
  EXPECT_EQ(out.substr(8, 4), Bytes({0, 0, 0, 11}));   // bodylen
  EXPECT_EQ(out.substr(24), Bytes({0, 0, 0, 0, 'k', 'e', 'y', '1', 'v', 'a', 'l'}));
}

TEST(BinaryEncoderTest, ErrorBodiesAreMemcachedsText) {
  std::string out;
  AppendError(&out, 0x00, Status::kKeyNotFound, 0);
  EXPECT_EQ(out, Bytes({0x81, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) + "Not found");
  out.clear();
  AppendError(&out, 0x30, Status::kUnknownCommand, 7);
  EXPECT_EQ(out, Bytes({0x81, 0x30, 0, 0, 0, 0, 0, 0x81, 0, 0, 0, 15, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0}) +
                     "Unknown command");
}

TEST(BinaryEncoderTest, EveryErrorText) {
  EXPECT_EQ(ErrorText(Status::kKeyExists), "Data exists for key.");
  EXPECT_EQ(ErrorText(Status::kTooLarge), "Too large.");
  EXPECT_EQ(ErrorText(Status::kInvalidArguments), "Invalid arguments");
  EXPECT_EQ(ErrorText(Status::kNotStored), "Not stored.");
  EXPECT_EQ(ErrorText(Status::kDeltaBadValue), "Non-numeric server-side value for incr or decr");
  EXPECT_EQ(ErrorText(Status::kAuthError), "Auth failure.");
  EXPECT_EQ(ErrorText(Status::kOutOfMemory), "Out of memory");
}

TEST(BinaryEncoderTest, CustomErrorText) {
  std::string out;
  AppendError(&out, 0x01, Status::kOutOfMemory, 0, kOutOfMemoryAllocating);
  EXPECT_EQ(out.substr(6, 2), Bytes({0x00, 0x82}));
  EXPECT_EQ(out.substr(24), "Out of memory allocating item");
}

TEST(BinaryEncoderTest, SetRequest) {
  std::string out;
  AppendRequest(&out, 0x01, 0x11223344, 0, Bytes({0, 0, 0, 5, 0, 0, 0, 100}), "k", "v");
  EXPECT_EQ(out, Bytes({0x80, 0x01, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
                        0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 0, 0, 5, 0, 0, 0, 100, 'k', 'v'}));
}

TEST(BinaryEncoderTest, BigEndianHelpers) {
  std::string out;
  AppendBe16(&out, 0x0102);
  AppendBe32(&out, 0x03040506);
  AppendBe64(&out, 0x0708090a0b0c0d0eULL);
  EXPECT_EQ(out, Bytes({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
}

}  // namespace
}  // namespace tandem::protocol::binary
