// --repl-sync between real tandemd processes: a write's reply leaves only
// once the peer has applied it, so the value is readable on the peer the
// moment the client has its reply (no polling in these checks); with the
// peer frozen the reply still comes, after --repl-sync-timeout, and is
// counted in sync_timeouts; and a held connection never holds up the
// others on its worker thread. Waits are bounded (replication_harness.h).
#include <signal.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/replication_harness.h"

namespace tandem::testing {
namespace {

using ::testing::AnyOf;
using ::testing::Eq;
using ::testing::HasSubstr;
using repl::Get;
using repl::ReplStat;
using repl::Request;
using repl::WaitUntil;

uint64_t Number(const std::string& s) {
  uint64_t v = 0;
  return absl::SimpleAtoi(s, &v) ? v : 0;
}

uint64_t SyncStat(int port, const std::string& name) { return Number(ReplStat(port, name)); }

// A long --repl-timeout-ms keeps the link up while a node is frozen, so
// held replies wait for the sync timeout rather than for a link drop.
std::vector<std::string> SyncFlags(int sync_timeout_ms) {
  return {"--repl-sync", absl::StrCat("--repl-sync-timeout=", sync_timeout_ms), "--repl-heartbeat-ms=100",
          "--repl-timeout-ms=60000"};
}

// Binary SET of key=value (flags 0, no expiry).
std::string BinarySet(const std::string& key, const std::string& value) {
  std::string p(24, '\0');
  p[0] = static_cast<char>(0x80);
  p[1] = 0x01;
  p[2] = static_cast<char>(key.size() >> 8);
  p[3] = static_cast<char>(key.size() & 0xff);
  p[4] = 8;
  const uint32_t body = static_cast<uint32_t>(8 + key.size() + value.size());
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<char>(body >> (24 - 8 * i));
  p.append(8, '\0');
  return p + key + value;
}

TEST(ReplicationSync, AWriteIsOnThePeerWhenItsReplyArrives) {
  repl::Pair pair = repl::StartPair(SyncFlags(10000));
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.m(), s = pair.s();
  for (int i = 0; i < 40; ++i) {
    const std::string key = absl::StrCat("sync:", i), value = absl::StrCat("v", i);
    // Alternate the writing node: the rule holds both ways.
    const int writer = i % 2 == 0 ? m : s, reader = i % 2 == 0 ? s : m;
    ASSERT_EQ(Request(writer, absl::StrCat("set ", key, " 0 0 ", value.size(), "\r\n", value, "\r\n")), "STORED\r\n");
    ASSERT_THAT(Get(reader, key), HasSubstr(absl::StrCat("\r\n", value, "\r\n"))) << i;
  }
  // Every kind of write waits, in every protocol.
  ASSERT_EQ(Request(m, "set n 0 0 1\r\n5\r\n"), "STORED\r\n");
  ASSERT_EQ(Request(m, "incr n 3\r\n"), "8\r\n");
  EXPECT_THAT(Get(s, "n"), HasSubstr("\r\n8\r\n"));
  ASSERT_EQ(Request(m, "append n 0 0 1\r\n0\r\n"), "STORED\r\n");
  EXPECT_THAT(Get(s, "n"), HasSubstr("\r\n80\r\n"));
  ASSERT_EQ(Request(m, "touch n 1000\r\n"), "TOUCHED\r\n");
  EXPECT_THAT(Request(s, "mg n t\r\n"), AnyOf(Eq("HD t1000\r\n"), Eq("HD t999\r\n")));
  ASSERT_EQ(Request(m, "delete n\r\n"), "DELETED\r\n");
  EXPECT_EQ(Get(s, "n"), "END\r\n");
  ASSERT_EQ(Request(s, "ms meta 2 F7\r\nhi\r\n"), "HD\r\n");
  EXPECT_EQ(Request(m, "mg meta v f\r\n", "hi\r\n"), "VA 2 f7\r\nhi\r\n");
  ASSERT_EQ(Request(s, "ma meta\r\n"), "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  ASSERT_EQ(Request(s, "md meta q\r\nmn\r\n"), "MN\r\n");
  EXPECT_EQ(Request(m, "mg meta v\r\n"), "EN\r\n");
  // Binary SET answers (24-byte header) only after the peer applied it.
  {
    absl::StatusOr<RawSocket> sock = RawSocket::Connect(m);
    ASSERT_TRUE(sock.ok());
    ASSERT_TRUE(sock->Send(BinarySet("bin", "bv")).ok());
    absl::StatusOr<std::string> reply = sock->ReadExactly(24, absl::Seconds(15));
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ((*reply)[6], 0);  // status: success
    EXPECT_EQ((*reply)[7], 0);
    EXPECT_THAT(Get(s, "bin"), HasSubstr("\r\nbv\r\n"));
  }
  // Nothing timed out: every reply above was released by an ack.
  EXPECT_EQ(ReplStat(m, "sync_timeouts"), "0") << pair.Logs();
  // incr, append and touch of "n" are carried out by n's owner (server/
  // forwarding.h); when that is the slave (node ids are random), their
  // records precede the answer on the link, so the master holds (and
  // counts) no reply for those three.
  EXPECT_GE(SyncStat(m, "sync_acked"), 22u);
  EXPECT_GE(SyncStat(s, "sync_acked"), 20u);
}

TEST(ReplicationSync, AFrozenPeerDelaysTheReplyOnlyUntilTheTimeout) {
  repl::Pair pair = repl::StartPair(SyncFlags(300));
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(Request(pair.m(), "set before 0 0 1\r\nb\r\n"), "STORED\r\n");
  const uint64_t timeouts = SyncStat(pair.m(), "sync_timeouts");
  ASSERT_TRUE(repl::Freeze(*pair.slave));
  // The link stays up (long --repl-timeout-ms) but no ack can come.
  EXPECT_EQ(Request(pair.m(), "set frozen 0 0 1\r\nf\r\n"), "STORED\r\n");
  EXPECT_EQ(SyncStat(pair.m(), "sync_timeouts"), timeouts + 1);
  EXPECT_EQ(Request(pair.m(), "get frozen\r\n", "END\r\n"), "VALUE frozen 0 1\r\nf\r\nEND\r\n");
  ASSERT_EQ(kill(pair.slave->pid(), SIGCONT), 0);
  EXPECT_TRUE(WaitUntil([&] { return Get(pair.s(), "frozen").find("\r\nf\r\n") != std::string::npos; }));
}

TEST(ReplicationSync, AHeldConnectionDoesNotHoldUpTheOthers) {
  std::vector<std::string> flags = SyncFlags(30000);
  flags.insert(flags.end(), {"-t", "1"});  // both clients on the one worker thread
  repl::Pair pair = repl::StartPair(flags);
  ASSERT_NE(pair.slave, nullptr);
  const std::string big(300000, 'b');
  ASSERT_EQ(Request(pair.m(), absl::StrCat("set big 0 0 ", big.size(), "\r\n", big, "\r\n")), "STORED\r\n");
  ASSERT_TRUE(repl::Freeze(*pair.slave));
  absl::StatusOr<RawSocket> held = RawSocket::Connect(pair.m());
  ASSERT_TRUE(held.ok());
  // Over 512 KB of replies after the write: still none may leave before the ack.
  ASSERT_TRUE(held->Send("set held 0 0 1\r\nh\r\nget big\r\nget big\r\nget held\r\n").ok());
  // Another client on the same thread is served while the first waits.
  EXPECT_EQ(Request(pair.m(), "get held\r\n", "END\r\n"), "VALUE held 0 1\r\nh\r\nEND\r\n");
  EXPECT_EQ(Request(pair.m(), "version\r\n"), "VERSION 1.6.18\r\n");
  // The held replies are still queued (the 30 s timeout is far off)...
  EXPECT_EQ(held->ReadAvailable(absl::Milliseconds(50), absl::Milliseconds(200)), "");
  // ...and go, in order, once the peer is back and acknowledges.
  ASSERT_EQ(kill(pair.slave->pid(), SIGCONT), 0);
  const std::string big_reply = absl::StrCat("VALUE big 0 ", big.size(), "\r\n", big, "\r\nEND\r\n");
  const std::string want = absl::StrCat("STORED\r\n", big_reply, big_reply, "VALUE held 0 1\r\nh\r\nEND\r\n");
  absl::StatusOr<std::string> reply = held->ReadExactly(want.size(), absl::Seconds(25));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(*reply == want) << "replies out of order or damaged";
  EXPECT_EQ(ReplStat(pair.m(), "sync_timeouts"), "0");
}

TEST(ReplicationSync, WithoutALinkWritesAreNotHeld) {
  std::unique_ptr<ServerProcess> alone = repl::StartNode({"-X", "{port1}", "--repl-sync", "--repl-sync-timeout=30000"});
  ASSERT_NE(alone, nullptr);
  EXPECT_EQ(Request(alone->port(), "set solo 0 0 1\r\ns\r\n"), "STORED\r\n");
  EXPECT_EQ(ReplStat(alone->port(), "sync_timeouts"), "1");
}

// Two nodes whose -I differ: A takes up to 2 MB, B only 1 MB. `extra` goes
// to A only (e.g. --repl-sync=strict).
struct UnevenPair {
  std::unique_ptr<ServerProcess> a, b;
  std::string Logs() const { return absl::StrCat("--- A:\n", a->CapturedOutput(), "--- B:\n", b->CapturedOutput()); }
};

UnevenPair StartUneven(const std::string& sync_flag, int sync_timeout_ms) {
  UnevenPair p;
  std::vector<std::string> flags = SyncFlags(sync_timeout_ms);
  flags[0] = sync_flag;
  std::vector<std::string> a_args = {"-X", "{port1}", "-I", "2m"};
  a_args.insert(a_args.end(), flags.begin(), flags.end());
  p.a = repl::StartNode(a_args);
  if (p.a == nullptr) return p;
  std::vector<std::string> b_args = {"-x", absl::StrCat("127.0.0.1:", p.a->extra_ports()[0]), "-X", "{port1}",
                                     "-I", "1m"};
  b_args.insert(b_args.end(), flags.begin(), flags.end());
  p.b = repl::StartNode(b_args);
  if (p.b == nullptr) return p;
  if (!WaitUntil([&] { return repl::LinkUp(p.a->port()) && repl::LinkUp(p.b->port()); })) {
    ADD_FAILURE() << "the pair did not link\n" << p.Logs();
    p.b.reset();
  }
  return p;
}

TEST(ReplicationSync, AWriteThePeerCannotHoldIsNackedNotAcked) {
  UnevenPair p = StartUneven("--repl-sync", 10000);
  ASSERT_NE(p.b, nullptr);
  const int a = p.a->port(), b = p.b->port();
  // The handshake compares -I (and -M) and says so.
  EXPECT_TRUE(WaitUntil([&] {
    return absl::StrContains(p.Logs(), "item size limit mismatch");
  }, absl::Seconds(5))) << p.Logs();
  ASSERT_EQ(Request(a, "set small 0 0 1\r\ns\r\n"), "STORED\r\n");
  const uint64_t acked = SyncStat(a, "sync_acked");
  const std::string big(1500 * 1000, 'x');
  const absl::Time start = absl::Now();
  // The write is on A, so the client still gets STORED, promptly (not after the 10 s timeout).
  EXPECT_EQ(Request(a, absl::StrCat("set big 0 0 ", big.size(), "\r\n", big, "\r\n")), "STORED\r\n");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(SyncStat(a, "sync_nacked"), 1u);
  EXPECT_EQ(SyncStat(a, "sync_acked"), acked);
  EXPECT_EQ(SyncStat(a, "sync_timeouts"), 0u);
  EXPECT_EQ(SyncStat(b, "refused_records"), 1u);
  EXPECT_EQ(Get(b, "big"), "END\r\n");
  EXPECT_THAT(Request(a, "get big\r\n", "END\r\n"), HasSubstr(big));
  // The link is unharmed: later writes are acked as before.
  ASSERT_EQ(Request(a, "set after 0 0 1\r\nz\r\n"), "STORED\r\n");
  EXPECT_EQ(SyncStat(a, "sync_acked"), acked + 1);
  EXPECT_THAT(Get(b, "after"), HasSubstr("\r\nz\r\n"));
}

TEST(ReplicationSync, StrictAnswersANackedWriteWithAnError) {
  UnevenPair p = StartUneven("--repl-sync=strict", 10000);
  ASSERT_NE(p.b, nullptr);
  const int a = p.a->port();
  const std::string big(1500 * 1000, 'y');
  const std::string error = "SERVER_ERROR write not applied by the replication peer\r\n";
  // Text, then meta: the error line instead of the success reply.
  EXPECT_EQ(Request(a, absl::StrCat("set big 0 0 ", big.size(), "\r\n", big, "\r\n")), error);
  EXPECT_EQ(Request(a, absl::StrCat("ms bigm ", big.size(), "\r\n", big, "\r\n")), error);
  // Binary: status 0x0086 (temporary failure) instead of success.
  absl::StatusOr<RawSocket> bin = RawSocket::Connect(a);
  ASSERT_TRUE(bin.ok());
  ASSERT_TRUE(bin->Send(BinarySet("bigb", big)).ok());
  absl::StatusOr<std::string> header = bin->ReadExactly(24, absl::Seconds(10));
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(static_cast<uint8_t>((*header)[0]), 0x81);
  EXPECT_EQ(static_cast<uint8_t>((*header)[6]), 0x00);
  EXPECT_EQ(static_cast<uint8_t>((*header)[7]), 0x86);
  EXPECT_EQ(SyncStat(a, "sync_nacked"), 3u);
  // The write is still on A; a write the peer applies is answered as usual,
  // and requests pipelined behind a held write keep their order.
  EXPECT_THAT(Request(a, "get big\r\n", "END\r\n"), HasSubstr(big));
  EXPECT_EQ(Request(a, "set ok 0 0 1\r\no\r\nset big2 0 0 " + std::to_string(big.size()) + "\r\n" + big +
                           "\r\nget ok\r\n",
                    "END\r\n"),
            absl::StrCat("STORED\r\n", error, "VALUE ok 0 1\r\no\r\nEND\r\n"));
  EXPECT_EQ(SyncStat(a, "sync_nacked"), 4u);
}

TEST(ReplicationSync, StrictWithoutALinkAnswersEveryWriteWithAnErrorInOrder) {
  std::unique_ptr<ServerProcess> alone = repl::StartNode({"-X", "{port1}", "--repl-sync=strict"});
  ASSERT_NE(alone, nullptr);
  const std::string error = "SERVER_ERROR write not applied by the replication peer\r\n";
  EXPECT_EQ(Request(alone->port(), "set a 0 0 1\r\na\r\nset b 0 0 1\r\nb\r\nget a b\r\n", "END\r\n"),
            absl::StrCat(error, error, "VALUE a 0 1\r\na\r\nVALUE b 0 1\r\nb\r\nEND\r\n"));
  EXPECT_EQ(ReplStat(alone->port(), "sync_timeouts"), "2");
}

TEST(ReplicationSync, StrictAnswersATimedOutWriteWithAnError) {
  std::vector<std::string> flags = SyncFlags(300);
  flags[0] = "--repl-sync=strict";
  repl::Pair pair = repl::StartPair(flags);
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(Request(pair.m(), "set before 0 0 1\r\nb\r\n"), "STORED\r\n");
  ASSERT_TRUE(repl::Freeze(*pair.slave));
  EXPECT_EQ(Request(pair.m(), "set frozen 0 0 1\r\nf\r\n"),
            "SERVER_ERROR write not applied by the replication peer\r\n");
  EXPECT_EQ(SyncStat(pair.m(), "sync_timeouts"), 1u);
  ASSERT_EQ(kill(pair.slave->pid(), SIGCONT), 0);
  EXPECT_TRUE(WaitUntil([&] { return Get(pair.s(), "frozen").find("\r\nf\r\n") != std::string::npos; }));
}

}  // namespace
}  // namespace tandem::testing
