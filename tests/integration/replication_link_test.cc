// The TLS link's reading, on two real tandemd processes: OpenSSL reads
// ahead (many records per read()), and records it has taken off the socket
// must be applied without waiting for another byte from the peer. A
// HoldingRelay (holding_relay.h) between the nodes hands the receiver many
// records in one burst and then nothing at all (heartbeats every 10 s, held
// too), so a record left in OpenSSL's buffer would stay there for the whole
// test.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/holding_relay.h"
#include "tests/integration/replication_harness.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;
using repl::Get;
using repl::LinkUp;
using repl::Request;
using repl::WaitUntil;

// Quiet peers: no heartbeat, timeout or anti-entropy round within a test.
const std::vector<std::string> kQuiet = {"--repl-heartbeat-ms=10000", "--repl-timeout-ms=60000",
                                         "--repl-antientropy-s=0"};

// The complete TLS application-data records at the start of `wire`.
size_t ApplicationRecords(std::string_view wire) {
  size_t records = 0;
  while (wire.size() >= 5) {
    const size_t len = (static_cast<uint8_t>(wire[3]) << 8) | static_cast<uint8_t>(wire[4]);
    if (wire.size() < 5 + len) break;
    if (wire[0] == 0x17) ++records;
    wire.remove_prefix(5 + len);
  }
  return records;
}

// Waits (bounded) until `relay` keeps at least `min` records in `d` and
// none has come for 300 ms; returns how many it keeps.
size_t SettledRecords(HoldingRelay& relay, HoldingRelay::Direction d, size_t min) {
  size_t last = 0;
  absl::Time changed = absl::Now();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    const size_t n = ApplicationRecords(relay.Kept(d));
    if (n != last) {
      last = n;
      changed = absl::Now();
    } else if (n >= min && absl::Now() - changed >= absl::Milliseconds(300)) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return last;
}

class ReplicationLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/repl-link-", getpid());
    std::filesystem::create_directories(dir_);
    secret_ = dir_ + "/secret";
    std::ofstream(secret_) << "the pair's secret, long enough\n";
    chmod(secret_.c_str(), 0600);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> Flags() const {
    std::vector<std::string> f = kQuiet;
    f.push_back("--repl-secret=" + secret_);
    return f;
  }

  // A master (-X) and a slave that dials it through `relay_`; with
  // `hold_dialer` the relay holds the slave's bytes from the first one.
  void StartPairThroughRelay(bool hold_dialer) {
    std::vector<std::string> args = {"-X", "{port1}"};
    for (const std::string& f : Flags()) args.push_back(f);
    pair_.master = repl::StartNode(args);
    ASSERT_NE(pair_.master, nullptr);
    relay_ = std::make_unique<HoldingRelay>(pair_.master->extra_ports()[0]);
    ASSERT_NE(relay_->port(), 0);
    if (hold_dialer) relay_->Hold(HoldingRelay::kToTarget);
    args = {"-x", absl::StrCat("127.0.0.1:", relay_->port()), "-X", "{port1}"};
    for (const std::string& f : Flags()) args.push_back(f);
    pair_.slave = repl::StartNode(args);
    ASSERT_NE(pair_.slave, nullptr);
  }

  std::string dir_, secret_;
  repl::Pair pair_;
  std::unique_ptr<HoldingRelay> relay_;
};

TEST_F(ReplicationLinkTest, RecordsReadAheadInOneBurstAreAllAppliedWithNothingAfterThem) {
  StartPairThroughRelay(/*hold_dialer=*/false);
  ASSERT_TRUE(WaitUntil([&] { return LinkUp(pair_.m()) && LinkUp(pair_.s()); })) << pair_.Logs();
  ASSERT_EQ(Request(pair_.m(), "set warm 0 0 1\r\nw\r\n"), "STORED\r\n");
  ASSERT_TRUE(WaitUntil([&] { return Get(pair_.s(), "warm").find("VALUE warm") != std::string::npos; }))
      << pair_.Logs();

  relay_->Hold(HoldingRelay::kFromTarget);
  constexpr int kKeys = 200;  // about 20 KB of records: more than OpenSSL's read buffer holds
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(Request(pair_.m(), absl::StrCat("set burst", i, " 0 0 6\r\nv", 10000 + i, "\r\n")), "STORED\r\n");
  }
  // Many records, or the test shows nothing (libevent decrypts one or two per socket event).
  const size_t records = SettledRecords(*relay_, HoldingRelay::kFromTarget, 3);
  ASSERT_GE(records, 3u);
  ASSERT_TRUE(relay_->Release(HoldingRelay::kFromTarget));  // one burst; the master's bytes stay held after it

  const std::string last = absl::StrCat("burst", kKeys - 1);
  EXPECT_TRUE(WaitUntil([&] { return Get(pair_.s(), last).find("VALUE " + last) != std::string::npos; },
                        absl::Seconds(5)))
      << records << " records in the burst; the slave has " << Get(pair_.s(), last) << pair_.Logs();
  EXPECT_THAT(Get(pair_.s(), last), HasSubstr(absl::StrCat("v", 10000 + kKeys - 1)));
  EXPECT_THAT(Get(pair_.s(), "burst0"), HasSubstr("v10000"));
  relay_->Pass(HoldingRelay::kFromTarget);
}

// The dialer's HELLO right behind its last handshake message, both in one
// read by the acceptor: the handshake ends with the HELLO already in
// OpenSSL's buffer, and the dialer then waits for the answer to it.
TEST_F(ReplicationLinkTest, AHelloReadWithTheHandshakesLastBytesLinks) {
  StartPairThroughRelay(/*hold_dialer=*/true);
  // The ClientHello goes through alone; the dialer's next flight and its
  // HELLO are kept and sent together.
  ASSERT_TRUE(WaitUntil([&] { return !relay_->Kept(HoldingRelay::kToTarget).empty(); }, absl::Seconds(5)));
  ASSERT_TRUE(relay_->Release(HoldingRelay::kToTarget));
  // Finished and HELLO (each an application-data record in TLS 1.3).
  const size_t records = SettledRecords(*relay_, HoldingRelay::kToTarget, 2);
  ASSERT_GE(records, 2u) << pair_.Logs();
  ASSERT_TRUE(relay_->Release(HoldingRelay::kToTarget));

  EXPECT_TRUE(WaitUntil([&] { return LinkUp(pair_.m()) && LinkUp(pair_.s()); }, absl::Seconds(5)))
      << "master link " << repl::ReplStat(pair_.m(), "link") << ", slave link " << repl::ReplStat(pair_.s(), "link")
      << pair_.Logs();
  // Let the rest through: the link carries data both ways.
  ASSERT_TRUE(relay_->Pass(HoldingRelay::kToTarget));
  ASSERT_EQ(Request(pair_.m(), "set after 0 0 5\r\nhello\r\n"), "STORED\r\n");
  EXPECT_TRUE(WaitUntil([&] { return Get(pair_.s(), "after").find("hello") != std::string::npos; },
                        absl::Seconds(5)))
      << pair_.Logs();
}

}  // namespace
}  // namespace tandem::testing
