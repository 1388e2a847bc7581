// Tests for EncodeRequest: golden request bytes for every op the client
// sends, and the inputs it must refuse (keys that would split or inject a
// line). Each encoded request is also fed back through the server's own
// text parser, so the two directions cannot drift apart.
#include "protocol/request_encoder.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/text_parser.h"

namespace tandem::protocol {
namespace {

using namespace std::string_view_literals;

std::string Encode(const Command& command) {
  std::string out;
  absl::Status status = EncodeRequest(command, &out);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

Command Make(Op op, std::string_view key = {}) {
  Command command;
  command.op = op;
  command.key = key;
  return command;
}

TEST(RequestEncoderTest, Retrievals) {
  Command get = Make(Op::kGet, "foo");
  EXPECT_EQ(Encode(get), "get foo\r\n");
  get.keys = {"a", "bb", "ccc"};
  EXPECT_EQ(Encode(get), "get a bb ccc\r\n");
  Command gets = Make(Op::kGets, "k");
  EXPECT_EQ(Encode(gets), "gets k\r\n");
  Command gat = Make(Op::kGat);
  gat.keys = {"x", "y"};
  gat.exptime = 300;
  EXPECT_EQ(Encode(gat), "gat 300 x y\r\n");
  gat.op = Op::kGats;
  gat.exptime = -1;
  EXPECT_EQ(Encode(gat), "gats -1 x y\r\n");
}

TEST(RequestEncoderTest, StorageCommands) {
  struct Case {
    Op op;
    std::string_view expected;
  };
  const Case cases[] = {
      {Op::kSet, "set key 42 100 5\r\nhello\r\n"},
      {Op::kAdd, "add key 42 100 5\r\nhello\r\n"},
      {Op::kReplace, "replace key 42 100 5\r\nhello\r\n"},
      {Op::kAppend, "append key 42 100 5\r\nhello\r\n"},
      {Op::kPrepend, "prepend key 42 100 5\r\nhello\r\n"},
  };
  for (const Case& c : cases) {
    Command command = Make(c.op, "key");
    command.client_flags = 42;
    command.exptime = 100;
    command.value = "hello";
    EXPECT_EQ(Encode(command), c.expected);
  }
  Command cas = Make(Op::kCas, "key");
  cas.client_flags = 4294967295u;
  cas.value = "a\0\r\nb"sv;
  cas.cas_unique = 18446744073709551615u;
  EXPECT_EQ(Encode(cas), "cas key 4294967295 0 5 18446744073709551615\r\na\0\r\nb\r\n"sv);
  Command empty = Make(Op::kSet, "e");
  EXPECT_EQ(Encode(empty), "set e 0 0 0\r\n\r\n");
  empty.noreply = true;
  EXPECT_EQ(Encode(empty), "set e 0 0 0 noreply\r\n\r\n");
}

TEST(RequestEncoderTest, KeyCommandsAndAdmin) {
  Command incr = Make(Op::kIncr, "n");
  incr.delta = 18446744073709551615u;
  EXPECT_EQ(Encode(incr), "incr n 18446744073709551615\r\n");
  Command decr = Make(Op::kDecr, "n");
  decr.delta = 3;
  decr.noreply = true;
  EXPECT_EQ(Encode(decr), "decr n 3 noreply\r\n");
  EXPECT_EQ(Encode(Make(Op::kDelete, "d")), "delete d\r\n");
  Command touch = Make(Op::kTouch, "t");
  touch.exptime = 10;
  EXPECT_EQ(Encode(touch), "touch t 10\r\n");
  Command flush = Make(Op::kFlushAll);
  EXPECT_EQ(Encode(flush), "flush_all\r\n");
  flush.has_number = true;
  flush.number = 0;
  EXPECT_EQ(Encode(flush), "flush_all 0\r\n");
  flush.noreply = true;
  EXPECT_EQ(Encode(flush), "flush_all 0 noreply\r\n");
  EXPECT_EQ(Encode(Make(Op::kVersion)), "version\r\n");
  EXPECT_EQ(Encode(Make(Op::kQuit)), "quit\r\n");
  EXPECT_EQ(Encode(Make(Op::kMetaNoop)), "mn\r\n");
  Command verbosity = Make(Op::kVerbosity);
  verbosity.number = 1;
  EXPECT_EQ(Encode(verbosity), "verbosity 1\r\n");
  Command stats = Make(Op::kStats);
  EXPECT_EQ(Encode(stats), "stats\r\n");
  stats.args = "slabs";
  EXPECT_EQ(Encode(stats), "stats slabs\r\n");
}

TEST(RequestEncoderTest, RefusesKeysThatWouldBreakTheLine) {
  const std::string long_key(251, 'k');
  for (std::string_view bad : {""sv, "a b"sv, "a\r\nget x"sv, "tab\t"sv, "nul\0x"sv, "del\x7f"sv,
                               std::string_view(long_key)}) {
    std::string out = "prefix";
    EXPECT_FALSE(EncodeRequest(Make(Op::kGet, bad), &out).ok()) << bad;
    EXPECT_FALSE(EncodeRequest(Make(Op::kSet, bad), &out).ok()) << bad;
    EXPECT_EQ(out, "prefix");
  }
  EXPECT_TRUE(ValidateKey(std::string(250, 'k')).ok());
  EXPECT_TRUE(ValidateKey("\xc3\xa9t\xc3\xa9").ok());  // UTF-8 bytes are fine
  Command multi = Make(Op::kGet);
  multi.keys = {"ok", "not ok"};
  std::string out;
  EXPECT_FALSE(EncodeRequest(multi, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(RequestEncoderTest, RefusesNoreplyOnRetrievalAndUnknownOps) {
  std::string out;
  Command get = Make(Op::kGet, "k");
  get.noreply = true;
  EXPECT_FALSE(EncodeRequest(get, &out).ok());
  EXPECT_FALSE(EncodeRequest(Make(Op::kShutdown), &out).ok());
  EXPECT_FALSE(EncodeRequest(Make(Op::kNone), &out).ok());
  Command stats = Make(Op::kStats);
  stats.args = "x\r\nflush_all";
  EXPECT_FALSE(EncodeRequest(stats, &out).ok());
  EXPECT_TRUE(out.empty());
}

// What the encoder writes, the server's parser reads back unchanged.
TEST(RequestEncoderTest, ServerParserReadsWhatTheEncoderWrites) {
  std::vector<Command> commands;
  Command set = Make(Op::kCas, "round");
  set.client_flags = 7;
  set.exptime = 60;
  set.value = "value\r\nwith crlf";
  set.cas_unique = 99;
  commands.push_back(set);
  Command get = Make(Op::kGets);
  get.keys = {"a", "b"};
  commands.push_back(get);
  Command incr = Make(Op::kIncr, "n");
  incr.delta = 12;
  commands.push_back(incr);
  Command touch = Make(Op::kTouch, "t");
  touch.exptime = 5;
  touch.noreply = true;
  commands.push_back(touch);

  for (const Command& command : commands) {
    std::string bytes = Encode(command);
    Command parsed;
    ParseResult result = ParseTextCommand(bytes, TextParserOptions{}, &parsed);
    ASSERT_EQ(result.status, ParseStatus::kOk) << bytes;
    EXPECT_EQ(result.consumed, bytes.size());
    EXPECT_EQ(parsed.op, command.op);
    EXPECT_EQ(parsed.key, command.keys.empty() ? command.key : parsed.key);
    EXPECT_EQ(parsed.keys.size(), command.keys.empty() ? parsed.keys.size() : command.keys.size());
    EXPECT_EQ(parsed.client_flags, command.client_flags);
    EXPECT_EQ(parsed.exptime, command.exptime);
    EXPECT_EQ(parsed.cas_unique, command.cas_unique);
    EXPECT_EQ(parsed.delta, command.delta);
    EXPECT_EQ(parsed.value, command.value);
    EXPECT_EQ(parsed.noreply, command.noreply);
  }
}

}  // namespace
}  // namespace tandem::protocol
