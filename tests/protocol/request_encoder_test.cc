// Tests for the request encoder: golden request bytes for every text op
// the client sends, for tandem-cli's raw lines, for meta requests and for
// binary GET/SET/NOOP packets, and the inputs it must refuse (keys that
// would split or inject a line). Encoded requests are also fed back through
// the server's own parsers, so the two directions cannot drift apart.
#include "protocol/request_encoder.h"

#include <initializer_list>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/binary_parser.h"
#include "protocol/meta_parser.h"
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

// ---------------------------------------------------------------------------
// Raw lines (tandem-cli)
// ---------------------------------------------------------------------------

TEST(RequestEncoderTest, RawLinesPassThroughUnchecked) {
  std::string out = "prefix";
  AppendRawRequestLine(&out, "set k 0 0 2");
  AppendDataBlock(&out, "hi");
  EXPECT_EQ(out, "prefixset k 0 0 2\r\nhi\r\n");
  out.clear();
  AppendRawRequestLine(&out, "bogus  two spaces\tand a tab");
  EXPECT_EQ(out, "bogus  two spaces\tand a tab\r\n");
  out.clear();
  AppendRawRequestLine(&out, "");
  AppendDataBlock(&out, "a\0\r\n"sv);
  EXPECT_EQ(out, "\r\na\0\r\n\r\n"sv);
}

// ---------------------------------------------------------------------------
// Meta requests
// ---------------------------------------------------------------------------

MetaCommand MakeMeta(MetaOp op, std::string_view key, std::initializer_list<std::string_view> tokens) {
  MetaCommand command;
  command.op = op;
  command.key = key;
  for (std::string_view token : tokens) {
    command.flags[command.flag_count++] = MetaFlag{token.empty() ? '\0' : token.front(), token};
  }
  return command;
}

std::string EncodeMeta(const MetaCommand& command) {
  std::string out;
  absl::Status status = EncodeMetaRequest(command, &out);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

TEST(RequestEncoderTest, MetaRequests) {
  EXPECT_EQ(EncodeMeta(MakeMeta(MetaOp::kGet, "key:0042", {"v", "f"})), "mg key:0042 v f\r\n");
  EXPECT_EQ(EncodeMeta(MakeMeta(MetaOp::kGet, "k", {"v", "f", "q"})), "mg k v f q\r\n");
  EXPECT_EQ(EncodeMeta(MakeMeta(MetaOp::kGet, "k", {})), "mg k\r\n");
  MetaCommand set = MakeMeta(MetaOp::kSet, "k", {"F0"});
  set.value = "hello";
  EXPECT_EQ(EncodeMeta(set), "ms k 5 F0\r\nhello\r\n");
  set = MakeMeta(MetaOp::kSet, "k", {"T30", "C12", "MA", "q", "Oabc"});
  EXPECT_EQ(EncodeMeta(set), "ms k 0 T30 C12 MA q Oabc\r\n\r\n");
  EXPECT_EQ(EncodeMeta(MakeMeta(MetaOp::kDelete, "d", {"q", "I"})), "md d q I\r\n");
  EXPECT_EQ(EncodeMeta(MakeMeta(MetaOp::kArith, "n", {"D5", "MI", "v"})), "ma n D5 MI v\r\n");
  EXPECT_EQ(EncodeMeta(MakeMeta(MetaOp::kDebug, "e", {})), "me e\r\n");
  EXPECT_EQ(EncodeMeta(MakeMeta(MetaOp::kNoop, {}, {})), "mn\r\n");
}

TEST(RequestEncoderTest, MetaRefusesWhatWouldBreakTheLine) {
  std::string out = "prefix";
  EXPECT_FALSE(EncodeMetaRequest(MakeMeta(MetaOp::kGet, "a b", {"v"}), &out).ok());
  EXPECT_FALSE(EncodeMetaRequest(MakeMeta(MetaOp::kGet, "", {"v"}), &out).ok());
  EXPECT_FALSE(EncodeMetaRequest(MakeMeta(MetaOp::kGet, "k", {"v\r\nmn"}), &out).ok());
  EXPECT_FALSE(EncodeMetaRequest(MakeMeta(MetaOp::kGet, "k", {"T 5"}), &out).ok());
  EXPECT_FALSE(EncodeMetaRequest(MakeMeta(MetaOp::kGet, "k", {""}), &out).ok());
  MetaCommand wrong_letter = MakeMeta(MetaOp::kGet, "k", {"v"});
  wrong_letter.flags[0].letter = 'f';
  EXPECT_FALSE(EncodeMetaRequest(wrong_letter, &out).ok());
  MetaCommand base64 = MakeMeta(MetaOp::kGet, "Zm9v", {"b"});
  base64.base64 = true;
  EXPECT_FALSE(EncodeMetaRequest(base64, &out).ok());
  EXPECT_FALSE(EncodeMetaRequest(MakeMeta(MetaOp::kNone, "k", {}), &out).ok());
  EXPECT_EQ(out, "prefix");
}

TEST(RequestEncoderTest, MetaParserReadsWhatTheEncoderWrites) {
  MetaCommand set = MakeMeta(MetaOp::kSet, "round", {"F7", "T60", "q"});
  set.value = "va\r\nlue";
  MetaCommand get = MakeMeta(MetaOp::kGet, "round", {"v", "f", "Oxyz"});
  for (const MetaCommand& command : {set, get}) {
    std::string bytes = EncodeMeta(command);
    MetaCommand parsed;
    ParseResult result = ParseMetaCommand(bytes, MetaParserOptions{}, &parsed);
    ASSERT_EQ(result.status, ParseStatus::kOk) << bytes;
    EXPECT_EQ(result.consumed, bytes.size());
    EXPECT_EQ(parsed.op, command.op);
    EXPECT_EQ(parsed.key, command.key);
    EXPECT_EQ(parsed.value, command.value);
    ASSERT_EQ(parsed.flag_count, command.flag_count);
    for (size_t i = 0; i < parsed.flag_count; ++i) EXPECT_EQ(parsed.flags[i].token, command.flags[i].token);
    EXPECT_EQ(EncodeMeta(parsed), bytes);
  }
}

// ---------------------------------------------------------------------------
// Binary requests
// ---------------------------------------------------------------------------

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST(RequestEncoderTest, BinaryGetRequests) {
  struct Case {
    binary::Opcode opcode;
    int wire;
  };
  for (Case c : {Case{binary::Opcode::kGet, 0x00}, Case{binary::Opcode::kGetQ, 0x09},
                 Case{binary::Opcode::kGetK, 0x0c}, Case{binary::Opcode::kGetKQ, 0x0d}}) {
    std::string out = "prefix";
    ASSERT_TRUE(binary::EncodeGetRequest(c.opcode, "key", &out).ok());
    EXPECT_EQ(out, "prefix" + Bytes({0x80, c.wire, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0,
                                     0, 0, 0, 0, 0, 0, 0, 0}) + "key");
  }
}

TEST(RequestEncoderTest, BinaryStoreRequests) {
  std::string out;
  ASSERT_TRUE(binary::EncodeStoreRequest(binary::Opcode::kSet, "k", "hello", {}, &out).ok());
  EXPECT_EQ(out, Bytes({0x80, 0x01, 0, 1, 8, 0, 0, 0, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 0, 0, 0, 0, 0, 0, 0}) + "khello");
  out.clear();
  binary::StoreFields fields;
  fields.flags = 0xdeadbeef;
  fields.exptime = 300;
  fields.cas = 0x0102030405060708;
  ASSERT_TRUE(binary::EncodeStoreRequest(binary::Opcode::kAddQ, "kk", "", fields, &out).ok());
  EXPECT_EQ(out, Bytes({0x80, 0x12, 0, 2, 8, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
                        0xde, 0xad, 0xbe, 0xef, 0, 0, 1, 44}) + "kk");
}

TEST(RequestEncoderTest, BinaryNoop) {
  std::string out = "prefix";
  binary::AppendNoopRequest(&out);
  EXPECT_EQ(out, "prefix" + Bytes({0x80, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(RequestEncoderTest, BinaryRefusesBadKeysAndOpcodes) {
  std::string out;
  const std::string long_key(251, 'k');
  EXPECT_FALSE(binary::EncodeGetRequest(binary::Opcode::kGetK, "", &out).ok());
  EXPECT_FALSE(binary::EncodeGetRequest(binary::Opcode::kGetK, long_key, &out).ok());
  EXPECT_FALSE(binary::EncodeGetRequest(binary::Opcode::kDelete, "k", &out).ok());
  EXPECT_FALSE(binary::EncodeGetRequest(binary::Opcode::kSet, "k", &out).ok());
  EXPECT_FALSE(binary::EncodeStoreRequest(binary::Opcode::kAppend, "k", "v", {}, &out).ok());
  EXPECT_FALSE(binary::EncodeStoreRequest(binary::Opcode::kGet, "k", "v", {}, &out).ok());
  EXPECT_FALSE(binary::EncodeStoreRequest(binary::Opcode::kSet, "", "v", {}, &out).ok());
  EXPECT_TRUE(out.empty());
  // Binary keys may hold any byte, spaces included.
  EXPECT_TRUE(binary::EncodeGetRequest(binary::Opcode::kGet, "a b\r\n", &out).ok());
  EXPECT_TRUE(binary::EncodeGetRequest(binary::Opcode::kGet, std::string(250, 'k'), &out).ok());
}

TEST(RequestEncoderTest, BinaryParserReadsWhatTheEncoderWrites) {
  std::string bytes;
  binary::StoreFields fields;
  fields.flags = 7;
  fields.exptime = 60;
  fields.cas = 99;
  ASSERT_TRUE(binary::EncodeStoreRequest(binary::Opcode::kSet, "round", "value", fields, &bytes).ok());
  ASSERT_TRUE(binary::EncodeGetRequest(binary::Opcode::kGetKQ, "round", &bytes).ok());
  binary::AppendNoopRequest(&bytes);

  std::string_view input = bytes;
  binary::Request set;
  binary::ParseResult parsed = binary::ParseRequest(input, {}, &set);
  ASSERT_EQ(parsed.status, binary::ParseStatus::kOk);
  EXPECT_TRUE(set.well_formed);
  EXPECT_EQ(set.opcode, 0x01);
  EXPECT_EQ(set.key, "round");
  EXPECT_EQ(set.value, "value");
  EXPECT_EQ(set.cas, 99u);
  EXPECT_EQ(set.ExtrasU32(0), 7u);
  EXPECT_EQ(set.ExtrasU32(4), 60u);
  input.remove_prefix(parsed.consumed);
  binary::Request get;
  parsed = binary::ParseRequest(input, {}, &get);
  ASSERT_EQ(parsed.status, binary::ParseStatus::kOk);
  EXPECT_TRUE(get.well_formed);
  EXPECT_EQ(get.opcode, 0x0d);
  EXPECT_EQ(get.key, "round");
  input.remove_prefix(parsed.consumed);
  binary::Request noop;
  parsed = binary::ParseRequest(input, {}, &noop);
  ASSERT_EQ(parsed.status, binary::ParseStatus::kOk);
  EXPECT_TRUE(noop.well_formed);
  EXPECT_EQ(noop.opcode, 0x0a);
  EXPECT_EQ(parsed.consumed, input.size());
}

}  // namespace
}  // namespace tandem::protocol
