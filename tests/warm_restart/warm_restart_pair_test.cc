// A replicating node stopped with SIGUSR1 and restarted with its -e: today
// it does not restart warm (its tombstones, version floor and stream
// position are not saved yet, see the README's "Warm restart"), says so on
// stderr, and its peer's full copy brings every key back. This pins that
// behaviour until the partial resync of a warm node exists.
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/replication_harness.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;

TEST(WarmRestartPairTest, AReplicatingNodeStartsEmptySaysWhyAndGetsAFullCopy) {
  std::string dir = "/tmp/tandem-warm-pair-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};

  auto master = repl::StartNode({"-X", "{port1}"});
  ASSERT_NE(master, nullptr);
  const std::string peer = absl::StrCat("127.0.0.1:", master->extra_ports()[0]);
  const std::vector<std::string> slave_args = {"-x", peer, "-X", "{port1}", "-e", dir + "/mem"};
  auto slave = repl::StartNode(slave_args);
  ASSERT_NE(slave, nullptr);
  ASSERT_TRUE(
      repl::WaitUntil([&] { return repl::LinkUp(master->port()) && repl::LinkUp(slave->port()); }));
  std::string keys;
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(repl::Request(slave->port(),
                            absl::StrCat("set k", i, " ", i, " 0 3\r\nv", i % 10, "x\r\n")),
              "STORED\r\n");
    absl::StrAppend(&keys, " k", i);
  }
  const std::string all = repl::Converged(master->port(), slave->port(), keys.substr(1));
  ASSERT_THAT(all, HasSubstr("VALUE k199 199 3"));

  const std::vector<int> ports = {slave->port(), slave->extra_ports()[0]};
  absl::StatusOr<ExitStatus> st = slave->SignalAndWait(SIGUSR1, absl::Seconds(10));
  ASSERT_TRUE(st.ok() && st->exited && st->code == 0);
  ASSERT_TRUE(std::filesystem::exists(dir + "/mem.meta"));
  ASSERT_EQ(repl::Request(master->port(), "set later 0 0 1\r\nL\r\n"), "STORED\r\n");

  slave = repl::StartNode(slave_args, ports);
  ASSERT_NE(slave, nullptr);
  EXPECT_THAT(slave->CapturedOutput(),
              HasSubstr("[restart] a replicating node (-x/-X) does not restart warm yet"));
  EXPECT_EQ(repl::Converged(master->port(), slave->port(), keys.substr(1)), all);
  EXPECT_EQ(repl::Converged(master->port(), slave->port(), "later"),
            repl::Get(master->port(), "later"));
  EXPECT_EQ(repl::ReplStat(slave->port(), "full_syncs"), "1");
}

}  // namespace
}  // namespace tandem::testing
