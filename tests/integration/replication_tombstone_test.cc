// Delete tombstones between real tandemd processes: a key deleted on one
// node stays deleted once the pair has converged, whether the peer was away
// (resent from the backlog, or by a full copy after the backlog overflowed)
// or was writing the same keys at the same time. Tombstones never show in
// client-visible stats. flush_all, the delete of everything, behaves alike
// (flush_mark.h): it takes only the writes older than it on both nodes and
// survives a full copy. Bounded polls only (replication_harness.h).
#include <signal.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/replication_harness.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;
using repl::Converged;
using repl::Get;
using repl::ReplStat;
using repl::Request;
using repl::WaitUntil;

const std::vector<std::string> kTuning = {"--repl-heartbeat-ms=100", "--repl-timeout-ms=1000"};

// Freezes `p` until the other node has dropped the link.
void FreezeUntilLinkDown(ServerProcess& p, int other_port) {
  ASSERT_TRUE(repl::Freeze(p));
  ASSERT_TRUE(WaitUntil([&] { return ReplStat(other_port, "link") == "down"; }));
}

// Stops the slave, sends `while_away` to the master, then 2 MB of other
// writes (fill:0..39), which push it out of the 1 MB backlog
// (--repl-backlog=1): the slave, woken, can only be fed by a full copy.
// Returns once the copy has arrived and the link is up.
void FeedTheSlaveAFullCopyAfter(const repl::Pair& pair, const std::string& while_away) {
  const std::string full_before = ReplStat(pair.s(), "full_syncs");
  FreezeUntilLinkDown(*pair.slave, pair.m());
  EXPECT_THAT(Request(pair.m(), while_away), HasSubstr("\r\n"));
  const std::string value(50000, 'f');
  std::string batch;
  for (int i = 0; i < 40; ++i) absl::StrAppend(&batch, "set fill:", i, " 0 0 ", value.size(), " noreply\r\n", value, "\r\n");
  absl::StrAppend(&batch, "version\r\n");
  EXPECT_THAT(Request(pair.m(), batch, "VERSION"), HasSubstr("VERSION"));
  EXPECT_EQ(kill(pair.slave->pid(), SIGCONT), 0);
  // The copy has arrived once the slave counted it and its link is up
  // again (it reads "syncing" while a copy comes in).
  EXPECT_TRUE(WaitUntil([&] { return ReplStat(pair.s(), "full_syncs") != full_before; })) << pair.Logs();
  EXPECT_TRUE(WaitUntil([&] { return repl::LinkUp(pair.m()) && repl::LinkUp(pair.s()); })) << pair.Logs();
  EXPECT_TRUE(WaitUntil([&] { return Get(pair.s(), "fill:39").find(value) != std::string::npos; })) << pair.Logs();
  EXPECT_THAT(pair.master->CapturedOutput(), HasSubstr("sending a full copy"));
}

TEST(ReplicationTombstone, DeleteWhileSlaveStoppedStaysDeleted) {
  repl::Pair pair = repl::StartPair(kTuning);
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(Request(pair.m(), "set gone 0 0 3\r\nold\r\n"), "STORED\r\n");
  ASSERT_EQ(Request(pair.m(), "set kept 0 0 3\r\nyes\r\n"), "STORED\r\n");
  ASSERT_THAT(Converged(pair.m(), pair.s(), "gone kept"), HasSubstr("old"));

  FreezeUntilLinkDown(*pair.slave, pair.m());
  ASSERT_EQ(Request(pair.m(), "delete gone\r\n"), "DELETED\r\n");
  ASSERT_EQ(kill(pair.slave->pid(), SIGCONT), 0);

  ASSERT_TRUE(WaitUntil([&] { return repl::LinkUp(pair.m()) && repl::LinkUp(pair.s()); })) << pair.Logs();
  EXPECT_TRUE(WaitUntil([&] { return Get(pair.s(), "gone") == "END\r\n"; })) << pair.Logs();
  EXPECT_EQ(Get(pair.m(), "gone"), "END\r\n");
  EXPECT_THAT(Converged(pair.m(), pair.s(), "kept"), HasSubstr("yes"));
}

TEST(ReplicationTombstone, DeleteSurvivesAFullCopyAfterTheBacklogOverflowed) {
  std::vector<std::string> flags = kTuning;
  flags.push_back("--repl-backlog=1");
  repl::Pair pair = repl::StartPair(flags);
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(Request(pair.m(), "set gone 0 0 3\r\nold\r\n"), "STORED\r\n");
  ASSERT_THAT(Converged(pair.m(), pair.s(), "gone"), HasSubstr("old"));
  // The full copy must carry the tombstone.
  FeedTheSlaveAFullCopyAfter(pair, "delete gone\r\n");
  EXPECT_EQ(Get(pair.s(), "gone"), "END\r\n") << pair.Logs();
  EXPECT_EQ(Get(pair.m(), "gone"), "END\r\n") << pair.Logs();
  // The slave learnt the delete from the copy; clients see no trace of it.
  EXPECT_NE(ReplStat(pair.s(), "tombstones"), "0");
  EXPECT_EQ(repl::StatsOf(pair.s(), "")["curr_items"], "40");
}

TEST(ReplicationTombstone, AnOlderWriteCrossingADeleteDoesNotResurrect) {
  repl::Pair pair = repl::StartPair(kTuning);
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(Request(pair.m(), "set k 0 0 4\r\norig\r\n"), "STORED\r\n");
  ASSERT_THAT(Converged(pair.m(), pair.s(), "k"), HasSubstr("orig"));
  // The master freezes; the slave drops the link, then writes k: that
  // record waits in its backlog for the link to come back.
  FreezeUntilLinkDown(*pair.master, pair.s());
  ASSERT_EQ(Request(pair.s(), "set k 0 0 5\r\nslave\r\n"), "STORED\r\n");
  absl::SleepFor(absl::Milliseconds(5));  // the delete below is newer by the clock
  // A delete for the frozen master is already in its socket when it wakes,
  // so it (nearly always) runs before the resync delivers the older write:
  // without a tombstone that write would bring k back on the master only.
  absl::StatusOr<RawSocket> client = RawSocket::Connect(pair.m());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->Send("delete k\r\n").ok());
  ASSERT_EQ(kill(pair.master->pid(), SIGCONT), 0);
  absl::StatusOr<std::string> deleted = client->ReadUntil("\r\n", absl::Seconds(15));
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  ASSERT_TRUE(WaitUntil([&] { return repl::LinkUp(pair.m()) && repl::LinkUp(pair.s()); })) << pair.Logs();
  // Whichever ran first, the delete is the newest write: k ends absent on both.
  EXPECT_EQ(*deleted, "DELETED\r\n");
  EXPECT_EQ(Converged(pair.m(), pair.s(), "k"), "END\r\n") << pair.Logs();
}

TEST(ReplicationTombstone, ConcurrentSetsAndDeletesConverge) {
  repl::Pair pair = repl::StartPair(kTuning);
  ASSERT_NE(pair.slave, nullptr);
  constexpr int kKeys = 16;
  std::atomic<int> deleted{0};
  // Each node takes sets and deletes of the same few keys at once; without
  // tombstones a set that crossed a later delete resurrects the key on the
  // deleting node only.
  auto writer = [&](int port, char tag, unsigned seed) {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(port);
    if (!s.ok()) return;
    std::mt19937 rng(seed);
    const absl::Time until = absl::Now() + absl::Milliseconds(1500);
    for (int round = 0; round < 5000 && absl::Now() < until; ++round) {
      std::string batch;
      for (int k = 0; k < kKeys; ++k) {
        if (rng() % 3 == 0) {
          absl::StrAppend(&batch, "delete tk:", k, "\r\n");
        } else {
          std::string v = absl::StrCat(std::string(1, tag), round);
          absl::StrAppend(&batch, "set tk:", k, " 0 0 ", v.size(), "\r\n", v, "\r\n");
        }
      }
      absl::StrAppend(&batch, "version\r\n");
      if (!s->Send(batch).ok()) return;
      absl::StatusOr<std::string> r = s->ReadUntil("VERSION 1.6.18\r\n", absl::Seconds(15));
      if (!r.ok()) return;
      for (size_t at = r->find("DELETED"); at != std::string::npos; at = r->find("DELETED", at + 1)) ++deleted;
    }
  };
  std::thread ta(writer, pair.m(), 'A', 1u);
  std::thread tb(writer, pair.s(), 'B', 2u);
  ta.join();
  tb.join();
  std::string keys;
  for (int k = 0; k < kKeys; ++k) absl::StrAppend(&keys, k == 0 ? "" : " ", "tk:", k);
  Converged(pair.m(), pair.s(), keys);
  EXPECT_GT(deleted.load(), 0);
}

// A flush on the master while the slave is stopped; the slave, woken, first
// takes a write of its own, newer than the flush. The flush reaches it
// after that write: it must take only what came before it, on both nodes.
TEST(ReplicationFlush, FlushWhileSlaveStoppedSparesTheSlavesNewerWrite) {
  repl::Pair pair = repl::StartPair(kTuning);
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(Request(pair.m(), "set old 0 0 3\r\nold\r\n"), "STORED\r\n");
  ASSERT_THAT(Converged(pair.m(), pair.s(), "old"), HasSubstr("old"));

  FreezeUntilLinkDown(*pair.slave, pair.m());
  ASSERT_EQ(Request(pair.m(), "flush_all\r\n"), "OK\r\n");
  absl::SleepFor(absl::Milliseconds(5));  // the slave's write below is newer by the clock
  // Queued in the stopped slave's socket: it runs as soon as the slave
  // wakes, before the link (redialled after a backoff) delivers the flush.
  absl::StatusOr<RawSocket> client = RawSocket::Connect(pair.s());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->Send("set mine 0 0 5\r\nnewer\r\n").ok());
  ASSERT_EQ(kill(pair.slave->pid(), SIGCONT), 0);
  absl::StatusOr<std::string> stored = client->ReadUntil("\r\n", absl::Seconds(15));
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(*stored, "STORED\r\n");

  ASSERT_TRUE(WaitUntil([&] { return repl::LinkUp(pair.m()) && repl::LinkUp(pair.s()); })) << pair.Logs();
  EXPECT_EQ(Converged(pair.m(), pair.s(), "old"), "END\r\n") << pair.Logs();
  EXPECT_THAT(Converged(pair.m(), pair.s(), "mine"), HasSubstr("newer")) << pair.Logs();
}

// The flush is pushed out of the master's backlog, so the stopped slave can
// only be fed by a full copy: the copy carries the flush, and the slave
// drops the items it held from before it instead of keeping them.
TEST(ReplicationFlush, FlushSurvivesAFullCopyAfterTheBacklogOverflowed) {
  std::vector<std::string> flags = kTuning;
  flags.push_back("--repl-backlog=1");
  repl::Pair pair = repl::StartPair(flags);
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(Request(pair.m(), "set old 0 0 3\r\nold\r\n"), "STORED\r\n");
  ASSERT_THAT(Converged(pair.m(), pair.s(), "old"), HasSubstr("old"));
  FeedTheSlaveAFullCopyAfter(pair, "flush_all\r\n");
  EXPECT_EQ(Get(pair.s(), "old"), "END\r\n") << pair.Logs();
  EXPECT_EQ(Get(pair.m(), "old"), "END\r\n") << pair.Logs();
}

}  // namespace
}  // namespace tandem::testing
