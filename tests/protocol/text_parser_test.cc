// Tests for ParseTextCommand. Every expectation about an error, what it
// consumes and whether noreply hides it was first observed on memcached
// 1.6.18 with the same bytes (the replies it sent are quoted in comments
// where they are not obvious).
#include "protocol/text_parser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/error_strings.h"

namespace tandem::protocol {
namespace {

using namespace std::string_view_literals;

class TextParserTest : public ::testing::Test {
 protected:
  ParseResult Parse(std::string_view input) {
    return ParseTextCommand(input, options_, &cmd_);
  }

  // Parses `input`, which must be exactly one complete request.
  void ExpectOk(std::string_view input, Op op) {
    SCOPED_TRACE(std::string(input.substr(0, 80)));
    const ParseResult r = Parse(input);
    ASSERT_EQ(r.status, ParseStatus::kOk);
    EXPECT_EQ(r.consumed, input.size());
    EXPECT_EQ(r.swallow, 0u);
    EXPECT_EQ(cmd_.op, op);
  }

  // Parses `input` and expects `error_line` after `consumed` bytes.
  void ExpectError(std::string_view input, std::string_view error_line,
                   size_t consumed, bool noreply = false) {
    SCOPED_TRACE(std::string(input.substr(0, 80)));
    const ParseResult r = Parse(input);
    ASSERT_EQ(r.status, ParseStatus::kError);
    EXPECT_EQ(r.error_line, error_line);
    EXPECT_EQ(r.consumed, consumed);
    EXPECT_EQ(r.swallow, 0u);
    EXPECT_FALSE(r.close_connection);
    EXPECT_EQ(cmd_.noreply, noreply);
  }

  // An error that consumes exactly the one line given.
  void ExpectLineError(std::string_view line, std::string_view error_line,
                       bool noreply = false) {
    ExpectError(line, error_line, line.size(), noreply);
  }

  void ExpectClose(std::string_view input) {
    SCOPED_TRACE(std::string(input.substr(0, 80)));
    const ParseResult r = Parse(input);
    ASSERT_EQ(r.status, ParseStatus::kError);
    EXPECT_TRUE(r.close_connection);
    EXPECT_TRUE(r.error_line.empty());
  }

  void ExpectNeedMore(std::string_view input) {
    SCOPED_TRACE(std::string(input.substr(0, 80)));
    EXPECT_EQ(Parse(input).status, ParseStatus::kNeedMore);
  }

  TextParserOptions options_;
  Command cmd_;
};

// ===========================================================================
// Retrieval
// ===========================================================================

TEST_F(TextParserTest, GetOneKey) {
  ExpectOk("get foo\r\n", Op::kGet);
  ASSERT_EQ(cmd_.keys.size(), 1u);
  EXPECT_EQ(cmd_.keys[0], "foo");
  EXPECT_FALSE(cmd_.noreply);
}

TEST_F(TextParserTest, GetKeysPointIntoInput) {
  const std::string input = "get a bb ccc\r\n";
  ExpectOk(input, Op::kGet);
  ASSERT_EQ(cmd_.keys.size(), 3u);
  EXPECT_EQ(cmd_.keys[0].data(), input.data() + 4);
  EXPECT_EQ(cmd_.keys[2], "ccc");
}

TEST_F(TextParserTest, GetToleratesExtraSpacesAndBareNewline) {
  ExpectOk("  get  k  \r\n", Op::kGet);
  ASSERT_EQ(cmd_.keys.size(), 1u);
  EXPECT_EQ(cmd_.keys[0], "k");
  ExpectOk("get k\n", Op::kGet);
  EXPECT_EQ(cmd_.keys[0], "k");
}

TEST_F(TextParserTest, TabIsPartOfTheKey) {
  ExpectOk("get a\tb\r\n", Op::kGet);
  ASSERT_EQ(cmd_.keys.size(), 1u);
  EXPECT_EQ(cmd_.keys[0], "a\tb");
  // ...and of the command name: "get\tk" is one unknown word.
  ExpectLineError("get\tk\r\n", kError);
}

TEST_F(TextParserTest, GetsGatGats) {
  ExpectOk("gets a b\r\n", Op::kGets);
  EXPECT_EQ(cmd_.keys.size(), 2u);
  ExpectOk("gat 100 a b\r\n", Op::kGat);
  EXPECT_EQ(cmd_.exptime, 100);
  ASSERT_EQ(cmd_.keys.size(), 2u);
  EXPECT_EQ(cmd_.keys[0], "a");
  ExpectOk("gats -1 a\r\n", Op::kGats);
  EXPECT_EQ(cmd_.exptime, -1);
  EXPECT_EQ(cmd_.keys.size(), 1u);
}

TEST_F(TextParserTest, GatWithoutKeysIsAnEmptyGet) {
  // memcached answers "gat 10" with END.
  ExpectOk("gat 10\r\n", Op::kGat);
  EXPECT_TRUE(cmd_.keys.empty());
}

TEST_F(TextParserTest, GatBadExptime) {
  ExpectLineError("gat abc k\r\n", kClientErrorInvalidExptime);
  ExpectLineError("gats 1x k\r\n", kClientErrorInvalidExptime);
}

TEST_F(TextParserTest, BgetIsGet) {
  ExpectOk("bget k\r\n", Op::kGet);
  EXPECT_EQ(cmd_.keys.size(), 1u);
}

TEST_F(TextParserTest, GetHasNoNoreply) {
  ExpectOk("get k noreply\r\n", Op::kGet);
  EXPECT_FALSE(cmd_.noreply);
  ASSERT_EQ(cmd_.keys.size(), 2u);
  EXPECT_EQ(cmd_.keys[1], "noreply");
}

TEST_F(TextParserTest, GetWithoutKeysIsError) {
  ExpectLineError("get\r\n", kError);
  ExpectLineError("get \r\n", kError);
  ExpectLineError("gets\r\n", kError);
  ExpectLineError("gat\r\n", kError);
}

TEST_F(TextParserTest, KeyLengthLimit) {
  const std::string ok_key(250, 'a');
  ExpectOk("get " + ok_key + "\r\n", Op::kGet);
  EXPECT_EQ(cmd_.keys[0].size(), 250u);
  const std::string long_key(251, 'a');
  // One long key fails the whole request: "get k <251>" is just the error.
  ExpectLineError("get k " + long_key + " z\r\n", kClientErrorBadFormat);
  ExpectLineError("gat 1 " + long_key + "\r\n", kClientErrorBadFormat);
}

TEST_F(TextParserTest, GetWithThousandsOfKeys) {
  std::string input = "get";
  for (int i = 0; i < 5000; ++i) input += " key" + std::to_string(i);
  input += "\r\n";
  ExpectOk(input, Op::kGet);
  ASSERT_EQ(cmd_.keys.size(), 5000u);
  EXPECT_EQ(cmd_.keys[22], "key22");  // around memcached's 23-token window
  EXPECT_EQ(cmd_.keys[23], "key23");
  EXPECT_EQ(cmd_.keys[4999], "key4999");
}

TEST_F(TextParserTest, LongKeyPastTheFirstTokenWindowStillFails) {
  std::string input = "get";
  for (int i = 0; i < 40; ++i) input += " k" + std::to_string(i);
  input += " " + std::string(251, 'x') + "\r\n";
  ExpectLineError(input, kClientErrorBadFormat);
}

// ===========================================================================
// Storage
// ===========================================================================

TEST_F(TextParserTest, SetFields) {
  ExpectOk("set foo 42 3600 5\r\nhello\r\n", Op::kSet);
  EXPECT_EQ(cmd_.key, "foo");
  EXPECT_EQ(cmd_.client_flags, 42u);
  EXPECT_EQ(cmd_.exptime, 3600);
  EXPECT_EQ(cmd_.value, "hello");
  EXPECT_FALSE(cmd_.noreply);
  EXPECT_FALSE(cmd_.value_too_large);
}

TEST_F(TextParserTest, EveryStorageCommand) {
  ExpectOk("add k 0 0 1\r\na\r\n", Op::kAdd);
  ExpectOk("replace k 0 0 1\r\na\r\n", Op::kReplace);
  ExpectOk("append k 0 0 1\r\na\r\n", Op::kAppend);
  ExpectOk("prepend k 0 0 1\r\na\r\n", Op::kPrepend);
  ExpectOk("cas k 1 2 1 99\r\na\r\n", Op::kCas);
  EXPECT_EQ(cmd_.cas_unique, 99u);
  EXPECT_EQ(cmd_.client_flags, 1u);
  EXPECT_EQ(cmd_.exptime, 2);
  EXPECT_EQ(cmd_.value, "a");
}

TEST_F(TextParserTest, ValueMayContainCrLfAndBeEmpty) {
  ExpectOk("set k 0 0 4\r\na\r\nb\r\n", Op::kSet);
  EXPECT_EQ(cmd_.value, "a\r\nb");
  ExpectOk("set k 0 0 0\r\n\r\n", Op::kSet);
  EXPECT_TRUE(cmd_.value.empty());
}

TEST_F(TextParserTest, StorageLineWithBareNewline) {
  ExpectOk("set k 0 0 5\nhello\r\n", Op::kSet);
  EXPECT_EQ(cmd_.value, "hello");
}

TEST_F(TextParserTest, StorageNoreply) {
  ExpectOk("set k 0 0 1 noreply\r\nx\r\n", Op::kSet);
  EXPECT_TRUE(cmd_.noreply);
  ExpectOk("cas k 0 0 1 5 noreply\r\nx\r\n", Op::kCas);
  EXPECT_TRUE(cmd_.noreply);
  EXPECT_EQ(cmd_.cas_unique, 5u);
  // Only the exact lower-case word counts, and only as the last token; any
  // other sixth token is ignored ("set k 0 0 5 foo" is STORED).
  ExpectOk("set k 0 0 1 NOREPLY\r\nx\r\n", Op::kSet);
  EXPECT_FALSE(cmd_.noreply);
  ExpectOk("set k 0 0 1 foo\r\nx\r\n", Op::kSet);
  EXPECT_FALSE(cmd_.noreply);
  ExpectOk("set k 0 0 1 noreply \r\nx\r\n", Op::kSet);
  EXPECT_TRUE(cmd_.noreply);
}

TEST_F(TextParserTest, StorageWrongTokenCountIsError) {
  ExpectLineError("set k 0 0\r\n", kError);
  ExpectLineError("set k 0 0 5 noreply extra\r\n", kError);
  ExpectLineError("cas k 0 0 1\r\n", kError);
  ExpectLineError("cas k 0 0 1 1 2 3\r\n", kError);
  ExpectLineError("set\r\n", kError);
  // More than memcached's 23 tokens.
  ExpectLineError(
      "set k 0 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\r\n", kError);
}

TEST_F(TextParserTest, StorageBadNumbersConsumeOnlyTheLine) {
  // memcached then reads the data block as a command ("ERROR").
  const std::string_view line = "set k abc 0 5\r\n";
  ExpectError("set k abc 0 5\r\nhello\r\n", kClientErrorBadFormat,
              line.size());
  ExpectLineError("set k -1 0 1\r\n", kClientErrorBadFormat);
  ExpectLineError("set k 1a 0 1\r\n", kClientErrorBadFormat);
  ExpectLineError("set k 0x1 0 1\r\n", kClientErrorBadFormat);
  ExpectLineError("set k 18446744073709551616 0 1\r\n", kClientErrorBadFormat);
  ExpectLineError("set k 0 x 1\r\n", kClientErrorBadFormat);
  ExpectLineError("set k 0 0 x\r\n", kClientErrorBadFormat);
  ExpectLineError("set k 0 0 -1\r\n", kClientErrorBadFormat);
  ExpectLineError("set k 0 \t 1\r\n", kClientErrorBadFormat);
  // Lengths memcached refuses: above INT_MAX - 2.
  ExpectLineError("set k 0 0 2147483646\r\n", kClientErrorBadFormat);
  ExpectLineError("set k 0 0 2147483647\r\n", kClientErrorBadFormat);
  ExpectLineError("set k 0 0 2147483648\r\n", kClientErrorBadFormat);
  ExpectLineError("cas k 0 0 1 abc\r\n", kClientErrorBadFormat);
  ExpectLineError("cas k 0 0 1 -1\r\n", kClientErrorBadFormat);
  ExpectLineError("cas k 0 0 1 18446744073709551616\r\n",
                  kClientErrorBadFormat);
}

TEST_F(TextParserTest, StorageErrorsHiddenByNoreply) {
  // "set k abc 0 5 noreply\r\nhello\r\n" gets only the ERROR for "hello".
  ExpectLineError("set k abc 0 5 noreply\r\n", kClientErrorBadFormat,
                  /*noreply=*/true);
  ExpectLineError("set k 0 0 -1 noreply\r\n", kClientErrorBadFormat, true);
  // "cas k 0 0 1 noreply": the cas token is "noreply" and is not a number.
  ExpectLineError("cas k 0 0 1 noreply\r\n", kClientErrorBadFormat, true);
}

TEST_F(TextParserTest, StorageKeyTooLong) {
  const std::string line = "set " + std::string(251, 'a') + " 0 0 5\r\n";
  ExpectError(line + "hello\r\n", kClientErrorBadFormat, line.size());
  const std::string quiet =
      "set " + std::string(251, 'a') + " 0 0 5 noreply\r\n";
  ExpectLineError(quiet, kClientErrorBadFormat, true);
  ExpectOk("set " + std::string(250, 'a') + " 0 0 1\r\nx\r\n", Op::kSet);
}

TEST_F(TextParserTest, StorageNumbersFollowMemcachedConversions) {
  // Flags wrap to 32 bits, exptime and length to int32, as memcached's
  // safe_strtoul/safe_strtol store them (all of these were STORED).
  ExpectOk("set k 4294967296 0 1\r\nx\r\n", Op::kSet);
  EXPECT_EQ(cmd_.client_flags, 0u);
  ExpectOk("set k -18446744073709551615 0 1\r\nx\r\n", Op::kSet);
  EXPECT_EQ(cmd_.client_flags, 1u);
  ExpectOk("set k +5 0 1\r\nx\r\n", Op::kSet);
  EXPECT_EQ(cmd_.client_flags, 5u);
  ExpectOk("set k -0 0 1\r\nx\r\n", Op::kSet);
  ExpectOk("set k 0 2147483648 1\r\nx\r\n", Op::kSet);
  EXPECT_EQ(cmd_.exptime, INT32_MIN);
  ExpectOk("set k 0 -1 1\r\nx\r\n", Op::kSet);
  EXPECT_EQ(cmd_.exptime, -1);
  ExpectOk("set k 0 0 4294967297\r\nx\r\n", Op::kSet);
  EXPECT_EQ(cmd_.value, "x");
  ExpectOk("set k 0 0 +1\r\nx\r\n", Op::kSet);
  ExpectOk("cas k 0 0 1 18446744073709551615\r\nx\r\n", Op::kCas);
  EXPECT_EQ(cmd_.cas_unique, UINT64_MAX);
}

TEST_F(TextParserTest, WhitespaceAfterANumberEndsIt) {
  // strtol stops at whitespace and memcached accepts that.
  ExpectOk("set k 0 0 1\r\r\nx\r\n", Op::kSet);
  ExpectOk("set k 0 0 1\t\r\nx\r\n", Op::kSet);
  ExpectOk("set k 0 0 1\tabc\r\nx\r\n", Op::kSet);
  ExpectOk("set k 0 0 \t1\r\nx\r\n", Op::kSet);
  ExpectOk("set  k  0  0  1\r\nx\r\n", Op::kSet);
}

TEST_F(TextParserTest, BadDataChunkConsumesTheDeclaredBlock) {
  // memcached reads exactly length + 2 bytes, then checks for "\r\n".
  const std::string_view line = "set k 0 0 5\r\n";
  ExpectError("set k 0 0 5\r\nhelloXX\r\nget k\r\n", kClientErrorBadDataChunk,
              line.size() + 7);
  ExpectError("set k 0 0 5\r\nhello\nget k\r\n", kClientErrorBadDataChunk,
              line.size() + 7);
  ExpectError("set k 0 0 1\r\n\r\n\r\n", kClientErrorBadDataChunk,
              std::string_view("set k 0 0 1\r\n").size() + 3);
  // Not enough bytes for the block yet: wait, even if it is already wrong.
  ExpectNeedMore("set k 0 0 5\r\nhelloX");
  ExpectError("set k 0 0 5 noreply\r\nhelloXX", kClientErrorBadDataChunk,
              std::string_view("set k 0 0 5 noreply\r\n").size() + 7, true);
}

TEST_F(TextParserTest, ValueTooLargeSwallowsTheBlock) {
  options_.item_size_max = 10;
  const std::string_view line = "set k 0 0 20\r\n";
  // Nothing of the data present yet.
  ParseResult r = Parse(line);
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_TRUE(cmd_.value_too_large);
  EXPECT_EQ(cmd_.op, Op::kSet);
  EXPECT_EQ(cmd_.key, "k");
  EXPECT_EQ(r.consumed, line.size());
  EXPECT_EQ(r.swallow, 22u);
  // Part of it present.
  r = Parse(std::string(line) + "0123456789");
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, line.size() + 10);
  EXPECT_EQ(r.swallow, 12u);
  // All of it and the next command present: stop at the block's end, and
  // do not check its terminator (memcached just discards the bytes).
  r = Parse(std::string(line) + std::string(20, 'x') + "XYversion\r\n");
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_EQ(r.consumed, line.size() + 22);
  EXPECT_EQ(r.swallow, 0u);
  EXPECT_TRUE(cmd_.value.empty());
}

TEST_F(TextParserTest, ValueTooLargeKeepsNoreplyAndExactLimit) {
  options_.item_size_max = 10;
  ParseResult r = Parse("add k 0 0 11 noreply\r\n");
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_TRUE(cmd_.value_too_large);
  EXPECT_TRUE(cmd_.noreply);
  EXPECT_EQ(r.swallow, 13u);
  // A length equal to the limit is parsed normally.
  ExpectOk("set k 0 0 10\r\n0123456789\r\n", Op::kSet);
  EXPECT_FALSE(cmd_.value_too_large);
}

TEST_F(TextParserTest, DefaultItemSizeMaxIsOneMegabyte) {
  ParseResult r = Parse("set k 0 0 2000000\r\n");
  ASSERT_EQ(r.status, ParseStatus::kOk);
  EXPECT_TRUE(cmd_.value_too_large);
  EXPECT_EQ(r.swallow, 2000002u);
}

// ===========================================================================
// Arithmetic, touch, delete
// ===========================================================================

TEST_F(TextParserTest, IncrDecr) {
  ExpectOk("incr k 5\r\n", Op::kIncr);
  EXPECT_EQ(cmd_.key, "k");
  EXPECT_EQ(cmd_.delta, 5u);
  ExpectOk("decr k 18446744073709551615 noreply\r\n", Op::kDecr);
  EXPECT_EQ(cmd_.delta, UINT64_MAX);
  EXPECT_TRUE(cmd_.noreply);
  // A fourth token that is not "noreply" is ignored.
  ExpectOk("incr k 1 2\r\n", Op::kIncr);
  EXPECT_FALSE(cmd_.noreply);
  ExpectOk("incr k -0\r\n", Op::kIncr);
  EXPECT_EQ(cmd_.delta, 0u);
}

TEST_F(TextParserTest, IncrErrors) {
  ExpectLineError("incr k abc\r\n", kClientErrorInvalidDelta);
  ExpectLineError("incr k -1\r\n", kClientErrorInvalidDelta);
  ExpectLineError("decr k 18446744073709551616\r\n", kClientErrorInvalidDelta);
  ExpectLineError("incr k abc noreply\r\n", kClientErrorInvalidDelta, true);
  ExpectLineError("incr k\r\n", kError);
  ExpectLineError("incr k 1 2 3\r\n", kError);
  ExpectLineError("incr " + std::string(251, 'a') + " 1\r\n",
                  kClientErrorBadFormat);
}

TEST_F(TextParserTest, Touch) {
  ExpectOk("touch k 10\r\n", Op::kTouch);
  EXPECT_EQ(cmd_.key, "k");
  EXPECT_EQ(cmd_.exptime, 10);
  ExpectOk("touch k 10 noreply\r\n", Op::kTouch);
  EXPECT_TRUE(cmd_.noreply);
  ExpectLineError("touch k abc\r\n", kClientErrorInvalidExptime);
  ExpectLineError("touch k abc noreply\r\n", kClientErrorInvalidExptime, true);
  ExpectLineError("touch k\r\n", kError);
  ExpectLineError("touch " + std::string(251, 'a') + " 1\r\n",
                  kClientErrorBadFormat);
}

TEST_F(TextParserTest, DeleteForms) {
  ExpectOk("delete k\r\n", Op::kDelete);
  EXPECT_EQ(cmd_.key, "k");
  EXPECT_FALSE(cmd_.noreply);
  ExpectOk("delete k 0\r\n", Op::kDelete);
  EXPECT_FALSE(cmd_.noreply);
  ExpectOk("delete k noreply\r\n", Op::kDelete);
  EXPECT_TRUE(cmd_.noreply);
  ExpectOk("delete k 0 noreply\r\n", Op::kDelete);
  EXPECT_TRUE(cmd_.noreply);
}

TEST_F(TextParserTest, DeleteWithHoldTime) {
  ExpectLineError("delete k 5\r\n", kClientErrorDeleteUsage);
  ExpectLineError("delete k 00\r\n", kClientErrorDeleteUsage);
  ExpectLineError("delete k noreply 0\r\n", kClientErrorDeleteUsage);
  ExpectLineError("delete k 5 noreply\r\n", kClientErrorDeleteUsage, true);
  EXPECT_EQ(kClientErrorDeleteUsage,
            "CLIENT_ERROR bad command line format.  Usage: delete <key> "
            "[noreply]");
}

TEST_F(TextParserTest, DeleteErrors) {
  ExpectLineError("delete\r\n", kError);
  ExpectLineError("delete k x y z\r\n", kError);
  ExpectLineError("delete " + std::string(251, 'a') + "\r\n",
                  kClientErrorBadFormat);
  ExpectLineError("delete " + std::string(251, 'a') + " noreply\r\n",
                  kClientErrorBadFormat, true);
  // The usage check comes before the key check.
  ExpectLineError("delete " + std::string(251, 'a') + " 5\r\n",
                  kClientErrorDeleteUsage);
}

// ===========================================================================
// Administrative commands
// ===========================================================================

TEST_F(TextParserTest, FlushAll) {
  ExpectOk("flush_all\r\n", Op::kFlushAll);
  EXPECT_FALSE(cmd_.has_number);
  EXPECT_FALSE(cmd_.noreply);
  ExpectOk("flush_all noreply\r\n", Op::kFlushAll);
  EXPECT_FALSE(cmd_.has_number);
  EXPECT_TRUE(cmd_.noreply);
  ExpectOk("flush_all 10\r\n", Op::kFlushAll);
  EXPECT_TRUE(cmd_.has_number);
  EXPECT_EQ(cmd_.number, 10);
  ExpectOk("flush_all 0 noreply\r\n", Op::kFlushAll);
  EXPECT_TRUE(cmd_.has_number);
  EXPECT_EQ(cmd_.number, 0);
  EXPECT_TRUE(cmd_.noreply);
  ExpectOk("flush_all -1\r\n", Op::kFlushAll);
  EXPECT_EQ(cmd_.number, -1);
  ExpectOk("flush_all 0 0\r\n", Op::kFlushAll);
}

TEST_F(TextParserTest, FlushAllErrors) {
  ExpectLineError("flush_all abc\r\n", kClientErrorInvalidExptime);
  ExpectLineError("flush_all noreply 10\r\n", kClientErrorInvalidExptime);
  ExpectLineError("flush_all abc noreply\r\n", kClientErrorInvalidExptime,
                  true);
  ExpectLineError("flush_all 1 2 3\r\n", kError);
}

TEST_F(TextParserTest, VersionAndQuitIgnoreArguments) {
  ExpectOk("version\r\n", Op::kVersion);
  ExpectOk("version x y\r\n", Op::kVersion);
  ExpectOk("quit\r\n", Op::kQuit);
  ExpectOk("quit extra\r\n", Op::kQuit);
}

TEST_F(TextParserTest, Verbosity) {
  ExpectOk("verbosity 1\r\n", Op::kVerbosity);
  EXPECT_EQ(cmd_.number, 1);
  ExpectOk("verbosity 1 noreply\r\n", Op::kVerbosity);
  EXPECT_TRUE(cmd_.noreply);
  ExpectOk("verbosity 1 2\r\n", Op::kVerbosity);
  EXPECT_FALSE(cmd_.noreply);
  ExpectLineError("verbosity\r\n", kError);
  ExpectLineError("verbosity 1 2 3\r\n", kError);
  ExpectLineError("verbosity abc\r\n", kClientErrorBadFormat);
  ExpectLineError("verbosity -1\r\n", kClientErrorBadFormat);
  // "verbosity noreply": the level is "noreply", silently refused.
  ExpectLineError("verbosity noreply\r\n", kClientErrorBadFormat, true);
}

TEST_F(TextParserTest, CacheMemlimit) {
  ExpectOk("cache_memlimit 100\r\n", Op::kCacheMemlimit);
  EXPECT_EQ(cmd_.number, 100);
  ExpectOk("cache_memlimit 64 noreply\r\n", Op::kCacheMemlimit);
  EXPECT_TRUE(cmd_.noreply);
  // Range checks (MEMLIMIT_TOO_SMALL ...) are the executor's.
  ExpectOk("cache_memlimit 4\r\n", Op::kCacheMemlimit);
  EXPECT_EQ(cmd_.number, 4);
  ExpectLineError("cache_memlimit\r\n", kError);
  ExpectLineError("cache_memlimit abc\r\n", kError);
  ExpectLineError("cache_memlimit abc noreply\r\n", kError, true);
}

TEST_F(TextParserTest, StatsArgs) {
  ExpectOk("stats\r\n", Op::kStats);
  EXPECT_TRUE(cmd_.args.empty());
  ExpectOk("stats   detail   on  \r\n", Op::kStats);
  EXPECT_EQ(cmd_.args, "detail   on");
  ExpectOk("stats slabs\r\n", Op::kStats);
  EXPECT_EQ(cmd_.args, "slabs");
}

TEST_F(TextParserTest, ShutdownArgs) {
  ExpectOk("shutdown\r\n", Op::kShutdown);
  EXPECT_TRUE(cmd_.args.empty());
  ExpectOk("shutdown   \r\n", Op::kShutdown);
  EXPECT_TRUE(cmd_.args.empty());
  ExpectOk("shutdown graceful\r\n", Op::kShutdown);
  EXPECT_EQ(cmd_.args, "graceful");
}

// ===========================================================================
// Unknown and malformed lines
// ===========================================================================

TEST_F(TextParserTest, UnknownCommands) {
  ExpectLineError("foo\r\n", kError);
  ExpectLineError("GET k\r\n", kError);
  ExpectLineError("gxx k\r\n", kError);
  ExpectLineError("x\r\n", kError);
  ExpectLineError("ab\r\n", kError);
  ExpectLineError("g\r\n", kError);
}

TEST_F(TextParserTest, EmptyLines) {
  ExpectLineError("\r\n", kError);
  ExpectLineError("\n", kError);
  ExpectLineError("   \r\n", kError);
}

TEST_F(TextParserTest, NulEndsTheCommand) {
  ExpectOk("get k\0junk\r\n"sv, Op::kGet);
  ASSERT_EQ(cmd_.keys.size(), 1u);
  EXPECT_EQ(cmd_.keys[0], "k");
}

TEST_F(TextParserTest, HttpRequestClosesTheConnection) {
  ExpectClose("GET / HTTP/1.1\r\n");
  ExpectClose("foo bar HTTP/1.0\r\n");
  ExpectClose("POST /x HTTP/1.1\r\n");
  // Words memcached routes by first letter never reach the HTTP probe.
  ExpectLineError("gxx / HTTP/1.1\r\n", kError);
  ExpectLineError("sxx / HTTP/1.1\r\n", kError);
  // Only the 23rd token is looked at once the line has more.
  ExpectClose(
      "foo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 HTTP/1 24 "
      "25\r\n");
  ExpectLineError(
      "foo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 HTTP/1 "
      "25\r\n",
      kError);
}

TEST_F(TextParserTest, MetaCommandsAreNotTextCommands) {
  // mg/ms/md/ma/me belong to the meta parser; an HTTP-looking meta line is
  // still a plain ERROR, never a hang-up.
  ExpectLineError("mg k v HTTP/1.1\r\n", kError);
}

TEST_F(TextParserTest, MetaNoopIsAcceptedOnTheTextPort) {
  // memcached answers "mn" with "MN" whichever protocol a client speaks.
  ExpectOk("mn\r\n", Op::kMetaNoop);
}

// ===========================================================================
// Incomplete and over-long lines
// ===========================================================================

TEST_F(TextParserTest, IncompleteLineNeedsMore) {
  ExpectNeedMore("");
  ExpectNeedMore("get k");
  ExpectNeedMore("get k\r");
  ExpectNeedMore(std::string(2048, 'x'));
}

TEST_F(TextParserTest, OverlongLineClosesUnlessMultiGet) {
  ExpectClose(std::string(2049, 'x'));
  ExpectClose("set " + std::string(3000, 'a'));
  // Only "get " and "gets " may keep growing, not gat/gats.
  ExpectNeedMore("get " + std::string(3000, 'a'));
  ExpectNeedMore("gets " + std::string(3000, 'a'));
  ExpectClose("gat 0 " + std::string(3000, 'a'));
  ExpectClose("get\t" + std::string(3000, 'a'));
  // Up to 100 leading spaces are skipped.
  ExpectNeedMore(std::string(100, ' ') + "get " + std::string(3000, 'a'));
  ExpectClose(std::string(101, ' ') + "get " + std::string(3000, 'a'));
}

TEST_F(TextParserTest, LongLineWithNewlineIsParsed) {
  // memcached only hangs up when no newline has arrived yet.
  const std::string line = "set " + std::string(3000, 'a') + " 0 0 1\r\n";
  ExpectError(line + "x\r\n", kClientErrorBadFormat, line.size());
}

// ===========================================================================
// Incremental and pipelined input
// ===========================================================================

const std::vector<std::string>& ValidRequests() {
  static const auto* requests = new std::vector<std::string>{
      "get k\r\n",
      "get a b c\n",
      "gets a b\r\n",
      "gat 10 k\r\n",
      "gats 10 k\r\n",
      "set k 1 2 5\r\nhello\r\n",
      "set k 0 0 4\r\na\r\nb\r\n",
      "set k 0 0 0\r\n\r\n",
      "add k 0 0 1 noreply\r\nx\r\n",
      "replace k 0 0 1\r\nx\r\n",
      "append k 0 0 1\r\nx\r\n",
      "prepend k 0 0 1\r\nx\r\n",
      "cas k 0 0 1 7\r\nx\r\n",
      "incr k 1\r\n",
      "decr k 1 noreply\r\n",
      "delete k\r\n",
      "delete k 0 noreply\r\n",
      "touch k 5\r\n",
      "flush_all 5\r\n",
      "version\r\n",
      "verbosity 1\r\n",
      "quit\r\n",
      "shutdown graceful\r\n",
      "cache_memlimit 64\r\n",
      "stats items\r\n",
  };
  return *requests;
}

TEST_F(TextParserTest, EveryPrefixNeedsMore) {
  for (const std::string& request : ValidRequests()) {
    for (size_t n = 0; n < request.size(); ++n) {
      SCOPED_TRACE(request.substr(0, n));
      ASSERT_EQ(Parse(std::string_view(request).substr(0, n)).status,
                ParseStatus::kNeedMore);
    }
    const ParseResult r = Parse(request);
    ASSERT_EQ(r.status, ParseStatus::kOk) << request;
    EXPECT_EQ(r.consumed, request.size()) << request;
  }
}

TEST_F(TextParserTest, ByteAtATimeFeedingLikeAConnection) {
  std::string stream;
  for (const std::string& request : ValidRequests()) stream += request;
  std::string buffer;
  std::vector<Op> ops;
  for (char c : stream) {
    buffer.push_back(c);
    const ParseResult r = Parse(buffer);
    if (r.status == ParseStatus::kNeedMore) continue;
    ASSERT_EQ(r.status, ParseStatus::kOk) << buffer;
    ops.push_back(cmd_.op);
    buffer.erase(0, r.consumed);
  }
  EXPECT_TRUE(buffer.empty());
  ASSERT_EQ(ops.size(), ValidRequests().size());
  EXPECT_EQ(ops.front(), Op::kGet);
  EXPECT_EQ(ops.back(), Op::kStats);
}

TEST_F(TextParserTest, PipelinedRequestsAdvanceByConsumed) {
  const std::string stream =
      "set k 0 0 5\r\nhello\r\n"
      "get k\r\n"
      "incr n 3\r\n"
      "delete k noreply\r\n"
      "version\r\n";
  std::string_view rest = stream;
  std::vector<Op> ops;
  while (!rest.empty()) {
    const ParseResult r = Parse(rest);
    ASSERT_EQ(r.status, ParseStatus::kOk);
    ops.push_back(cmd_.op);
    if (cmd_.op == Op::kSet) {
      EXPECT_EQ(cmd_.value, "hello");
    }
    rest.remove_prefix(r.consumed);
  }
  EXPECT_EQ(ops, (std::vector<Op>{Op::kSet, Op::kGet, Op::kIncr, Op::kDelete,
                                  Op::kVersion}));
}

// The reply stream memcached sent for a pipeline with errors in it.
TEST_F(TextParserTest, PipelinedErrorsMatchMemcachedReplies) {
  struct Case {
    std::string input;
    std::vector<std::string_view> errors;  // "" marks an kOk request
  };
  const std::vector<Case> cases = {
      // CLIENT_ERROR bad data chunk\r\nERROR\r\nVALUE ...END
      {"set k 0 0 5\r\nhelloXX\r\nget k\r\n",
       {kClientErrorBadDataChunk, kError, ""}},
      // CLIENT_ERROR bad data chunk\r\nERROR\r\n ("et k" is a command)
      {"set k 0 0 5\r\nhello\nget k\r\n", {kClientErrorBadDataChunk, kError}},
      // CLIENT_ERROR bad command line format\r\nERROR\r\n
      {"set k abc 0 5\r\nhello\r\n", {kClientErrorBadFormat, kError}},
      // ERROR\r\nERROR\r\n
      {"cas k 0 0 1\r\nx\r\n", {kError, kError}},
      // The line after "get k" starts with '\r': "\rversion" is unknown.
      {"get k\n\rversion\r\n", {"", kError}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    std::string_view rest = c.input;
    std::vector<std::string_view> seen;
    while (!rest.empty()) {
      const ParseResult r = Parse(rest);
      ASSERT_NE(r.status, ParseStatus::kNeedMore);
      seen.push_back(r.status == ParseStatus::kOk ? "" : r.error_line);
      rest.remove_prefix(r.consumed);
    }
    EXPECT_EQ(seen, c.errors);
  }
}

TEST_F(TextParserTest, CommandIsResetAndKeysKeepCapacity) {
  ExpectOk("get a b c d e f g h\r\n", Op::kGet);
  const auto* storage = cmd_.keys.data();
  const size_t capacity = cmd_.keys.capacity();
  ExpectOk("set k 5 0 1 noreply\r\nx\r\n", Op::kSet);
  EXPECT_TRUE(cmd_.keys.empty());
  ExpectOk("get z\r\n", Op::kGet);
  EXPECT_EQ(cmd_.keys.data(), storage);
  EXPECT_EQ(cmd_.keys.capacity(), capacity);
  EXPECT_FALSE(cmd_.noreply);
  EXPECT_EQ(cmd_.client_flags, 0u);
  EXPECT_TRUE(cmd_.value.empty());
}

// A handler that framed the line already passes it in: same result as
// parsing from the raw input, data block included.
TEST_F(TextParserTest, ParseTextLineMatchesParseTextCommand) {
  const std::string_view input = "set k 3 0 2 noreply\r\nhi\r\nget k\r\n";
  const std::optional<Line> line = FindLine(input);
  ASSERT_TRUE(line.has_value());
  TextParserOptions options;
  Command framed;
  const ParseResult a = ParseTextLine(input, *line, options, &framed);
  Command raw;
  const ParseResult b = ParseTextCommand(input, options, &raw);
  EXPECT_EQ(a.status, ParseStatus::kOk);
  EXPECT_EQ(a.consumed, b.consumed);
  EXPECT_EQ(a.consumed, input.find("get"));
  EXPECT_EQ(framed.op, raw.op);
  EXPECT_EQ(framed.value, "hi");
  EXPECT_TRUE(framed.noreply);
  EXPECT_TRUE(framed.policy.drop_old_when_too_large);
}

}  // namespace
}  // namespace tandem::protocol
