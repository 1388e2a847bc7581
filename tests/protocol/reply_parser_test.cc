// Tests for ReplyParser: golden reply bytes as memcached 1.6 sends them,
// each parsed whole, byte at a time (NeedMore at every prefix, nothing lost
// across calls) and with the next reply glued on (exact consumed counts).
#include "protocol/reply_parser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tandem::protocol {
namespace {

using namespace std::string_view_literals;

// Feeds `bytes` one byte at a time the way a connection does: a receive
// buffer that loses the consumed prefix after each call. Returns the reply;
// fails the test if it completes early or not at all.
Reply FeedByteAtATime(std::string_view bytes) {
  ReplyParser parser;
  std::string buffer;
  Reply reply;
  for (size_t i = 0; i < bytes.size(); ++i) {
    buffer.push_back(bytes[i]);
    ReplyParseResult result = parser.Parse(buffer, &reply);
    buffer.erase(0, result.consumed);
    if (i + 1 < bytes.size()) {
      EXPECT_EQ(result.status, ReplyParseStatus::kNeedMore) << "completed early at byte " << i;
    } else {
      EXPECT_EQ(result.status, ReplyParseStatus::kDone) << result.error;
      EXPECT_TRUE(buffer.empty());
    }
  }
  return reply;
}

Reply ParseWhole(std::string_view bytes) {
  Reply reply;
  ReplyParseResult result = ParseReply(bytes, &reply);
  EXPECT_EQ(result.status, ReplyParseStatus::kDone) << result.error;
  EXPECT_EQ(result.consumed, bytes.size());
  // The same bytes followed by another reply: consumed stops at the end.
  std::string glued(bytes);
  glued.append("STORED\r\n");
  Reply first;
  ReplyParseResult glued_result = ParseReply(glued, &first);
  EXPECT_EQ(glued_result.status, ReplyParseStatus::kDone);
  EXPECT_EQ(glued_result.consumed, bytes.size());
  EXPECT_EQ(first, reply);
  // And byte at a time gives the same reply.
  EXPECT_EQ(FeedByteAtATime(bytes), reply);
  return reply;
}

TEST(ReplyParserTest, SingleLineReplies) {
  struct Case {
    std::string_view bytes;
    ReplyKind kind;
  };
  const Case cases[] = {
      {"STORED\r\n", ReplyKind::kStored},       {"NOT_STORED\r\n", ReplyKind::kNotStored},
      {"EXISTS\r\n", ReplyKind::kExists},       {"NOT_FOUND\r\n", ReplyKind::kNotFound},
      {"DELETED\r\n", ReplyKind::kDeleted},     {"TOUCHED\r\n", ReplyKind::kTouched},
      {"OK\r\n", ReplyKind::kOk},               {"RESET\r\n", ReplyKind::kReset},
      {"ERROR\r\n", ReplyKind::kError},         {"END\r\n", ReplyKind::kValues},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.bytes));
    Reply reply = ParseWhole(c.bytes);
    EXPECT_EQ(reply.kind, c.kind);
    EXPECT_TRUE(reply.values.empty());
  }
}

TEST(ReplyParserTest, NumbersVersionAndErrors) {
  Reply n = ParseWhole("18446744073709551615\r\n");
  EXPECT_EQ(n.kind, ReplyKind::kNumber);
  EXPECT_EQ(n.number, 18446744073709551615u);
  EXPECT_EQ(ParseWhole("0\r\n").number, 0u);

  Reply version = ParseWhole("VERSION 1.6.18\r\n");
  EXPECT_EQ(version.kind, ReplyKind::kVersion);
  EXPECT_EQ(version.text, "1.6.18");

  Reply client_error = ParseWhole("CLIENT_ERROR bad data chunk\r\n");
  EXPECT_EQ(client_error.kind, ReplyKind::kClientError);
  EXPECT_EQ(client_error.text, "bad data chunk");
  EXPECT_TRUE(client_error.is_error());

  Reply server_error = ParseWhole("SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(server_error.kind, ReplyKind::kServerError);
  EXPECT_EQ(server_error.text, "object too large for cache");
}

TEST(ReplyParserTest, ValueBlocksWithAndWithoutCas) {
  Reply one = ParseWhole("VALUE greeting 42 11\r\nhello world\r\nEND\r\n");
  EXPECT_EQ(one.kind, ReplyKind::kValues);
  ASSERT_EQ(one.values.size(), 1u);
  EXPECT_EQ(one.values[0].key, "greeting");
  EXPECT_EQ(one.values[0].flags, 42u);
  EXPECT_EQ(one.values[0].data, "hello world");
  EXPECT_FALSE(one.values[0].cas.has_value());

  // Binary-safe data (NUL, CR LF, END inside the block) and cas.
  std::string_view bytes = "VALUE a 0 10 77\r\nx\0\r\nEND\r\ny\r\nVALUE b 4294967295 0 18446744073709551615\r\n\r\nEND\r\n"sv;
  Reply two = ParseWhole(bytes);
  ASSERT_EQ(two.values.size(), 2u);
  EXPECT_EQ(two.values[0].data, "x\0\r\nEND\r\ny"sv);
  EXPECT_EQ(two.values[0].cas, 77u);
  EXPECT_EQ(two.values[1].key, "b");
  EXPECT_EQ(two.values[1].flags, 4294967295u);
  EXPECT_EQ(two.values[1].data, "");
  EXPECT_EQ(two.values[1].cas, 18446744073709551615u);
}

TEST(ReplyParserTest, StatsAndListings) {
  Reply stats = ParseWhole("STAT pid 123\r\nSTAT version 1.6.18\r\nSTAT rusage_user 0.1 x\r\nEND\r\n");
  EXPECT_EQ(stats.kind, ReplyKind::kStats);
  ASSERT_EQ(stats.stats.size(), 3u);
  EXPECT_EQ(stats.stats[0], (std::pair<std::string, std::string>("pid", "123")));
  EXPECT_EQ(stats.stats[2].second, "0.1 x");

  Reply items = ParseWhole("ITEM foo [5 b; 0 s]\r\nITEM bar [1 b; 0 s]\r\nEND\r\n");
  EXPECT_EQ(items.kind, ReplyKind::kLines);
  EXPECT_EQ(items.lines, (std::vector<std::string>{"ITEM foo [5 b; 0 s]", "ITEM bar [1 b; 0 s]"}));
}

TEST(ReplyParserTest, PipelinedRepliesComeOutInOrder) {
  const std::string stream =
      "STORED\r\nVALUE k 1 2\r\nab\r\nEND\r\n5\r\nNOT_FOUND\r\nSTAT a b\r\nEND\r\nVERSION x\r\n";
  ReplyParser parser;
  std::string buffer;
  std::vector<ReplyKind> kinds;
  // Feed in 3-byte chunks.
  for (size_t i = 0; i < stream.size(); i += 3) {
    buffer.append(stream.substr(i, 3));
    for (int guard = 0; guard < 10; ++guard) {
      Reply reply;
      ReplyParseResult result = parser.Parse(buffer, &reply);
      ASSERT_NE(result.status, ReplyParseStatus::kError) << result.error;
      buffer.erase(0, result.consumed);
      if (result.status == ReplyParseStatus::kNeedMore) break;
      kinds.push_back(reply.kind);
    }
  }
  EXPECT_TRUE(buffer.empty());
  EXPECT_FALSE(parser.in_progress());
  EXPECT_EQ(kinds, (std::vector<ReplyKind>{ReplyKind::kStored, ReplyKind::kValues, ReplyKind::kNumber,
                                           ReplyKind::kNotFound, ReplyKind::kStats, ReplyKind::kVersion}));
}

TEST(ReplyParserTest, NeedMoreConsumesWholeValueBlocksOnly) {
  ReplyParser parser;
  Reply reply;
  std::string_view first = "VALUE a 0 1\r\nx\r\nVALUE b 0 3\r\nyy";
  ReplyParseResult result = parser.Parse(first, &reply);
  EXPECT_EQ(result.status, ReplyParseStatus::kNeedMore);
  EXPECT_EQ(result.consumed, "VALUE a 0 1\r\nx\r\n"sv.size());
  EXPECT_TRUE(parser.in_progress());
  result = parser.Parse("VALUE b 0 3\r\nyyy\r\nEND\r\n", &reply);
  EXPECT_EQ(result.status, ReplyParseStatus::kDone);
  ASSERT_EQ(reply.values.size(), 2u);
  EXPECT_EQ(reply.values[1].data, "yyy");
  // The one-shot form never reports a partial consumption.
  EXPECT_EQ(ParseReply(first, &reply).consumed, 0u);
}

TEST(ReplyParserTest, OutOfSyncStreamsAreErrors) {
  const std::string_view bad[] = {
      "HELLO\r\n",                          // unknown line
      "VALUE k 0\r\n",                      // missing length
      "VALUE k x 1\r\na\r\nEND\r\n",        // flags not a number
      "VALUE k 0 1 2 3\r\na\r\nEND\r\n",    // too many fields
      "VALUE k 0 1\r\nab\r\nEND\r\n",       // block longer than declared
      "VALUE k 0 1\r\na\r\nSTORED\r\n",     // listing interrupted
      "STAT a b\r\nVALUE k 0 1\r\na\r\n",   // kinds mixed
      "-1\r\n",                             // not a number
      "99999999999999999999999\r\n",        // overflows 64 bits
  };
  for (std::string_view bytes : bad) {
    Reply reply;
    EXPECT_EQ(ParseReply(bytes, &reply).status, ReplyParseStatus::kError) << bytes;
  }
  ReplyParser small(16);
  Reply reply;
  EXPECT_EQ(small.Parse("VERSION 0123456789abcdef", &reply).status, ReplyParseStatus::kError);
  EXPECT_FALSE(small.in_progress());
}

// Found by reply_parser_fuzz: a line exactly at the limit whose "\r" had
// arrived without its "\n" was refused as too long, though the same bytes
// in one piece parse.
TEST(ReplyParserTest, LineAtTheLimitSplitInsideItsCrlf) {
  ReplyParser parser(6);
  Reply reply;
  ReplyParseResult result = parser.Parse("STORED\r", &reply);
  EXPECT_EQ(result.status, ReplyParseStatus::kNeedMore);
  EXPECT_EQ(result.consumed, 0u);
  result = parser.Parse("STORED\r\n", &reply);
  EXPECT_EQ(result.status, ReplyParseStatus::kDone);
  EXPECT_EQ(reply.kind, ReplyKind::kStored);
  // One byte more than the limit is refused as soon as it is seen.
  EXPECT_EQ(parser.Parse("STORED!", &reply).status, ReplyParseStatus::kError);
  EXPECT_EQ(parser.Parse("STORED!\r", &reply).status, ReplyParseStatus::kError);
}

// A VALUE length near 2^64 must not wrap the "is the block here" arithmetic:
// that took the header's own "\r\n" as the block's terminator and returned
// a value made of whatever followed.
TEST(ReplyParserTest, HugeValueLengthWaitsForTheBlock) {
  Reply reply;
  for (std::string_view bytes : {"VALUE k 0 18446744073709551614\r\nEND\r\n"sv,
                                 "VALUE k 0 18446744073709551615\r\nEND\r\n"sv}) {
    ReplyParser parser;
    ReplyParseResult result = parser.Parse(bytes, &reply);
    EXPECT_EQ(result.status, ReplyParseStatus::kNeedMore) << bytes;
    EXPECT_EQ(result.consumed, 0u) << bytes;
  }
}

TEST(ReplyParserTest, KindNames) {
  EXPECT_STREQ(ReplyKindName(ReplyKind::kNotStored), "NOT_STORED");
  EXPECT_STREQ(ReplyKindName(ReplyKind::kServerError), "SERVER_ERROR");
  EXPECT_STREQ(ReplyKindName(ReplyKind::kValues), "VALUE");
}

}  // namespace
}  // namespace tandem::protocol
