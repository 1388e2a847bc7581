// Tests for the binary request parser: header fields, the shape table,
// incremental input (every prefix of a request is NeedMore), bad magic,
// values over the limit, and bytes left for the next request exactly where
// memcached leaves them.
#include "protocol/binary_parser.h"

#include <string>

#include "gtest/gtest.h"
#include "protocol/binary_encoder.h"

namespace tandem::protocol::binary {
namespace {

std::string Bytes(std::initializer_list<int> v) {
  std::string s;
  for (int c : v) s.push_back(static_cast<char>(c));
  return s;
}

std::string SetRequest(std::string_view key, std::string_view value, uint64_t cas = 0) {
  std::string extras;
  AppendBe32(&extras, 0xcafe);
  AppendBe32(&extras, 300);
  std::string out;
  AppendRequest(&out, 0x01, 0x01020304, cas, extras, key, value);
  return out;
}

TEST(BinaryParserTest, GoldenGetRequest) {
  // memcached's own test suite bytes for "get foo".
  const std::string in = Bytes({0x80, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
                                0x00, 0x00, 0x00, 0x2a, 0, 0, 0, 0, 0, 0, 0, 0}) + "foo";
  Request req;
  ParseResult r = ParseRequest(in, {}, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, in.size());
  EXPECT_EQ(req.opcode, 0x00);
  EXPECT_EQ(req.key, "foo");
  EXPECT_EQ(req.opaque, 42u);
  EXPECT_TRUE(req.well_formed);
}

TEST(BinaryParserTest, SetRequestFields) {
  const std::string in = SetRequest("key", "value", 0x1122334455667788ULL);
  Request req;
  ParseResult r = ParseRequest(in, {}, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, in.size());
  EXPECT_EQ(req.extlen, 8);
  EXPECT_EQ(req.ExtrasU32(0), 0xcafeu);
  EXPECT_EQ(req.ExtrasU32(4), 300u);
  EXPECT_EQ(req.key, "key");
  EXPECT_EQ(req.value, "value");
  EXPECT_EQ(req.cas, 0x1122334455667788ULL);
  EXPECT_EQ(req.opaque, 0x01020304u);
}

TEST(BinaryParserTest, EveryPrefixNeedsMore) {
  const std::string in = SetRequest("key", "value");
  for (size_t n = 0; n < in.size(); ++n) {
    Request req;
    EXPECT_EQ(ParseRequest(std::string_view(in).substr(0, n), {}, &req).status, ParseStatus::kNeedMore) << n;
  }
}

TEST(BinaryParserTest, PipelinedRequestsConsumeOneAtATime) {
  std::string in = SetRequest("a", "1");
  const size_t first = in.size();
  AppendRequest(&in, 0x0a, 0, 0, {}, {}, {});
  Request req;
  ParseResult r = ParseRequest(in, {}, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, first);
  r = ParseRequest(std::string_view(in).substr(first), {}, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(req.opcode, 0x0a);
  EXPECT_EQ(r.consumed, 24u);
}

TEST(BinaryParserTest, BadMagicOnlyOnceAWholeHeaderArrived) {
  Request req;
  EXPECT_EQ(ParseRequest("get foo\r\n", {}, &req).status, ParseStatus::kNeedMore);
  EXPECT_EQ(ParseRequest(std::string(24, 'g'), {}, &req).status, ParseStatus::kBadMagic);
  std::string response_magic(24, '\0');
  response_magic[0] = static_cast<char>(0x81);
  EXPECT_EQ(ParseRequest(response_magic, {}, &req).status, ParseStatus::kBadMagic);
}

TEST(BinaryParserTest, ValueOverLimitIsSwallowedNotBuffered) {
  ParserOptions options;
  options.max_value = 4;
  const std::string in = SetRequest("k", "12345");
  Request req;
  // Only the header, extras and key are needed to decide.
  ParseResult r = ParseRequest(std::string_view(in).substr(0, 24 + 8 + 1), options, &req);
  ASSERT_EQ(r.status, ParseStatus::kValueTooLarge);
  EXPECT_EQ(r.consumed, 24u + 8 + 1);
  EXPECT_EQ(r.swallow, 5u);
}

TEST(BinaryParserTest, NonStorageOpcodesLeaveTheBodyRest) {
  // stat with a value: memcached reads only header + key, the rest is the
  // next request.
  std::string in;
  AppendRequest(&in, 0x10, 0, 0, {}, "items", "junk");
  Request req;
  ParseResult r = ParseRequest(in, {}, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, 24u + 5);
  EXPECT_TRUE(req.well_formed);
}

TEST(BinaryParserTest, MalformedShapesAreFlagged) {
  struct Case {
    uint8_t op;
    std::string extras, key, value;
  } cases[] = {
      {0x00, "", "", ""},          // get without key
      {0x00, "1234", "k", ""},     // get with extras
      {0x00, "", "k", "v"},        // get with a value
      {0x01, "", "k", "v"},        // set without extras
      {0x05, "12345678", "k", ""}, // incr with short extras
      {0x0a, "", "k", ""},         // noop with a key
      {0x08, "12", "", ""},        // flush with 2 bytes of extras
      {0x1c, "", "k", ""},         // touch without extras
  };
  for (const Case& c : cases) {
    std::string in;
    AppendRequest(&in, c.op, 0, 0, c.extras, c.key, c.value);
    Request req;
    ParseResult r = ParseRequest(in, {}, &req);
    ASSERT_EQ(r.status, ParseStatus::kOk) << int(c.op);
    EXPECT_FALSE(req.well_formed) << int(c.op);
  }
}

TEST(BinaryParserTest, KeyLongerThanBodyIsNotWellFormed) {
  std::string in = Bytes({0x80, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) + "abcde";
  Request req;
  ParseResult r = ParseRequest(in, {}, &req);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_FALSE(req.well_formed);
  EXPECT_EQ(r.consumed, in.size());
}

TEST(BinaryParserTest, OpcodeTable) {
  EXPECT_EQ(OpcodeInfoFor(0x09).base, Opcode::kGet);
  EXPECT_TRUE(OpcodeInfoFor(0x09).quiet);
  EXPECT_EQ(OpcodeInfoFor(0x24).base, Opcode::kGatK);
  EXPECT_TRUE(OpcodeInfoFor(0x24).quiet);
  EXPECT_EQ(OpcodeInfoFor(0x11).shape, Shape::kStore);
  EXPECT_EQ(OpcodeInfoFor(0x1b).shape, Shape::kUnknown);  // verbosity: unknown in memcached
  EXPECT_EQ(OpcodeInfoFor(0xff).shape, Shape::kUnknown);
  EXPECT_FALSE(OpcodeInfoFor(0x01).quiet);
}

}  // namespace
}  // namespace tandem::protocol::binary
