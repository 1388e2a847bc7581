// "Pairs that keep their promises", items 3, 4, 5 and 8, on two real
// tandemd processes. Each test attacks one guarantee of the README's
// "Running a pair" section: once the pair is linked and quiet, every key
// reads the same on both nodes, and no node serves a value older than a
// write or delete either node acknowledged, through expiry, deletes older
// than the tombstone window, every form of flush_all, and clocks that
// disagree. Writes that must cross each other on the link go through a
// DelayRelay (delay_relay.h) between the two nodes. Bounded polls only.
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/delay_relay.h"
#include "tests/integration/replication_harness.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;
using repl::Converged;
using repl::Get;
using repl::ReplStat;
using repl::Request;
using repl::WaitUntil;

const std::vector<std::string> kTuning = {"--repl-heartbeat-ms=100", "--repl-timeout-ms=3000"};
constexpr absl::Duration kLinkDelay = absl::Milliseconds(400);
// Versions order writes on different nodes by milliseconds (a hybrid
// clock); two writes less than a millisecond apart are concurrent and
// either may win (both nodes still agree). A test that needs one write to
// be newer than the other's waits this long between them.
constexpr absl::Duration kNextMillisecond = absl::Milliseconds(5);

// A pair whose link holds every byte kLinkDelay each way, so a write on
// each node crosses the other's on the wire.
struct SlowPair {
  repl::Pair pair;
  std::unique_ptr<DelayRelay> relay;
};

SlowPair StartSlowPair(const std::vector<std::string>& extra = {}) {
  SlowPair out;
  std::vector<std::string> args = {"-X", "{port1}"};
  args.insert(args.end(), kTuning.begin(), kTuning.end());
  args.insert(args.end(), extra.begin(), extra.end());
  out.pair.master = repl::StartNode(args);
  if (out.pair.master == nullptr) return out;
  out.relay = std::make_unique<DelayRelay>("127.0.0.1", "127.0.0.1", out.pair.master->extra_ports()[0], kLinkDelay);
  if (out.relay->port() == 0) return out;
  args = {"-x", absl::StrCat("127.0.0.1:", out.relay->port()), "-X", "{port1}"};
  args.insert(args.end(), kTuning.begin(), kTuning.end());
  args.insert(args.end(), extra.begin(), extra.end());
  out.pair.slave = repl::StartNode(args);
  if (out.pair.slave == nullptr) return out;
  if (!WaitUntil([&] { return repl::LinkUp(out.pair.m()) && repl::LinkUp(out.pair.s()); })) {
    ADD_FAILURE() << "the pair did not link\n" << out.pair.Logs();
    out.pair.slave.reset();
  }
  return out;
}

// Both nodes answer `gets key` with END, now and after the pair is quiet.
void ExpectMissOnBoth(const repl::Pair& pair, const std::string& key) {
  EXPECT_TRUE(WaitUntil([&] { return Get(pair.m(), key) == "END\r\n" && Get(pair.s(), key) == "END\r\n"; },
                        absl::Seconds(10)))
      << "A: " << Get(pair.m(), key) << "B: " << Get(pair.s(), key) << pair.Logs();
  absl::SleepFor(kLinkDelay * 3);  // anything still in flight has landed
  EXPECT_EQ(Get(pair.m(), key), "END\r\n");
  EXPECT_EQ(Get(pair.s(), key), "END\r\n");
}

// ---- item 3: an expired write keeps its version ---------------------------

TEST(ReplicationPromises, AnExpiredWriteCrossingAnOlderOneLeavesAMissOnBoth) {
  SlowPair slow = StartSlowPair();
  ASSERT_NE(slow.pair.slave, nullptr);
  const repl::Pair& pair = slow.pair;
  ASSERT_EQ(Request(pair.s(), "set e 0 0 3\r\nold\r\n"), "STORED\r\n");
  absl::SleepFor(kNextMillisecond);
  ASSERT_EQ(Request(pair.m(), "set e 0 -1 3\r\nnew\r\n"), "STORED\r\n");  // newer, already expired
  ExpectMissOnBoth(pair, "e");
}

// ---- item 4: a delete older than the tombstone window ---------------------

TEST(ReplicationPromises, ADeleteOlderThanTheTombstoneWindowLeavesAMissOnBoth) {
  SlowPair slow = StartSlowPair({"--repl-tombstone-ms=100"});
  ASSERT_NE(slow.pair.slave, nullptr);
  const repl::Pair& pair = slow.pair;
  ASSERT_EQ(Request(pair.m(), "set t 0 0 4\r\norig\r\n"), "STORED\r\n");
  ASSERT_THAT(Converged(pair.m(), pair.s(), "t"), HasSubstr("orig"));
  ASSERT_EQ(Request(pair.s(), "set t 0 0 3\r\nnew\r\n"), "STORED\r\n");
  absl::SleepFor(kNextMillisecond);
  ASSERT_EQ(Request(pair.m(), "delete t\r\n"), "DELETED\r\n");  // newer than B's set
  ExpectMissOnBoth(pair, "t");
}

// ---- item 5: every form of flush_all --------------------------------------

TEST(ReplicationPromises, ADelayedFlushDoesNotSwallowALaterImmediateOne) {
  repl::Pair pair = repl::StartPair(kTuning);
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(Request(pair.m(), "set k 0 0 1\r\nv\r\n"), "STORED\r\n");
  ASSERT_THAT(Converged(pair.m(), pair.s(), "k"), HasSubstr("VALUE k"));
  ASSERT_EQ(Request(pair.m(), "flush_all 3600\r\n"), "OK\r\n");
  ASSERT_EQ(Request(pair.m(), "flush_all\r\n"), "OK\r\n");
  EXPECT_EQ(Get(pair.m(), "k"), "END\r\n");
  EXPECT_TRUE(WaitUntil([&] { return Get(pair.s(), "k") == "END\r\n"; }, absl::Seconds(5))) << pair.Logs();
  // Writes after the flushes stay on both.
  ASSERT_EQ(Request(pair.s(), "set after 0 0 1\r\na\r\n"), "STORED\r\n");
  EXPECT_THAT(Converged(pair.m(), pair.s(), "after"), HasSubstr("VALUE after"));
}

TEST(ReplicationPromises, AnAbsoluteFlushTimeIsNotReadAsSecondsOnThePeer) {
  repl::Pair pair = repl::StartPair(kTuning);
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(Request(pair.m(), "set k 0 0 1\r\nv\r\n"), "STORED\r\n");
  ASSERT_THAT(Converged(pair.m(), pair.s(), "k"), HasSubstr("VALUE k"));
  const int64_t at = absl::ToUnixSeconds(absl::Now()) + 2;
  ASSERT_EQ(Request(pair.m(), absl::StrCat("flush_all ", at, "\r\n")), "OK\r\n");
  EXPECT_THAT(Get(pair.s(), "k"), HasSubstr("VALUE k"));  // not yet
  const absl::Time due = absl::FromUnixSeconds(at);
  EXPECT_TRUE(WaitUntil([&] { return Get(pair.m(), "k") == "END\r\n"; }, absl::Seconds(6)));
  EXPECT_TRUE(WaitUntil([&] { return Get(pair.s(), "k") == "END\r\n"; }, absl::Seconds(6))) << pair.Logs();
  EXPECT_LT(absl::Now() - due, absl::Milliseconds(1500));
}

TEST(ReplicationPromises, LocalFlushesDoNotHideThePeersLaterWrites) {
  repl::Pair pair = repl::StartPair(kTuning);
  ASSERT_NE(pair.slave, nullptr);
  for (int i = 0; i < 50; ++i) Request(pair.m(), absl::StrCat("set c", i, " 0 0 1\r\nc\r\n"));  // spend CAS on A
  ASSERT_EQ(Request(pair.m(), "flush_all\r\n"), "OK\r\n");
  ASSERT_EQ(Request(pair.m(), "flush_all\r\n"), "OK\r\n");
  ASSERT_EQ(Request(pair.s(), "set k2 0 0 2\r\nk2\r\n"), "STORED\r\n");
  EXPECT_THAT(Converged(pair.m(), pair.s(), "k2"), HasSubstr("VALUE k2"));
}

// ---- item 8: clocks that disagree -----------------------------------------

// Nanoseconds until `gets key` misses on `port` (polled every 10 ms).
absl::Time MissedAt(int port, const std::string& key, absl::Time deadline) {
  while (absl::Now() < deadline) {
    if (Get(port, key) == "END\r\n") return absl::Now();
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::InfiniteFuture();
}

int64_t Offset(int port) {
  int64_t v = 0;
  return absl::SimpleAtoi(ReplStat(port, "peer_clock_offset_ms"), &v) ? v : 0;
}

// B's clock runs 30 s ahead of A's. The operator allows that much skew
// (--repl-max-skew-ms=60000), so versions follow the faster clock.
TEST(ReplicationPromises, SkewedClocksExpireAndFlushTogether) {
  std::vector<std::string> flags = kTuning;
  flags.push_back("--repl-max-skew-ms=60000");
  repl::Pair pair;
  pair.master = repl::StartNode([&] {
    std::vector<std::string> a = {"-X", "{port1}"};
    a.insert(a.end(), flags.begin(), flags.end());
    return a;
  }());
  ASSERT_NE(pair.master, nullptr);
  std::vector<std::string> b = {"-x", absl::StrCat("127.0.0.1:", pair.master->extra_ports()[0]), "-X", "{port1}",
                                "--debug-clock-offset-ms=30000"};
  b.insert(b.end(), flags.begin(), flags.end());
  pair.slave = repl::StartNode(b);
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return repl::LinkUp(pair.m()) && repl::LinkUp(pair.s()); })) << pair.Logs();
  ASSERT_TRUE(WaitUntil([&] { return std::abs(Offset(pair.m()) - 30000) < 500; })) << Offset(pair.m());
  ASSERT_TRUE(WaitUntil([&] { return std::abs(Offset(pair.s()) + 30000) < 500; })) << Offset(pair.s());

  // A 10 s TTL set on A expires on both within a second.
  ASSERT_EQ(Request(pair.m(), "set ttl 0 10 1\r\nt\r\n"), "STORED\r\n");
  ASSERT_THAT(Converged(pair.m(), pair.s(), "ttl"), HasSubstr("VALUE ttl"));
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  absl::Time a_at = absl::InfiniteFuture(), b_at = absl::InfiniteFuture();
  while (absl::Now() < deadline && (a_at == absl::InfiniteFuture() || b_at == absl::InfiniteFuture())) {
    if (a_at == absl::InfiniteFuture() && Get(pair.m(), "ttl") == "END\r\n") a_at = absl::Now();
    if (b_at == absl::InfiniteFuture() && Get(pair.s(), "ttl") == "END\r\n") b_at = absl::Now();
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_NE(a_at, absl::InfiniteFuture());
  ASSERT_NE(b_at, absl::InfiniteFuture());
  EXPECT_LE(absl::AbsDuration(a_at - b_at), absl::Seconds(1));

  // A flush on the skewed node B takes effect on both within a second, and
  // writes made after it on either node stay.
  ASSERT_EQ(Request(pair.m(), "set f1 0 0 1\r\na\r\n"), "STORED\r\n");
  ASSERT_EQ(Request(pair.s(), "set f2 0 0 1\r\nb\r\n"), "STORED\r\n");
  ASSERT_THAT(Converged(pair.m(), pair.s(), "f1 f2"), HasSubstr("VALUE f2"));
  const absl::Time flushed = absl::Now();
  ASSERT_EQ(Request(pair.s(), "flush_all\r\n"), "OK\r\n");
  const absl::Time gone_a = MissedAt(pair.m(), "f1", absl::Now() + absl::Seconds(5));
  EXPECT_LE(gone_a - flushed, absl::Seconds(1)) << pair.Logs();
  EXPECT_EQ(Get(pair.s(), "f1 f2"), "END\r\n");
  EXPECT_EQ(Get(pair.m(), "f1 f2"), "END\r\n");
  ASSERT_EQ(Request(pair.m(), "set later 0 0 1\r\nl\r\n"), "STORED\r\n");
  EXPECT_THAT(Converged(pair.m(), pair.s(), "later"), HasSubstr("VALUE later"));
}

TEST(ReplicationPromises, APeerMoreThanADayOffIsRefused) {
  std::vector<std::string> a = {"-X", "{port1}"};
  a.insert(a.end(), kTuning.begin(), kTuning.end());
  repl::Pair pair;
  pair.master = repl::StartNode(a);
  ASSERT_NE(pair.master, nullptr);
  std::vector<std::string> b = {"-x", absl::StrCat("127.0.0.1:", pair.master->extra_ports()[0]), "-X", "{port1}",
                                "--debug-clock-offset-ms=90000000"};  // 25 hours ahead
  b.insert(b.end(), kTuning.begin(), kTuning.end());
  pair.slave = repl::StartNode(b);
  ASSERT_NE(pair.slave, nullptr);
  // Whichever node hears the other's clock first refuses the link.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return pair.master->CapturedOutput().find("more than a day") != std::string::npos ||
               pair.slave->CapturedOutput().find("more than a day") != std::string::npos;
      },
      absl::Seconds(10)))
      << pair.Logs();
  ASSERT_EQ(Request(pair.m(), "set k 0 0 1\r\nv\r\n"), "STORED\r\n");
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(Get(pair.s(), "k"), "END\r\n");  // nothing crossed
}

// ---- a touch never reverts a newer value ---------------------------------

// `set k new` on B, then (a few ms later, so it is newer) `touch k` on A
// while B's write is still on the link. A touch of a key A owns runs on A,
// on the old value: it travels as a touch of that value's version, which
// B (holding the newer value) ignores, and A takes B's write when it lands.
// A touch of a key B owns is forwarded to B and touches the new value. On
// the old design the touch carried the whole old item with a newer version
// and both nodes ended with "old".
TEST(ReplicationPromises, ATouchCrossingANewerWriteNeverBringsTheOldValueBack) {
  SlowPair slow = StartSlowPair();
  ASSERT_NE(slow.pair.slave, nullptr);
  const repl::Pair& pair = slow.pair;
  constexpr int kKeys = 8;  // some owned by each node (a bit of the key hash)
  std::string keys;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(Request(pair.m(), absl::StrCat("set t", i, " 0 0 3\r\nold\r\n")), "STORED\r\n");
    absl::StrAppend(&keys, i == 0 ? "" : " ", "t", i);
  }
  ASSERT_THAT(Converged(pair.m(), pair.s(), keys), HasSubstr("VALUE t7"));
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(Request(pair.s(), absl::StrCat("set t", i, " 0 0 3\r\nnew\r\n")), "STORED\r\n");
  }
  absl::SleepFor(kNextMillisecond);
  // All at once, one connection each: a forwarded touch waits for the
  // owner's answer (a round trip over the slow link), the others must not.
  std::vector<std::string> touched(kKeys);
  std::vector<std::thread> touchers;
  for (int i = 0; i < kKeys; ++i) {
    touchers.emplace_back([&, i] { touched[i] = Request(pair.m(), absl::StrCat("touch t", i, " 100\r\n")); });
  }
  for (std::thread& t : touchers) t.join();
  for (int i = 0; i < kKeys; ++i) EXPECT_EQ(touched[i], "TOUCHED\r\n") << "t" << i;
  uint64_t forwarded = 0;
  ASSERT_TRUE(absl::SimpleAtoi(ReplStat(pair.m(), "forwarded_commands"), &forwarded));
  EXPECT_LT(forwarded, static_cast<uint64_t>(kKeys)) << "no touch ran on A itself: the race was not exercised";
  auto all_new = [&](int port) {
    for (int i = 0; i < kKeys; ++i) {
      const std::string r = Get(port, absl::StrCat("t", i));
      if (r.find("\r\nnew\r\n") == std::string::npos) return false;
    }
    return true;
  };
  EXPECT_TRUE(WaitUntil([&] { return all_new(pair.m()) && all_new(pair.s()); }, absl::Seconds(10)))
      << "A: " << Get(pair.m(), keys) << "B: " << Get(pair.s(), keys) << pair.Logs();
  absl::SleepFor(kLinkDelay * 3);  // anything still in flight has landed
  EXPECT_TRUE(all_new(pair.m())) << Get(pair.m(), keys);
  EXPECT_TRUE(all_new(pair.s())) << Get(pair.s(), keys);
}

}  // namespace
}  // namespace tandem::testing
