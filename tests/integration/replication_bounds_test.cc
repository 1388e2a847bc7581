// What the replication link keeps bounded, attacked on real processes: a
// full copy of large items costs a few MB on both nodes, not the items'
// size again; writes that overflow the backlog while a copy runs do not
// make the copy start over and over; a large frame crawling over a slow
// link keeps the link alive (liveness counts bytes, not whole frames); and
// a record larger than the whole backlog still reaches the peer without
// dropping the link. Bounded polls only (replication_harness.h).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/delay_relay.h"
#include "tests/integration/replication_harness.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using repl::Converged;
using repl::Get;
using repl::ReplStat;
using repl::Request;
using repl::WaitUntil;

const std::vector<std::string> kTuning = {"--repl-heartbeat-ms=100", "--repl-timeout-ms=1000"};

// Resident memory of `pid` in bytes (0 if unreadable).
int64_t RssBytes(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    int64_t kb = 0;
    std::string digits;
    for (char ch : line) {
      if (ch >= '0' && ch <= '9') digits.push_back(ch);
    }
    return absl::SimpleAtoi(digits, &kb) ? kb * 1024 : 0;
  }
  return 0;
}

int64_t StatNumber(int port, const std::string& name) {
  int64_t v = -1;
  return absl::SimpleAtoi(ReplStat(port, name), &v) ? v : -1;
}

// Stores `count` values of `size` bytes as key<prefix><i>, pipelined on one
// connection; true when the server answered the closing `version`.
bool Load(int port, const std::string& prefix, int count, size_t size) {
  absl::StatusOr<RawSocket> s = RawSocket::Connect(port, absl::Seconds(5));
  if (!s.ok()) return false;
  for (int i = 0; i < count; ++i) {
    const std::string value(size, static_cast<char>('a' + i % 26));
    if (!s->Send(absl::StrCat("set ", prefix, i, " 0 0 ", size, " noreply\r\n", value, "\r\n"), absl::Seconds(20))
             .ok()) {
      return false;
    }
  }
  if (!s->Send("version\r\n").ok()) return false;
  return s->ReadUntil("VERSION", absl::Seconds(20)).ok();
}

std::string SetReply(int port, const std::string& key, size_t size, char fill) {
  return Request(port, absl::StrCat("set ", key, " 0 0 ", size, "\r\n", std::string(size, fill), "\r\n"));
}

// The size of key's value on `port` ("" on a miss).
std::string ValueSize(int port, const std::string& key) {
  const std::string reply = Get(port, key);
  const size_t line_end = reply.find("\r\n");
  if (reply.rfind("VALUE ", 0) != 0 || line_end == std::string::npos) return "";
  const std::vector<std::string> parts = absl::StrSplit(reply.substr(0, line_end), ' ');
  return parts.size() >= 4 ? parts[3] : "";
}

TEST(ReplicationBounds, AFullCopyOfLargeItemsCostsAFewMegabytesOnBothNodes) {
  constexpr int kItems = 300;
  constexpr size_t kItemSize = 900 << 10;
  std::vector<std::string> args = {"-X", "{port1}", "-I", "1m", "-m", "1024"};
  args.insert(args.end(), kTuning.begin(), kTuning.end());
  std::unique_ptr<ServerProcess> master = repl::StartNode(args);
  ASSERT_NE(master, nullptr);
  ASSERT_TRUE(Load(master->port(), "big:", kItems, kItemSize));
  const int64_t loaded = RssBytes(master->pid());  // the items, plus an idle process
  ASSERT_GT(loaded, int64_t{kItems} * static_cast<int64_t>(kItemSize));

  args = {"-x", absl::StrCat("127.0.0.1:", master->extra_ports()[0]), "-X", "{port1}", "-I", "1m", "-m", "1024"};
  args.insert(args.end(), kTuning.begin(), kTuning.end());
  std::unique_ptr<ServerProcess> slave = repl::StartNode(args);
  ASSERT_NE(slave, nullptr);
  int64_t master_peak = 0, slave_peak = 0;
  const bool copied = WaitUntil([&] {
    master_peak = std::max(master_peak, RssBytes(master->pid()));
    slave_peak = std::max(slave_peak, RssBytes(slave->pid()));
    return slave->CapturedOutput().find("full copy from") != std::string::npos &&
           slave->CapturedOutput().find("complete") != std::string::npos;
  }, absl::Seconds(25));
  ASSERT_TRUE(copied) << slave->CapturedOutput();
  master_peak = std::max(master_peak, RssBytes(master->pid()));
  slave_peak = std::max(slave_peak, RssBytes(slave->pid()));
  std::printf("full copy of %d x %zu bytes: RSS of the loaded master %.1f MB; peaks during the copy: master %.1f MB, "
              "slave %.1f MB\n",
              kItems, kItemSize, loaded / 1048576.0, master_peak / 1048576.0, slave_peak / 1048576.0);
#if !defined(__SANITIZE_ADDRESS__)  // ASan's quarantine and shadow memory inflate RSS
  constexpr int64_t kBound = int64_t{64} << 20;
  EXPECT_LT(master_peak - loaded, kBound) << "master peak " << master_peak << ", loaded " << loaded;
  EXPECT_LT(slave_peak - loaded, kBound) << "slave peak " << slave_peak << ", master loaded " << loaded;
#endif
  EXPECT_EQ(ValueSize(slave->port(), "big:0"), absl::StrCat(kItemSize));
  EXPECT_EQ(ValueSize(slave->port(), absl::StrCat("big:", kItems - 1)), absl::StrCat(kItemSize));
}

TEST(ReplicationBounds, WritesOverflowingTheBacklogDuringACopyDoNotRestartIt) {
  std::vector<std::string> args = {"-X", "{port1}", "-m", "512", "--repl-backlog=1"};
  args.insert(args.end(), kTuning.begin(), kTuning.end());
  std::unique_ptr<ServerProcess> master = repl::StartNode(args);
  ASSERT_NE(master, nullptr);
  ASSERT_TRUE(Load(master->port(), "base:", 500, 100 << 10));  // ~50 MB to copy

  // ~10 MB/s of 50 KB writes on the master, from before the slave starts
  // until its copy has arrived (and a little longer).
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(master->port(), absl::Seconds(5));
    if (!s.ok()) return;
    const absl::Time start = absl::Now();
    for (int i = 0; !stop.load() && absl::Now() - start < absl::Seconds(20); ++i) {
      const std::string value(50 << 10, static_cast<char>('a' + i % 26));
      if (!s->Send(absl::StrCat("set w:", i % 400, " 0 0 ", value.size(), " noreply\r\n", value, "\r\n")).ok()) return;
      written.store(i + 1);
      absl::SleepFor(absl::Milliseconds(5));
    }
    (void)s->Send("version\r\n");
    (void)s->ReadUntil("VERSION", absl::Seconds(10));
  });
  absl::SleepFor(absl::Milliseconds(200));
  args = {"-x", absl::StrCat("127.0.0.1:", master->extra_ports()[0]), "-X", "{port1}", "-m", "512",
          "--repl-backlog=1"};
  args.insert(args.end(), kTuning.begin(), kTuning.end());
  std::unique_ptr<ServerProcess> slave = repl::StartNode(args);
  if (slave == nullptr) {
    stop = true;
    writer.join();
    FAIL();
  }
  const bool up = WaitUntil([&] { return repl::LinkUp(slave->port()) && repl::LinkUp(master->port()); },
                            absl::Seconds(20));
  absl::SleepFor(absl::Milliseconds(500));  // writes keep flowing after the copy, too
  stop = true;
  writer.join();
  ASSERT_TRUE(up) << "--- master:\n" << master->CapturedOutput() << "--- slave:\n" << slave->CapturedOutput();
  EXPECT_GT(written.load(), 100);
  EXPECT_TRUE(WaitUntil([&] { return repl::LinkUp(slave->port()); }, absl::Seconds(10)));
  const int64_t full = StatNumber(slave->port(), "full_syncs");
  std::printf("copy of ~50 MB with %d writes of 50 KB beside it: full_syncs %lld, backlog_overruns %lld\n",
              written.load(), static_cast<long long>(full),
              static_cast<long long>(StatNumber(master->port(), "backlog_overruns")));
  EXPECT_GE(full, 1);
  EXPECT_LE(full, 2) << slave->CapturedOutput();
  for (const std::string& key : {std::string("base:0"), std::string("base:499"), std::string("w:0"),
                                 absl::StrCat("w:", (written.load() - 1) % 400)}) {
    const std::string value = Converged(master->port(), slave->port(), key);
    EXPECT_THAT(value, HasSubstr("VALUE")) << key;
  }
}

TEST(ReplicationBounds, ALargeFrameOverASlowLinkKeepsTheLinkUp) {
  constexpr size_t kSize = 5 << 20;
  std::vector<std::string> args = {"-X", "{port1}", "-I", "8m", "-m", "128"};
  args.insert(args.end(), kTuning.begin(), kTuning.end());
  std::unique_ptr<ServerProcess> master = repl::StartNode(args);
  ASSERT_NE(master, nullptr);
  DelayRelay relay("127.0.0.1", "127.0.0.1", master->extra_ports()[0], absl::ZeroDuration(), 1 << 20);
  ASSERT_NE(relay.port(), 0);
  args = {"-x", absl::StrCat("127.0.0.1:", relay.port()), "-X", "{port1}", "-I", "8m", "-m", "128"};
  args.insert(args.end(), kTuning.begin(), kTuning.end());
  std::unique_ptr<ServerProcess> slave = repl::StartNode(args);
  ASSERT_NE(slave, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return repl::LinkUp(master->port()) && repl::LinkUp(slave->port()); }));

  ASSERT_EQ(SetReply(master->port(), "huge", kSize, 'h'), "STORED\r\n");
  EXPECT_TRUE(WaitUntil([&] { return ValueSize(slave->port(), "huge") == absl::StrCat(kSize); }, absl::Seconds(20)))
      << "--- master:\n" << master->CapturedOutput() << "--- slave:\n" << slave->CapturedOutput();
  EXPECT_THAT(slave->CapturedOutput(), Not(HasSubstr("closing link")));
  EXPECT_THAT(master->CapturedOutput(), Not(HasSubstr("closing link")));
  EXPECT_EQ(StatNumber(slave->port(), "partial_syncs"), 0);
}

TEST(ReplicationBounds, ARecordLargerThanTheBacklogReachesThePeer) {
  constexpr size_t kSize = 2 << 20;
  repl::Pair pair = repl::StartPair({"--repl-backlog=1", "-I", "4m", "--repl-heartbeat-ms=100",
                                     "--repl-timeout-ms=1000"});
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(SetReply(pair.m(), "big", kSize, 'b'), "STORED\r\n");
  ASSERT_EQ(SetReply(pair.m(), "after", 3, 'x'), "STORED\r\n");
  EXPECT_TRUE(WaitUntil([&] { return ValueSize(pair.s(), "big") == absl::StrCat(kSize); })) << pair.Logs();
  EXPECT_TRUE(WaitUntil([&] { return ValueSize(pair.s(), "after") == "3"; })) << pair.Logs();
  EXPECT_EQ(StatNumber(pair.m(), "backlog_overruns"), 0) << pair.Logs();
  // Both nodes started empty, so no copy either way, and the big record
  // did not force one.
  EXPECT_EQ(StatNumber(pair.s(), "full_syncs"), 0) << pair.Logs();
  EXPECT_TRUE(repl::LinkUp(pair.s()));
}

}  // namespace
}  // namespace tandem::testing
