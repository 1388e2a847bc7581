// Anti-entropy on two real processes (anti_entropy.h): writes the stream
// lost on purpose (--debug-drop-outgoing-records) reach the peer by the next
// round and are counted as repaired; a healthy pair under writes runs
// rounds and repairs nothing.
#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/replication_harness.h"

namespace tandem::testing {
namespace {

using repl::Get;
using repl::LinkUp;
using repl::ReplStat;
using repl::Request;
using repl::WaitUntil;

uint64_t Counter(int port, const std::string& name) {
  uint64_t v = 0;
  return absl::SimpleAtoi(ReplStat(port, name), &v) ? v : 0;
}

std::string Value(int port, const std::string& key) {
  const std::string r = Get(port, key);
  return absl::StrContains(r, "VALUE") ? r.substr(r.find("\r\n") + 2, r.rfind("\r\nEND") - r.find("\r\n") - 2)
                                       : "<miss>";
}

TEST(ReplicationAntiEntropy, WritesTheStreamLostReachThePeerByTheNextRound) {
  repl::Pair pair;
  pair.master = repl::StartNode({"-X", "{port1}", "--repl-antientropy-s=2", "--debug-drop-outgoing-records=3"});
  ASSERT_NE(pair.master, nullptr);
  pair.slave = repl::StartNode({"-x", absl::StrCat("127.0.0.1:", pair.master->extra_ports()[0]), "-X", "{port1}",
                                "--repl-antientropy-s=2"});
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return LinkUp(pair.m()) && LinkUp(pair.s()); })) << pair.Logs();

  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Request(pair.m(), absl::StrCat("set lost", i, " 0 0 4\r\nlost\r\n")), "STORED\r\n");
  }
  EXPECT_EQ(Request(pair.m(), "set kept 0 0 4\r\nkept\r\n"), "STORED\r\n");
  ASSERT_TRUE(WaitUntil([&] { return Value(pair.s(), "kept") == "kept"; }, absl::Seconds(5))) << pair.Logs();
  // The stream never carried the first three: only a round can bring them.
  ASSERT_TRUE(WaitUntil([&] {
    return Value(pair.s(), "lost0") == "lost" && Value(pair.s(), "lost1") == "lost" &&
           Value(pair.s(), "lost2") == "lost";
  }, absl::Seconds(8))) << pair.Logs();
  EXPECT_EQ(Counter(pair.s(), "antientropy_repaired_keys"), 3u) << pair.Logs();
  EXPECT_EQ(Counter(pair.m(), "antientropy_repaired_keys"), 0u);
  EXPECT_TRUE(WaitUntil([&] {
    return Counter(pair.m(), "antientropy_rounds") >= 1 && Counter(pair.s(), "antientropy_rounds") >= 1;
  }, absl::Seconds(5)));
  EXPECT_TRUE(WaitUntil([&] { return absl::StrContains(pair.Logs(), "replication: anti-entropy: took a key"); },
                        absl::Seconds(2)))
      << pair.Logs();
}

TEST(ReplicationAntiEntropy, AHealthyPairUnderWritesRunsRoundsAndRepairsNothing) {
  repl::Pair pair = repl::StartPair({"--repl-antientropy-s=1"});
  ASSERT_NE(pair.slave, nullptr);
  std::atomic<bool> stop{false};
  auto writer = [&](int port, const std::string& tag) {
    for (int i = 0; !stop.load(); ++i) {
      const std::string key = absl::StrCat("k", i % 300);
      if (i % 7 == 0) {
        Request(port, absl::StrCat("delete ", key, "\r\n"));
      } else {
        Request(port, absl::StrCat("set ", key, " 0 0 ", tag.size(), "\r\n", tag, "\r\n"));
      }
    }
  };
  std::thread a(writer, pair.m(), "from-master");
  std::thread b(writer, pair.s(), "from-slave");
  const bool rounds = WaitUntil([&] {
    return Counter(pair.m(), "antientropy_rounds") >= 3 && Counter(pair.s(), "antientropy_rounds") >= 3;
  }, absl::Seconds(10));
  stop = true;
  a.join();
  b.join();
  EXPECT_TRUE(rounds) << pair.Logs();
  EXPECT_EQ(Counter(pair.m(), "antientropy_repaired_keys"), 0u) << pair.Logs();
  EXPECT_EQ(Counter(pair.s(), "antientropy_repaired_keys"), 0u) << pair.Logs();
  std::string keys;
  for (int i = 0; i < 300; i += 17) absl::StrAppend(&keys, " k", i);
  repl::Converged(pair.m(), pair.s(), keys.substr(1));
}

// The two processes hash keys with different seeds (hash_table.h); the
// ranges must not depend on that, or every round re-sends every item.
TEST(ReplicationAntiEntropy, APairThatAgreesReSendsNothing) {
  repl::Pair pair = repl::StartPair({"--repl-antientropy-s=1"});
  ASSERT_NE(pair.slave, nullptr);
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(Request(pair.m(), absl::StrCat("set agreed", i, " 0 0 2\r\nok\r\n")), "STORED\r\n");
  }
  ASSERT_TRUE(WaitUntil([&] { return Value(pair.s(), "agreed199") == "ok"; }, absl::Seconds(5))) << pair.Logs();
  // A round that overlapped the writes may re-send some; count from the next.
  const uint64_t rounds = Counter(pair.m(), "antientropy_rounds");
  ASSERT_TRUE(WaitUntil([&] { return Counter(pair.m(), "antientropy_rounds") >= rounds + 1; }, absl::Seconds(5)));
  const uint64_t master_resent = Counter(pair.m(), "antientropy_resent_keys");
  const uint64_t slave_resent = Counter(pair.s(), "antientropy_resent_keys");
  ASSERT_TRUE(WaitUntil([&] {
    return Counter(pair.m(), "antientropy_rounds") >= rounds + 3 && Counter(pair.s(), "antientropy_rounds") >= rounds + 3;
  }, absl::Seconds(8))) << pair.Logs();
  EXPECT_EQ(Counter(pair.m(), "antientropy_resent_keys"), master_resent) << pair.Logs();
  EXPECT_EQ(Counter(pair.s(), "antientropy_resent_keys"), slave_resent) << pair.Logs();
}

}  // namespace
}  // namespace tandem::testing
