// Tests for ParseMetaCommand, IsMetaLine and the base64 helpers. Error
// choices and what each error consumes were first observed on memcached
// 1.6.18 with the same bytes (see also tests/differential/corpus/7x_meta_*).
#include "protocol/meta_parser.h"

#include <string>

#include "gtest/gtest.h"
#include "protocol/error_strings.h"

namespace tandem::protocol {
namespace {

using namespace std::string_view_literals;

class MetaParserTest : public ::testing::Test {
 protected:
  ParseResult Parse(std::string_view input) { return ParseMetaCommand(input, options_, &cmd_); }

  void ExpectOk(std::string_view input, MetaOp op) {
    SCOPED_TRACE(std::string(input.substr(0, 80)));
    const ParseResult r = Parse(input);
    ASSERT_EQ(r.status, ParseStatus::kOk);
    EXPECT_EQ(r.consumed, input.size());
    EXPECT_EQ(r.swallow, 0u);
    EXPECT_EQ(cmd_.op, op);
  }

  void ExpectError(std::string_view input, std::string_view error, size_t consumed,
                   size_t swallow = 0) {
    SCOPED_TRACE(std::string(input.substr(0, 80)));
    const ParseResult r = Parse(input);
    ASSERT_EQ(r.status, ParseStatus::kError);
    EXPECT_EQ(r.error_line, error);
    EXPECT_EQ(r.consumed, consumed);
    EXPECT_EQ(r.swallow, swallow);
    EXPECT_FALSE(r.close_connection);
  }

  void ExpectLineError(std::string_view line, std::string_view error) {
    ExpectError(line, error, line.size());
  }

  MetaParserOptions options_;
  MetaCommand cmd_;
};

TEST(IsMetaLineTest, TwoLetterWordsStartingWithM) {
  EXPECT_TRUE(IsMetaLine("mg foo v"));
  EXPECT_TRUE(IsMetaLine("mn"));
  EXPECT_TRUE(IsMetaLine("   mx"));
  EXPECT_TRUE(IsMetaLine("mz a b c"));
  EXPECT_FALSE(IsMetaLine("m"));
  EXPECT_FALSE(IsMetaLine("mgg foo"));
  EXPECT_FALSE(IsMetaLine("MN"));
  EXPECT_FALSE(IsMetaLine("get foo"));
  EXPECT_FALSE(IsMetaLine(""));
}

TEST_F(MetaParserTest, GetWithFlagsInOrder) {
  ExpectOk("mg foo v t s O123 k c\r\n", MetaOp::kGet);
  EXPECT_EQ(cmd_.key, "foo");
  EXPECT_TRUE(cmd_.return_value);
  ASSERT_EQ(cmd_.flag_count, 6u);
  const std::string letters = {cmd_.flags[0].letter, cmd_.flags[1].letter, cmd_.flags[2].letter,
                               cmd_.flags[3].letter, cmd_.flags[4].letter, cmd_.flags[5].letter};
  EXPECT_EQ(letters, "vtsOkc");
  EXPECT_EQ(cmd_.flags[3].token, "O123");
}

TEST_F(MetaParserTest, TokenFlagsDecoded) {
  ExpectOk("mg k T30 N-1 R5 q u\r\n", MetaOp::kGet);
  EXPECT_TRUE(cmd_.has_ttl);
  EXPECT_EQ(cmd_.ttl, 30);
  EXPECT_TRUE(cmd_.vivify);
  EXPECT_EQ(cmd_.vivify_ttl, -1);
  EXPECT_TRUE(cmd_.has_recache);
  EXPECT_EQ(cmd_.recache_ttl, 5);
  EXPECT_TRUE(cmd_.quiet);
  EXPECT_TRUE(cmd_.no_bump);
}

TEST_F(MetaParserTest, ArithFlags) {
  ExpectOk("ma k MD D10 J99 N0 C7 v\r\n", MetaOp::kArith);
  EXPECT_EQ(cmd_.mode, 'D');
  EXPECT_EQ(cmd_.delta, 10u);
  EXPECT_EQ(cmd_.initial, 99u);
  EXPECT_TRUE(cmd_.has_cas);
  EXPECT_EQ(cmd_.cas, 7u);
  ExpectOk("ma k\r\n", MetaOp::kArith);
  EXPECT_EQ(cmd_.delta, 1u);  // the default
  EXPECT_EQ(cmd_.mode, 0);
}

TEST_F(MetaParserTest, SetWithData) {
  ExpectOk("ms foo 5 F3 T60 MA I\r\nhello\r\n", MetaOp::kSet);
  EXPECT_EQ(cmd_.value, "hello");
  EXPECT_EQ(cmd_.client_flags, 3u);
  EXPECT_EQ(cmd_.ttl, 60);
  EXPECT_EQ(cmd_.mode, 'A');
  EXPECT_TRUE(cmd_.invalidate);
}

TEST_F(MetaParserTest, SetNeedsTheWholeBlock) {
  EXPECT_EQ(Parse("ms foo 5\r\nhel").status, ParseStatus::kNeedMore);
  EXPECT_EQ(Parse("ms foo 5\r\nhello\r").status, ParseStatus::kNeedMore);
  EXPECT_EQ(Parse("ms foo 5").status, ParseStatus::kNeedMore);
}

TEST_F(MetaParserTest, ByteAtATimeGivesTheSameCommand) {
  const std::string input = "ms key 3 T10 F2 k O9\r\nabc\r\n";
  for (size_t n = 0; n < input.size(); ++n) {
    EXPECT_EQ(Parse(std::string_view(input).substr(0, n)).status, ParseStatus::kNeedMore) << n;
  }
  ExpectOk(input, MetaOp::kSet);
  EXPECT_EQ(cmd_.value, "abc");
  EXPECT_EQ(cmd_.flag_count, 4u);
}

TEST_F(MetaParserTest, NoopIgnoresArguments) {
  ExpectOk("mn\r\n", MetaOp::kNoop);
  ExpectOk("mn foo bar\r\n", MetaOp::kNoop);
  ExpectOk("mn\n", MetaOp::kNoop);
}

TEST_F(MetaParserTest, MissingKey) {
  ExpectLineError("mg\r\n", kError);
  ExpectLineError("ms\r\n", kError);
  ExpectLineError("md\r\n", kError);
  ExpectLineError("ma\r\n", kError);
  ExpectLineError("me\r\n", kClientErrorBadFormat);  // me checks differently
  ExpectLineError("mx foo\r\n", kError);
}

TEST_F(MetaParserTest, KeyTooLong) {
  const std::string key(251, 'k');
  ExpectLineError("mg " + key + " v\r\n", kClientErrorBadFormat);
  ExpectLineError("md " + key + "\r\n", kClientErrorBadFormat);
  ExpectLineError("me " + key + "\r\n", kClientErrorBadFormat);
  ExpectOk("mg " + std::string(250, 'k') + " v\r\n", MetaOp::kGet);
}

TEST_F(MetaParserTest, TooManyFlags) {
  // 17 flags parse (then fail on the first bad letter), 18 are too many.
  ExpectLineError("mg k 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\r\n", kClientErrorInvalidFlag);
  ExpectLineError("mg k 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\r\n",
                  kClientErrorOptionsTooLongMg);
  ExpectLineError("md k 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\r\n",
                  kClientErrorOptionsTooLongMs);
}

TEST_F(MetaParserTest, FlagErrors) {
  ExpectLineError("mg k v v\r\n", kClientErrorDuplicateFlag);
  ExpectLineError("mg k x\r\n", kClientErrorInvalidFlag);
  ExpectLineError("mg k \xff\r\n", kClientErrorDuplicateFlag);  // bytes >= 127
  ExpectLineError("mg k Tabc\r\n", kClientErrorBadToken);
  ExpectLineError("mg k Fx\r\n", kClientErrorBadFormat);  // F keeps the text so far
  ExpectLineError("mg k Tx Fx\r\n", kClientErrorBadToken);
  ExpectLineError("mg k Tx !\r\n", kClientErrorInvalidFlag);  // stops at once
  ExpectLineError("mg k MAB\r\n", kClientErrorMTokenLength);
  ExpectLineError("ma k Dx\r\n", kClientErrorInvalidOrDuplicateFlag);
  ExpectLineError("ma k MX\r\n", kClientErrorInvalidMaMode);
  ExpectLineError("md k x\r\n", kClientErrorInvalidOrDuplicateFlag);
}

TEST_F(MetaParserTest, OpaqueTooLong) {
  const std::string opaque = "O" + std::string(32, '1');
  // md refuses at once; mg and ma report it while writing the reply.
  ExpectLineError("md k " + opaque + "\r\n", kClientErrorOpaqueTooLong);
  ExpectOk("mg k " + opaque + "\r\n", MetaOp::kGet);
  EXPECT_TRUE(cmd_.opaque_too_long);
  ExpectOk("mg k " + opaque.substr(0, 32) + "\r\n", MetaOp::kGet);
  EXPECT_FALSE(cmd_.opaque_too_long);
}

TEST_F(MetaParserTest, SetLineErrorsWithoutSwallow) {
  ExpectLineError("ms k\r\n", kClientErrorBadFormat);
  ExpectLineError("ms k abc\r\n", kClientErrorBadFormat);
  ExpectLineError("ms k -1\r\n", kClientErrorBadFormat);
}

TEST_F(MetaParserTest, SetFlagErrorsSwallowTheBlock) {
  // The whole block is present: consumed covers it.
  ExpectError("ms k 2 Tx\r\nab\r\n", kClientErrorBadToken, 15);
  ExpectError("ms k 2 MZ\r\nab\r\n", kClientErrorInvalidMsMode, 15);
  // Only part is present: the rest is swallowed later.
  ExpectError("ms k 10 x\r\nab", kClientErrorInvalidFlag, 13, 10);
  const std::string opaque = "O" + std::string(32, '1');
  ExpectError("ms k 1 " + opaque + " MZ\r\nx\r\n", kClientErrorInvalidMsMode, 48);
}

TEST_F(MetaParserTest, SetBadDataChunk) {
  ExpectError("ms k 2\r\nabcd\r\n", kClientErrorBadDataChunk, 12);
}

TEST_F(MetaParserTest, SetTooLarge) {
  options_.item_size_max = 10;
  const ParseResult r = Parse("ms k 20\r\n0123456789");
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_TRUE(cmd_.value_too_large);
  EXPECT_EQ(r.consumed, 19u);
  EXPECT_EQ(r.swallow, 12u);
}

TEST_F(MetaParserTest, Base64Key) {
  ExpectOk("mg Zm9v b k\r\n", MetaOp::kGet);
  EXPECT_EQ(cmd_.key, "foo");
  EXPECT_TRUE(cmd_.base64);
  ExpectLineError("mg !!!! b\r\n", kClientErrorErrorDecodingKey);
  ExpectLineError("md !!!! b\r\n", kClientErrorInvalidOrDuplicateFlag);
  ExpectLineError("me !!!! b\r\n", kClientErrorBadFormat);
  ExpectOk("me Zm9v b\r\n", MetaOp::kDebug);
  EXPECT_EQ(cmd_.key, "foo");
  ExpectOk("me Zm9v bb\r\n", MetaOp::kDebug);  // only an exact "b" decodes
  EXPECT_EQ(cmd_.key, "Zm9v");
}

TEST_F(MetaParserTest, LongLineWithoutNewlineCloses) {
  const std::string line = "mg " + std::string(3000, 'k');
  const ParseResult r = Parse(line);
  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_TRUE(r.close_connection);
}

TEST(Base64Test, DecodesLikeMemcached) {
  std::string out;
  EXPECT_TRUE(Base64Decode("Zm9vYmFy", &out));
  EXPECT_EQ(out, "foobar");
  EXPECT_TRUE(Base64Decode("Zm8=", &out));
  EXPECT_EQ(out, "fo");
  EXPECT_TRUE(Base64Decode("Zg==", &out));
  EXPECT_EQ(out, "f");
  EXPECT_TRUE(Base64Decode("Zm.9v", &out));  // foreign bytes are skipped
  EXPECT_EQ(out, "foo");
  EXPECT_TRUE(Base64Decode("AAAA", &out));
  EXPECT_EQ(out, std::string(3, '\0'));
  EXPECT_FALSE(Base64Decode("Zm9", &out));
  EXPECT_FALSE(Base64Decode("!!!!", &out));
  EXPECT_FALSE(Base64Decode("A===", &out));
  EXPECT_FALSE(Base64Decode("", &out));
}

TEST(Base64Test, EncodesWithPadding) {
  for (const auto& [in, want] : {std::pair{"f"sv, "Zg=="sv}, {"fo"sv, "Zm8="sv},
                                 {"foo"sv, "Zm9v"sv}, {"\x00\x01\x02\x03\x04"sv, "AAECAwQ="sv}}) {
    std::string out;
    Base64Encode(in, &out);
    EXPECT_EQ(out, want);
    std::string back;
    EXPECT_TRUE(Base64Decode(out, &back));
    EXPECT_EQ(back, in);
  }
}

// Parsing into a Command lifts the meta fields and sets meta's policy.
TEST(MetaCommandLiftTest, ParseMetaLineFillsTheCommand) {
  const std::string_view input = "ms k 2 T30 F5 C7 MA q\r\nhi\r\n";
  const std::optional<Line> line = FindLine(input);
  ASSERT_TRUE(line.has_value());
  Command cmd;
  const ParseResult r = ParseMetaLine(input, *line, MetaParserOptions{}, &cmd);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, input.size());
  EXPECT_EQ(cmd.op, Op::kMetaSet);
  EXPECT_EQ(cmd.protocol, Protocol::kMeta);
  EXPECT_EQ(cmd.key, "k");
  EXPECT_EQ(cmd.value, "hi");
  EXPECT_EQ(cmd.exptime, 30);
  EXPECT_EQ(cmd.client_flags, 5u);
  EXPECT_EQ(cmd.cas_unique, 7u);
  EXPECT_EQ(cmd.meta.mode, 'A');
  EXPECT_TRUE(cmd.meta.quiet);
  EXPECT_TRUE(cmd.policy.drop_old_when_too_large);
  EXPECT_FALSE(cmd.policy.prefix_stats);
}

}  // namespace
}  // namespace tandem::protocol
