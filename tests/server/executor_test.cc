// Executor tests, in process: a request's bytes go through the real parser
// into a Command, the Executor runs it against a real Engine, and the real
// reply writer produces the reply bytes compared here, with no socket in
// between (in the spirit of Dragonfly's BaseFamilyTest). The differential
// suites pin the same bytes against real memcached over sockets; these pin
// the protocol policies and the counters each command moves, which those
// suites see only through `stats`.
#include "server/executor.h"

#include <memory>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "protocol/binary_encoder.h"
#include "protocol/binary_parser.h"
#include "protocol/binary_reply_writer.h"
#include "protocol/meta_parser.h"
#include "protocol/meta_reply_writer.h"
#include "protocol/text_parser.h"
#include "protocol/text_reply_writer.h"
#include "server/prefix_stats.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"
#include "server/storage/mutation_observer.h"

namespace tandem::server {
namespace {

namespace p = tandem::protocol;
namespace b = tandem::protocol::binary;

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() {
    settings_.item_size_max = 1024;
    storage::EngineOptions o;
    o.clock = &clock_;
    o.item_size_max = settings_.item_size_max;
    o.slab_chunk_max = 512;
    engine_ = std::make_unique<storage::Engine>(o);
    stats_ = std::make_unique<ServerStats>(settings_, 1);
    executor_ = std::make_unique<Executor>(settings_, *engine_, *stats_, prefix_stats_, clock_);
  }

  ThreadStats& ts() { return stats_->thread(0); }

  // One classic text request (its line and data block) -> reply bytes.
  std::string Text(std::string_view request) {
    p::TextParserOptions options;
    options.item_size_max = settings_.item_size_max;
    const p::ParseResult r = p::ParseTextCommand(request, options, &cmd_);
    EXPECT_EQ(r.status, p::ParseStatus::kOk) << request;
    std::string out;
    p::TextReplyWriter writer(&out);
    ExecContext ctx(ts(), writer);
    executor_->Execute(cmd_, ctx);
    last_stream_end_ = ctx.receipt.stream_end;
    return out;
  }

  std::string Meta(std::string_view request) {
    p::MetaParserOptions options;
    options.item_size_max = settings_.item_size_max;
    const p::ParseResult r = p::ParseMetaCommand(request, options, &cmd_);
    EXPECT_EQ(r.status, p::ParseStatus::kOk) << request;
    std::string out;
    p::MetaReplyWriter writer(&out);
    ExecContext ctx(ts(), writer);
    executor_->Execute(cmd_, ctx);
    last_stream_end_ = ctx.receipt.stream_end;
    return out;
  }

  // One binary request packet -> response packets.
  std::string Binary(b::Opcode opcode, std::string_view extras, std::string_view key,
                     std::string_view value = {}, uint64_t cas = 0) {
    std::string packet;
    b::AppendRequest(&packet, static_cast<uint8_t>(opcode), 0x01020304, cas, extras, key, value);
    b::ParserOptions options;
    options.max_value = settings_.item_size_max;
    b::Request req;
    const b::ParseResult r = b::ParseRequest(packet, options, &req);
    EXPECT_NE(r.status, b::ParseStatus::kNeedMore);
    EXPECT_TRUE(b::RequestToCommand(req, r.status == b::ParseStatus::kValueTooLarge, options, &cmd_));
    std::string out;
    p::BinaryReplyWriter writer(&out);
    ExecContext ctx(ts(), writer);
    executor_->Execute(cmd_, ctx);
    last_stream_end_ = ctx.receipt.stream_end;
    return out;
  }

  static std::string Be32(uint32_t v) {
    std::string s;
    b::AppendBe32(&s, v);
    return s;
  }
  static std::string Be64(uint64_t v) {
    std::string s;
    b::AppendBe64(&s, v);
    return s;
  }
  // The status field of the first response packet.
  static uint16_t StatusOf(std::string_view packet) {
    return static_cast<uint16_t>((static_cast<uint8_t>(packet[6]) << 8) |
                                 static_cast<uint8_t>(packet[7]));
  }

  storage::ManualClock clock_;
  Settings settings_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<ServerStats> stats_;
  PrefixStats prefix_stats_{':'};
  std::unique_ptr<Executor> executor_;
  p::Command cmd_;
  uint64_t last_stream_end_ = 0;
};

TEST_F(ExecutorTest, TextStoreAndRetrieve) {
  EXPECT_EQ(Text("set k 5 0 3\r\nabc\r\n"), "STORED\r\n");
  EXPECT_EQ(Text("get k nope k\r\n"), "VALUE k 5 3\r\nabc\r\nVALUE k 5 3\r\nabc\r\nEND\r\n");
  const std::string gets = Text("gets k\r\n");
  EXPECT_TRUE(gets.starts_with("VALUE k 5 3 ")) << gets;
  EXPECT_EQ(ts().cmd_get.Get(), 4u);
  EXPECT_EQ(ts().get_hits.Get(), 3u);
  EXPECT_EQ(ts().get_misses.Get(), 1u);
  EXPECT_EQ(ts().cmd_set.Get(), 1u);
}

TEST_F(ExecutorTest, NoreplyHidesErrorsToo) {
  EXPECT_EQ(Text("set n 0 0 3 noreply\r\nabc\r\n"), "");
  EXPECT_EQ(Text("incr n 1 noreply\r\n"), "");
  EXPECT_EQ(Text("incr n 1\r\n"), "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
}

// The same refused store in three protocols: which drops the old value and
// which counts cmd_set are memcached's per-protocol policies.
TEST_F(ExecutorTest, TooLargeTextSetDropsTheOldValueButAddDoesNot) {
  Text("set k 0 0 3\r\nold\r\n");
  const std::string big(2000, 'x');
  EXPECT_EQ(Text("add k 0 0 2000\r\n" + big + "\r\n"), "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(Text("get k\r\n"), "VALUE k 0 3\r\nold\r\nEND\r\n");
  EXPECT_EQ(Text("set k 0 0 2000\r\n" + big + "\r\n"), "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(Text("get k\r\n"), "END\r\n");
  EXPECT_EQ(ts().cmd_set.Get(), 3u);
  EXPECT_EQ(ts().store_too_large.Get(), 2u);
}

// A data block within -I whose item (header included) still does not fit
// is refused by the engine, which drops the old value for a set only.
TEST_F(ExecutorTest, ASetTheEngineRefusesDropsTheOldValueAnAddDoesNot) {
  Text("set k 0 0 3\r\nold\r\n");
  const std::string almost(1020, 'x');
  EXPECT_EQ(Text("add k 0 0 1020\r\n" + almost + "\r\n"), "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(Text("get k\r\n"), "VALUE k 0 3\r\nold\r\nEND\r\n");
  EXPECT_EQ(Text("set k 0 0 1020\r\n" + almost + "\r\n"), "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(Text("get k\r\n"), "END\r\n");
  EXPECT_EQ(ts().store_too_large.Get(), 2u);
}

TEST_F(ExecutorTest, TooLargeBinarySetDropsTheOldValueAndIsNotACmdSet) {
  Text("set k 0 0 3\r\nold\r\n");
  const std::string reply = Binary(b::Opcode::kSet, Be32(0) + Be32(0), "k", std::string(2000, 'x'));
  EXPECT_EQ(StatusOf(reply), static_cast<uint16_t>(b::Status::kTooLarge));
  EXPECT_EQ(Text("get k\r\n"), "END\r\n");
  EXPECT_EQ(ts().cmd_set.Get(), 1u);  // the text set only
  EXPECT_EQ(ts().store_too_large.Get(), 1u);
}

TEST_F(ExecutorTest, TooLargeMetaSetInAnyModeDropsTheOldValue) {
  Text("set k 0 0 3\r\nold\r\n");
  EXPECT_EQ(Meta("ms k 2000 ME\r\n" + std::string(2000, 'x') + "\r\n"),
            "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(Text("get k\r\n"), "END\r\n");
}

// memcached applies T while walking the flags: a t before it shows the old
// TTL, a t after it the new one (checked against memcached 1.6.18).
TEST_F(ExecutorTest, MetaGetWalksFlagsInOrder) {
  EXPECT_EQ(Meta("ms k 2 T100\r\nhi\r\n"), "HD\r\n");
  EXPECT_EQ(Meta("mg k t T30 v\r\n"), "VA 2 t100\r\nhi\r\n");
  EXPECT_EQ(Meta("mg k t v\r\n"), "VA 2 t30\r\nhi\r\n");
  EXPECT_EQ(Meta("mg k T50 t\r\n"), "HD t50\r\n");
  EXPECT_EQ(ts().cmd_touch.Get(), 2u);
  EXPECT_EQ(ts().touch_hits.Get(), 2u);
  EXPECT_EQ(ts().cmd_get.Get(), 1u);
}

// An over-long opaque stops the walk where it stands: the T before it
// applies, the reply is the error, and nothing is counted.
TEST_F(ExecutorTest, MetaGetWithALongOpaqueFailsAfterItsSideEffects) {
  Meta("ms k 2\r\nhi\r\n");
  const std::string opaque = "O" + std::string(40, 'a');
  EXPECT_EQ(Meta("mg k T30 " + opaque + "\r\n"), "CLIENT_ERROR opaque token too long\r\n");
  EXPECT_EQ(Meta("mg k t\r\n"), "HD t30\r\n");
  EXPECT_EQ(ts().cmd_get.Get(), 1u);
  EXPECT_EQ(ts().cmd_touch.Get(), 0u);
}

TEST_F(ExecutorTest, QuietMetaHidesOnlyTheNominalCode) {
  EXPECT_EQ(Meta("mg nope q k\r\n"), "");
  EXPECT_EQ(Meta("ms k 2 q\r\nhi\r\n"), "");
  EXPECT_EQ(Meta("ms k 2 q MA Oz\r\nhi\r\n"), "");
  EXPECT_EQ(Meta("ms k 2 q ME Oz\r\nhi\r\n"), "NS Oz\r\n");
  EXPECT_EQ(Meta("md nope q Ox k\r\n"), "NF Ox knope\r\n");
}

// md counts a CAS mismatch as a delete miss; binary DELETE does not.
TEST_F(ExecutorTest, CasMismatchOnDeleteIsAMissOnlyInMeta) {
  Text("set k 0 0 1\r\na\r\n");
  EXPECT_EQ(Meta("md k C999999\r\n"), "EX\r\n");
  EXPECT_EQ(ts().delete_misses.Get(), 1u);
  const std::string reply = Binary(b::Opcode::kDelete, {}, "k", {}, 999999);
  EXPECT_EQ(StatusOf(reply), static_cast<uint16_t>(b::Status::kKeyExists));
  EXPECT_EQ(ts().delete_misses.Get(), 1u);
  EXPECT_EQ(Text("delete k\r\n"), "DELETED\r\n");
  EXPECT_EQ(ts().delete_hits.Get(), 1u);
}

// Binary incr on a miss creates the key holding `initial` unless the
// expiration is 0xffffffff, which is a counted miss.
TEST_F(ExecutorTest, BinaryIncrementCreatesUnlessToldNotTo) {
  const std::string no_create = Be64(1) + Be64(40) + Be32(0xffffffff);
  EXPECT_EQ(StatusOf(Binary(b::Opcode::kIncrement, no_create, "c")),
            static_cast<uint16_t>(b::Status::kKeyNotFound));
  EXPECT_EQ(ts().incr_misses.Get(), 1u);
  const std::string create = Be64(1) + Be64(40) + Be32(0);
  const std::string created = Binary(b::Opcode::kIncrement, create, "c");
  ASSERT_EQ(created.size(), b::kHeaderSize + 8);
  EXPECT_EQ(created.substr(b::kHeaderSize), Be64(40));
  EXPECT_EQ(ts().incr_misses.Get(), 1u);
  EXPECT_EQ(Text("incr c 2\r\n"), "42\r\n");
  EXPECT_EQ(ts().incr_hits.Get(), 1u);
}

TEST_F(ExecutorTest, BinaryQuietGetSaysNothingOnAMiss) {
  EXPECT_EQ(Binary(b::Opcode::kGetQ, {}, "nope"), "");
  EXPECT_EQ(ts().get_misses.Get(), 1u);
  Text("set k 9 0 2\r\nhi\r\n");
  const std::string hit = Binary(b::Opcode::kGetKQ, {}, "k");
  EXPECT_EQ(hit.substr(b::kHeaderSize), Be32(9) + "k" + "hi");
}

// `stats` is data: the binary packets carry exactly the text report's fields.
TEST_F(ExecutorTest, StatsAreTheSameFieldsInTextAndBinary) {
  const std::string text = Text("stats settings\r\n");
  std::string expected;
  size_t fields = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t eol = text.find("\r\n", pos);
    const std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 2;
    if (line == "END") break;
    ASSERT_TRUE(line.starts_with("STAT ")) << line;
    const size_t space = line.find(' ', 5);
    b::AppendResponse(&expected, static_cast<uint8_t>(b::Opcode::kStat), b::Status::kSuccess,
                      0x01020304, 0, {}, line.substr(5, space - 5), line.substr(space + 1));
    ++fields;
  }
  b::AppendResponse(&expected, static_cast<uint8_t>(b::Opcode::kStat), b::Status::kSuccess,
                    0x01020304, 0, {}, {}, {});
  EXPECT_GT(fields, 40u);
  EXPECT_EQ(Binary(b::Opcode::kStat, {}, "settings"), expected);
}

TEST_F(ExecutorTest, UnknownStatsSubcommandIsAnError) {
  EXPECT_EQ(Text("stats nonsense\r\n"), "ERROR\r\n");
  EXPECT_EQ(Text("stats extstore\r\n"), "END\r\n");
}

// Prefix stats record text and binary commands, not meta ones (memcached's
// meta commands do not call its stats_prefix_record_*).
TEST_F(ExecutorTest, PrefixStatsFollowTheProtocolPolicy) {
  EXPECT_EQ(Text("stats detail on\r\n"), "OK\r\n");
  Text("set a:1 0 0 1\r\nx\r\n");
  Meta("ms b:1 1\r\nx\r\n");
  Binary(b::Opcode::kGet, {}, "c:1");
  const std::string dump = Text("stats detail dump\r\n");
  EXPECT_NE(dump.find("PREFIX a get 0 hit 0 set 1 del 0\r\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("PREFIX c get 1 hit 0 set 0 del 0\r\n"), std::string::npos) << dump;
  EXPECT_EQ(dump.find("PREFIX b"), std::string::npos) << dump;
  EXPECT_TRUE(dump.ends_with("END\r\n")) << dump;
}

// The stream position a --repl-sync reply waits for comes back with the
// request: set only when the command wrote (a too-large set's drop of the
// old value counts; a get does not).
class CountingObserver : public storage::MutationObserver {
 public:
  uint64_t OnMutation(const storage::Mutation&) override { return ++records_; }

 private:
  uint64_t records_ = 0;
};

TEST_F(ExecutorTest, AWriteReportsWhereItsRecordEnds) {
  CountingObserver observer;
  engine_->SetObserver(&observer);
  Text("set k 0 0 1\r\na\r\n");
  EXPECT_EQ(last_stream_end_, 1u);
  Text("get k\r\n");
  EXPECT_EQ(last_stream_end_, 0u);
  Meta("ma k\r\n");
  EXPECT_EQ(last_stream_end_, 0u);  // not a number: nothing written
  Binary(b::Opcode::kDelete, {}, "k");
  EXPECT_EQ(last_stream_end_, 2u);
  Text("set k 0 0 1\r\na\r\n");
  Text("set k 0 0 2000\r\n" + std::string(2000, 'x') + "\r\n");
  EXPECT_EQ(last_stream_end_, 4u);
}

}  // namespace
}  // namespace tandem::server
