// A replicating node stopped with SIGUSR1 and restarted with its -e keeps
// its items, its node id, its stream position and its convergence state
// (tombstones, version floor, flush marks), so the pair resyncs only what
// each missed: a partial resync both ways, no full copy. When the peer's
// backlog no longer holds what the node missed (it overflowed, or the peer
// restarted), or the node did not stop gracefully (kill -9), it gets a full
// copy instead; every case ends with both nodes holding the same content.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/delay_relay.h"
#include "tests/integration/replication_harness.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kMiss = "END\r\n";

class TempDir {
 public:
  TempDir() : path_("/tmp/tandem-warm-pair-XXXXXX") {
    if (mkdtemp(path_.data()) == nullptr) path_.clear();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Set(int port, const std::string& key, const std::string& value) {
  return repl::Request(port, absl::StrCat("set ", key, " 0 0 ", value.size(), "\r\n", value, "\r\n"));
}

std::string Keys(const std::string& prefix, int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) absl::StrAppend(&out, out.empty() ? "" : " ", prefix, i);
  return out;
}

// A master A (-X) and a slave B (-x A) that keeps its items in dir/mem.
struct WarmPair {
  std::unique_ptr<ServerProcess> a;
  std::unique_ptr<ServerProcess> b;
  std::vector<std::string> b_args;
  std::vector<int> b_ports;
  std::vector<std::string> b_only;  // flags for B alone (e.g. a skewed clock)

  // `relay`: B dials A through a DelayRelay made for A's replication port.
  bool Start(const std::string& dir, const std::vector<std::string>& extra = {},
             std::unique_ptr<DelayRelay>* relay = nullptr, absl::Duration delay = absl::ZeroDuration()) {
    std::vector<std::string> a_args = {"-X", "{port1}"};
    a_args.insert(a_args.end(), extra.begin(), extra.end());
    a = repl::StartNode(a_args);
    if (a == nullptr) return false;
    int dial = a->extra_ports()[0];
    if (relay != nullptr) {
      *relay = std::make_unique<DelayRelay>("127.0.0.1", "127.0.0.1", dial, delay);
      dial = (*relay)->port();
      if (dial == 0) return false;
    }
    b_args = {"-x", absl::StrCat("127.0.0.1:", dial), "-X", "{port1}", "-e", dir + "/mem"};
    b_args.insert(b_args.end(), extra.begin(), extra.end());
    b_args.insert(b_args.end(), b_only.begin(), b_only.end());
    b = repl::StartNode(b_args);
    if (b == nullptr) return false;
    b_ports = {b->port(), b->extra_ports()[0]};
    return Linked();
  }
  bool Linked() {
    return repl::WaitUntil([&] { return repl::LinkUp(a->port()) && repl::LinkUp(b->port()); });
  }
  // SIGUSR1: B drains to A, says goodbye and saves.
  bool StopB(int signal = SIGUSR1) {
    absl::StatusOr<ExitStatus> st = b->SignalAndWait(signal, absl::Seconds(10));
    b.reset();
    if (signal != SIGUSR1) return st.ok();
    return st.ok() && st->exited && st->code == 0;
  }
  bool RestartB() {
    b = repl::StartNode(b_args, b_ports);
    return b != nullptr && Linked();
  }
  std::string Logs() const {
    return absl::StrCat("--- A:\n", a ? a->CapturedOutput() : "", "--- B:\n", b ? b->CapturedOutput() : "");
  }
};

// Writes on both nodes, B deletes some of A's keys: the state before B stops.
void WriteOnBoth(WarmPair& p) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Set(p.a->port(), absl::StrCat("a", i), absl::StrCat("from-a-", i)), "STORED\r\n");
    ASSERT_EQ(Set(p.b->port(), absl::StrCat("b", i), absl::StrCat("from-b-", i)), "STORED\r\n");
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(repl::Request(p.b->port(), absl::StrCat("delete a", i, "\r\n")), "DELETED\r\n");
  }
  const std::string all = absl::StrCat(Keys("a", 0, 100), " ", Keys("b", 0, 100));
  const std::string both = repl::Converged(p.a->port(), p.b->port(), all);
  ASSERT_THAT(both, HasSubstr("VALUE b99 0 9"));
  ASSERT_THAT(both, ::testing::Not(HasSubstr("VALUE a4 ")));
}

TEST(WarmRestartPairTest, AGracefulRestartResyncsOnlyWhatEachSideMissed) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  WarmPair p;
  ASSERT_TRUE(p.Start(dir.path())) << p.Logs();
  WriteOnBoth(p);
  if (HasFailure()) return;
  const std::string a_full = repl::ReplStat(p.a->port(), "full_syncs");
  const std::string a_partial = repl::ReplStat(p.a->port(), "partial_syncs");

  ASSERT_TRUE(p.StopB());
  ASSERT_TRUE(std::filesystem::exists(dir.path() + "/mem.meta"));
  // While B is down: A overwrites, deletes (also keys B holds) and adds.
  for (int i = 10; i < 20; ++i) ASSERT_EQ(Set(p.a->port(), absl::StrCat("b", i), "newer"), "STORED\r\n");
  for (int i = 20; i < 30; ++i) {
    ASSERT_EQ(repl::Request(p.a->port(), absl::StrCat("delete b", i, "\r\n")), "DELETED\r\n");
  }
  for (int i = 0; i < 50; ++i) ASSERT_EQ(Set(p.a->port(), absl::StrCat("n", i), "later"), "STORED\r\n");

  ASSERT_TRUE(p.RestartB()) << p.Logs();
  EXPECT_THAT(p.b->CapturedOutput(), HasSubstr("[restart] restored 195 items; resuming as node"));
  const std::string all = absl::StrCat(Keys("a", 0, 100), " ", Keys("b", 0, 100), " ", Keys("n", 0, 50));
  const std::string both = repl::Converged(p.a->port(), p.b->port(), all);
  EXPECT_THAT(both, HasSubstr("VALUE b15 0 5"));
  EXPECT_THAT(both, HasSubstr("VALUE n49 0 5"));
  EXPECT_THAT(both, HasSubstr("VALUE a99 0 9"));
  for (int i = 20; i < 30; ++i) EXPECT_EQ(repl::Get(p.b->port(), absl::StrCat("b", i)), kMiss);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(repl::Get(p.b->port(), absl::StrCat("a", i)), kMiss);
  // Both directions resumed from the backlog: no full copy either way.
  EXPECT_EQ(repl::ReplStat(p.b->port(), "partial_syncs"), "1") << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.b->port(), "full_syncs"), "0") << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.a->port(), "partial_syncs"), absl::StrCat(std::stoi(a_partial) + 1)) << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.a->port(), "full_syncs"), a_full) << p.Logs();

  // Writes after the restart flow both ways, and the node restarts warm
  // again; a flush_all made while it is down reaches it through the stream
  // and removes the items it brought back.
  ASSERT_EQ(Set(p.b->port(), "fromb", "x"), "STORED\r\n");
  EXPECT_THAT(repl::Converged(p.a->port(), p.b->port(), "fromb"), HasSubstr("VALUE fromb 0 1 "));
  ASSERT_TRUE(p.StopB());
  ASSERT_EQ(repl::Request(p.a->port(), "flush_all\r\n"), "OK\r\n");
  ASSERT_EQ(Set(p.a->port(), "after", "flush"), "STORED\r\n");
  ASSERT_TRUE(p.RestartB()) << p.Logs();
  EXPECT_THAT(repl::Converged(p.a->port(), p.b->port(), "after"), HasSubstr("\r\nflush\r\n"));
  EXPECT_EQ(repl::Converged(p.a->port(), p.b->port(), all + " fromb"), kMiss);
  EXPECT_EQ(repl::ReplStat(p.b->port(), "partial_syncs"), "1") << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.b->port(), "full_syncs"), "0") << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.a->port(), "full_syncs"), a_full) << p.Logs();
}

// A store on A and a newer delete of the same key on B cross: B stops
// before A's store reaches it (the link delays every byte 3 s, B's drain
// gives up after 2 s), so the store is still ahead of B in A's stream and
// B's delete never reached A. After the restart A's stream resumes
// (partial) and hands B the older store, which B's saved tombstone keeps
// out; B's stream cannot resume (A never applied the delete), so A gets a
// full copy carrying the tombstone, and drops its older value. Without the
// tombstone both nodes would end with the store the delete had beaten.
TEST(WarmRestartPairTest, AStoreThatCrossedADeleteStaysBeatenAfterTheRestart) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  WarmPair p;
  std::unique_ptr<DelayRelay> relay;
  const absl::Duration delay = absl::Seconds(3);
  ASSERT_TRUE(p.Start(dir.path(), {"--repl-timeout-ms=30000"}, &relay, delay)) << p.Logs();
  ASSERT_EQ(Set(p.a->port(), "k", "orig"), "STORED\r\n");
  ASSERT_THAT(repl::Converged(p.a->port(), p.b->port(), "k"), HasSubstr("orig"));
  const std::string a_full = repl::ReplStat(p.a->port(), "full_syncs");

  ASSERT_EQ(Set(p.a->port(), "k", "older"), "STORED\r\n");
  absl::SleepFor(absl::Milliseconds(5));  // the delete is newer by the clock
  ASSERT_EQ(repl::Request(p.b->port(), "delete k\r\n"), "DELETED\r\n");
  ASSERT_TRUE(p.StopB());
  ASSERT_THAT(repl::Get(p.a->port(), "k"), HasSubstr("older"));  // the delete was lost with the link

  ASSERT_TRUE(p.RestartB()) << p.Logs();
  EXPECT_EQ(repl::Converged(p.a->port(), p.b->port(), "k"), kMiss) << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.b->port(), "partial_syncs"), "1") << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.b->port(), "full_syncs"), "0") << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.a->port(), "full_syncs"), absl::StrCat(std::stoi(a_full) + 1)) << p.Logs();
}

// The node that accepts the link (-X only) restarts warm the same way: its
// peer, which dials it again, resumes from the backlog both ways.
TEST(WarmRestartPairTest, TheAcceptingNodeRestartsWarmToo) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::vector<std::string> a_args = {"-X", "{port1}", "-e", dir.path() + "/mem"};
  auto a = repl::StartNode(a_args);
  ASSERT_NE(a, nullptr);
  const std::vector<int> a_ports = {a->port(), a->extra_ports()[0]};
  auto b = repl::StartNode({"-x", absl::StrCat("127.0.0.1:", a_ports[1]), "-X", "{port1}"});
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(repl::WaitUntil([&] { return repl::LinkUp(a->port()) && repl::LinkUp(b->port()); }));
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Set(a->port(), absl::StrCat("a", i), "from-a"), "STORED\r\n");
    ASSERT_EQ(Set(b->port(), absl::StrCat("b", i), "from-b"), "STORED\r\n");
  }
  const std::string keys = absl::StrCat(Keys("a", 0, 50), " ", Keys("b", 0, 50));
  ASSERT_THAT(repl::Converged(a->port(), b->port(), keys), HasSubstr("VALUE b49 0 6"));
  const std::string b_full = repl::ReplStat(b->port(), "full_syncs");
  const std::string b_partial = repl::ReplStat(b->port(), "partial_syncs");
  absl::StatusOr<ExitStatus> st = a->SignalAndWait(SIGUSR1, absl::Seconds(10));
  ASSERT_TRUE(st.ok() && st->exited && st->code == 0);
  a.reset();
  ASSERT_EQ(Set(b->port(), "meanwhile", "m"), "STORED\r\n");
  ASSERT_EQ(repl::Request(b->port(), "delete a7\r\n"), "DELETED\r\n");
  a = repl::StartNode(a_args, a_ports);
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(repl::WaitUntil([&] { return repl::LinkUp(a->port()) && repl::LinkUp(b->port()); }));
  const std::string both = repl::Converged(a->port(), b->port(), keys + " meanwhile");
  EXPECT_THAT(both, HasSubstr("VALUE meanwhile 0 1"));
  EXPECT_THAT(both, HasSubstr("VALUE a49 0 6"));
  EXPECT_THAT(both, ::testing::Not(HasSubstr("VALUE a7 ")));
  EXPECT_EQ(repl::ReplStat(a->port(), "partial_syncs"), "1") << a->CapturedOutput();
  EXPECT_EQ(repl::ReplStat(a->port(), "full_syncs"), "0") << a->CapturedOutput();
  EXPECT_EQ(repl::ReplStat(b->port(), "partial_syncs"), absl::StrCat(std::stoi(b_partial) + 1));
  EXPECT_EQ(repl::ReplStat(b->port(), "full_syncs"), b_full) << b->CapturedOutput();
}

TEST(WarmRestartPairTest, WhenThePeersBacklogOverflowedTheNodeGetsAFullCopy) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  WarmPair p;
  ASSERT_TRUE(p.Start(dir.path(), {"--repl-backlog", "1"})) << p.Logs();
  WriteOnBoth(p);
  if (HasFailure()) return;
  const std::string a_full = repl::ReplStat(p.a->port(), "full_syncs");
  ASSERT_TRUE(p.StopB());
  // More than A's 1 MB backlog holds, and deletes of keys B holds.
  const std::string big(8000, 'v');
  for (int i = 0; i < 200; ++i) ASSERT_EQ(Set(p.a->port(), absl::StrCat("big", i), big), "STORED\r\n");
  for (int i = 20; i < 30; ++i) {
    ASSERT_EQ(repl::Request(p.a->port(), absl::StrCat("delete b", i, "\r\n")), "DELETED\r\n");
  }
  ASSERT_TRUE(p.RestartB()) << p.Logs();
  const std::string all = absl::StrCat(Keys("a", 0, 100), " ", Keys("b", 0, 100), " ", Keys("big", 0, 200));
  const std::string both = repl::Converged(p.a->port(), p.b->port(), all);
  EXPECT_THAT(both, HasSubstr("VALUE big199 0 8000"));
  EXPECT_THAT(both, HasSubstr("VALUE b99 0 9"));
  for (int i = 20; i < 30; ++i) EXPECT_EQ(repl::Get(p.b->port(), absl::StrCat("b", i)), kMiss);
  // A's stream could not resume: a full copy to B; B's could (A had applied all of it).
  EXPECT_EQ(repl::ReplStat(p.b->port(), "full_syncs"), "1") << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.a->port(), "full_syncs"), a_full) << p.Logs();
}

TEST(WarmRestartPairTest, WhenThePeerRestartedTooBothTakeFullCopiesAndConverge) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  WarmPair p;
  ASSERT_TRUE(p.Start(dir.path())) << p.Logs();
  WriteOnBoth(p);
  if (HasFailure()) return;
  ASSERT_TRUE(p.StopB());
  // A restarts empty on the same ports: a new node id, a new stream.
  const std::vector<int> a_ports = {p.a->port(), p.a->extra_ports()[0]};
  absl::StatusOr<ExitStatus> st = p.a->SignalAndWait(SIGTERM, absl::Seconds(10));
  ASSERT_TRUE(st.ok());
  p.a = repl::StartNode({"-X", "{port1}"}, a_ports);
  ASSERT_NE(p.a, nullptr);
  ASSERT_EQ(Set(p.a->port(), "fresh", "a"), "STORED\r\n");
  ASSERT_TRUE(p.RestartB()) << p.Logs();
  const std::string all = absl::StrCat(Keys("a", 0, 100), " ", Keys("b", 0, 100), " fresh");
  const std::string both = repl::Converged(p.a->port(), p.b->port(), all);
  // B's warm items reach the new A by a full copy; A's new key reaches B.
  EXPECT_THAT(both, HasSubstr("VALUE b99 0 9"));
  EXPECT_THAT(both, HasSubstr("VALUE a99 0 9"));
  EXPECT_THAT(both, HasSubstr("VALUE fresh 0 1"));
  EXPECT_EQ(repl::ReplStat(p.a->port(), "full_syncs"), "1") << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.b->port(), "partial_syncs"), "0") << p.Logs();
}

// The same graceful restart over a TLS link (pre-shared secret) with
// --repl-sync: the session that resumes is a new TLS session, the node's
// saved stream position still lets both sides resume from their backlogs,
// and the writes made while the link was down (answered at once: no link,
// nothing to wait for) reach the restarted node.
TEST(WarmRestartPairTest, OverATlsLinkWithSyncWritesTheRestartStillResumes) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string secret = dir.path() + "/secret";
  std::ofstream(secret) << "warm restart over tls\n";
  std::filesystem::permissions(secret, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  WarmPair p;
  ASSERT_TRUE(p.Start(dir.path(), {absl::StrCat("--repl-secret=", secret), "--repl-sync"})) << p.Logs();
  ASSERT_EQ(repl::ReplStat(p.b->port(), "auth"), "tls-psk") << p.Logs();
  WriteOnBoth(p);
  if (HasFailure()) return;
  const std::string a_full = repl::ReplStat(p.a->port(), "full_syncs");

  ASSERT_TRUE(p.StopB());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Set(p.a->port(), absl::StrCat("down", i), "while-b-was-down"), "STORED\r\n");
  ASSERT_EQ(repl::Request(p.a->port(), "delete b7\r\n"), "DELETED\r\n");
  ASSERT_TRUE(p.RestartB()) << p.Logs();
  EXPECT_THAT(p.b->CapturedOutput(), HasSubstr("[restart] restored 195 items; resuming as node"));
  EXPECT_EQ(repl::ReplStat(p.b->port(), "auth"), "tls-psk");
  const std::string all = absl::StrCat(Keys("a", 0, 100), " ", Keys("b", 0, 100), " ", Keys("down", 0, 20));
  const std::string both = repl::Converged(p.a->port(), p.b->port(), all);
  EXPECT_THAT(both, HasSubstr("VALUE down19 0 16"));
  EXPECT_THAT(both, ::testing::Not(HasSubstr("VALUE b7 ")));
  EXPECT_EQ(repl::ReplStat(p.b->port(), "partial_syncs"), "1") << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.b->port(), "full_syncs"), "0") << p.Logs();
  EXPECT_EQ(repl::ReplStat(p.a->port(), "full_syncs"), a_full) << p.Logs();
  // A synchronous write after the restart is acknowledged by the peer.
  const std::string acked = repl::ReplStat(p.b->port(), "sync_acked");
  ASSERT_EQ(Set(p.b->port(), "after", "restart"), "STORED\r\n");
  EXPECT_THAT(repl::Get(p.a->port(), "after"), HasSubstr("\r\nrestart\r\nEND\r\n"));
  EXPECT_GT(std::stoll(repl::ReplStat(p.b->port(), "sync_acked")), std::stoll(acked)) << p.Logs();
}

// B's clock runs 30 s ahead of A's (allowed: --repl-max-skew-ms=60000). A
// TTL set on A before B's restart is saved by B with B's clock and
// restored with it, so after the restart it still expires on both nodes
// within a second of each other, and the restart resumes partially.
TEST(WarmRestartPairTest, WithSkewedClocksRestoredTtlsStillExpireTogether) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  WarmPair p;
  p.b_only = {"--debug-clock-offset-ms=30000"};
  ASSERT_TRUE(p.Start(dir.path(), {"--repl-max-skew-ms=60000"})) << p.Logs();
  ASSERT_TRUE(repl::WaitUntil([&] {
    return std::abs(std::stoll(repl::ReplStat(p.a->port(), "peer_clock_offset_ms")) - 30000) < 500;
  })) << p.Logs();
  ASSERT_EQ(repl::Request(p.a->port(), "set ttl 0 6 1\r\nt\r\n"), "STORED\r\n");
  ASSERT_EQ(repl::Request(p.a->port(), "set keep 0 0 1\r\nk\r\n"), "STORED\r\n");
  ASSERT_THAT(repl::Converged(p.a->port(), p.b->port(), "ttl keep"), HasSubstr("VALUE keep"));
  ASSERT_TRUE(p.StopB());
  ASSERT_TRUE(p.RestartB()) << p.Logs();
  EXPECT_THAT(p.b->CapturedOutput(), HasSubstr("[restart] restored 2 items; resuming as node"));
  EXPECT_EQ(repl::ReplStat(p.b->port(), "full_syncs"), "0") << p.Logs();
  ASSERT_THAT(repl::Get(p.b->port(), "ttl"), HasSubstr("VALUE ttl")) << "expired early on B";

  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  absl::Time a_at = absl::InfiniteFuture(), b_at = absl::InfiniteFuture();
  while (absl::Now() < deadline && (a_at == absl::InfiniteFuture() || b_at == absl::InfiniteFuture())) {
    if (a_at == absl::InfiniteFuture() && repl::Get(p.a->port(), "ttl") == kMiss) a_at = absl::Now();
    if (b_at == absl::InfiniteFuture() && repl::Get(p.b->port(), "ttl") == kMiss) b_at = absl::Now();
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_NE(a_at, absl::InfiniteFuture());
  ASSERT_NE(b_at, absl::InfiniteFuture());
  EXPECT_LE(absl::AbsDuration(a_at - b_at), absl::Seconds(1)) << p.Logs();
  EXPECT_THAT(repl::Converged(p.a->port(), p.b->port(), "keep"), HasSubstr("VALUE keep"));
}

TEST(WarmRestartPairTest, AKilledNodeStartsEmptyAndGetsAFullCopy) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  WarmPair p;
  ASSERT_TRUE(p.Start(dir.path())) << p.Logs();
  WriteOnBoth(p);
  if (HasFailure()) return;
  ASSERT_TRUE(p.StopB(SIGKILL));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/mem.meta"));
  ASSERT_EQ(Set(p.a->port(), "later", "L"), "STORED\r\n");
  ASSERT_TRUE(p.RestartB()) << p.Logs();
  EXPECT_THAT(p.b->CapturedOutput(), HasSubstr("[restart] no metadata save file"));
  const std::string all = absl::StrCat(Keys("a", 0, 100), " ", Keys("b", 0, 100), " later");
  const std::string both = repl::Converged(p.a->port(), p.b->port(), all);
  EXPECT_THAT(both, HasSubstr("VALUE b99 0 9"));
  EXPECT_THAT(both, HasSubstr("VALUE later 0 1"));
  EXPECT_THAT(both, ::testing::Not(HasSubstr("VALUE a4 ")));
  EXPECT_EQ(repl::ReplStat(p.b->port(), "full_syncs"), "1") << p.Logs();
}

}  // namespace
}  // namespace tandem::testing
