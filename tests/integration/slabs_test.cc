// Integration tests for slab page moves, `reclaimed` and the `lru` command
// family over a socket: a real server on a free loopback port, replies
// compared byte for byte. Everything here is memcached 1.6.18's behaviour
// too: TANDEM_TEST_SERVER=/usr/bin/memcached runs the same tests against it.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"
#include "tests/support/status_helpers.h"

namespace tandem::testing {
namespace {

class SlabsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args = {}) {
    ServerOptions options;
    options.binary = ServerUnderTestPath();
    options.args = std::move(args);
    auto server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto sock = RawSocket::Connect(server_->port());
    ASSERT_TRUE(sock.ok()) << sock.status();
    sock_ = std::make_unique<RawSocket>(std::move(*sock));
  }

  // Sends `request` and reads the reply up to and including `end`.
  std::string Ask(std::string_view request, std::string_view end = "\r\n") {
    if (!sock_->Send(request).ok()) return "<send failed>";
    auto got = sock_->ReadUntil(end);
    return got.ok() ? *got : "<" + got.status().ToString() + ">";
  }

  std::map<std::string, std::string> Stats(std::string_view sub = "") {
    std::map<std::string, std::string> out;
    const std::string reply =
        Ask(sub.empty() ? "stats\r\n" : absl::StrCat("stats ", std::string(sub), "\r\n"), "END\r\n");
    for (absl::string_view line : absl::StrSplit(reply, "\r\n")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      if (parts.size() == 3 && parts[0] == "STAT") out[parts[1]] = parts[2];
    }
    return out;
  }

  // Polls `stats` until `name` reads `want` (at most 8 s).
  std::string WaitForStat(const std::string& name, const std::string& want) {
    std::string got;
    for (absl::Time deadline = absl::Now() + absl::Seconds(8); absl::Now() < deadline;) {
      got = Stats()[name];
      if (got == want) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return got;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<RawSocket> sock_;
};

TEST_F(SlabsTest, SlabsReassignMovesAPageAndItsItemsLeave) {
  ASSERT_NO_FATAL_FAILURE(Start({"-m", "64"}));
  // 12000 100-byte values: three pages of one class (5461 chunks a page).
  std::string sets;
  const std::string value(100, 'v');
  for (int i = 0; i < 12000; ++i) absl::StrAppend(&sets, "set key", i, " 0 0 100 noreply\r\n", value, "\r\n");
  ASSERT_OK(sock_->Send(sets));
  ASSERT_EQ(Ask("mn\r\n"), "MN\r\n");
  std::map<std::string, std::string> slabs = Stats("slabs");
  int src = 0;
  for (const auto& [name, v] : slabs) {
    if (absl::EndsWith(name, ":total_pages") && v == "3") {
      ASSERT_TRUE(absl::SimpleAtoi(name.substr(0, name.find(':')), &src));
    }
  }
  ASSERT_NE(src, 0) << "no class with three pages";
  const int dst = src + 10;
  EXPECT_EQ(Ask(absl::StrCat("slabs reassign ", src, " ", dst, "\r\n")), "OK\r\n");
  EXPECT_EQ(WaitForStat("slabs_moved", "1"), "1");
  slabs = Stats("slabs");
  EXPECT_EQ(slabs[absl::StrCat(src, ":total_pages")], "2");
  EXPECT_EQ(slabs[absl::StrCat(dst, ":total_pages")], "1");
  // The oldest page held the first 5461 items: the first 4383 were
  // rescued into the class's free chunks, the other 1078 evicted.
  std::map<std::string, std::string> stats = Stats();
  EXPECT_EQ(stats["curr_items"], "10922");
  EXPECT_EQ(stats["slab_reassign_rescues"], "4383");
  EXPECT_EQ(stats["slab_reassign_evictions_nomem"], "1078");
  EXPECT_EQ(stats["slab_reassign_running"], "0");
  // Which of the page's items were rescued depends on where each landed in
  // the page (memcached fills a page from its end): count, do not name.
  int hits_first_page = 0;
  int hits_rest = 0;
  for (int base = 0; base < 12000; base += 100) {
    std::string get = "get";
    for (int i = base; i < base + 100; ++i) absl::StrAppend(&get, " key", i);
    const std::string reply = Ask(absl::StrCat(get, "\r\n"), "END\r\n");
    for (int i = base; i < base + 100; ++i) {
      const std::string hit = absl::StrCat("VALUE key", i, " 0 100\r\n", value, "\r\n");
      if (reply.find(hit) == std::string::npos) continue;
      (i < 5461 ? hits_first_page : hits_rest) += 1;
    }
  }
  EXPECT_EQ(hits_first_page, 4383);
  EXPECT_EQ(hits_rest, 12000 - 5461);
  // Down to two pages, then one: a class keeps its last page.
  EXPECT_EQ(Ask(absl::StrCat("slabs reassign ", src, " 0\r\n")), "OK\r\n");
  EXPECT_EQ(WaitForStat("slabs_moved", "2"), "2");
  EXPECT_EQ(Ask(absl::StrCat("slabs reassign ", src, " 0\r\n")),
            "NOSPARE source class has no spare pages\r\n");
  EXPECT_EQ(Stats()["slab_global_page_pool"], "1");
  EXPECT_EQ(Stats("settings")["slab_reassign"], "yes");
}

TEST_F(SlabsTest, ReassignIsRefusedWhenSlabReassignIsOff) {
  ASSERT_NO_FATAL_FAILURE(Start({"-o", "no_slab_reassign"}));
  EXPECT_EQ(Ask("slabs reassign 1 2\r\n"), "CLIENT_ERROR slab reassignment disabled\r\n");
}

TEST_F(SlabsTest, ExpiredAndFlushedItemsAreCountedAsReclaimed) {
  ASSERT_NO_FATAL_FAILURE(Start());
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Ask(absl::StrCat("set t", i, " 0 1 10\r\n0123456789\r\n")), "STORED\r\n");
  }
  absl::SleepFor(absl::Milliseconds(2200));
  EXPECT_EQ(WaitForStat("reclaimed", "100"), "100");
  std::map<std::string, std::string> stats = Stats();
  EXPECT_EQ(stats["expired_unfetched"], "100");
  EXPECT_EQ(stats["crawler_reclaimed"], "0");
  EXPECT_EQ(stats["curr_items"], "0");
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Ask(absl::StrCat("set f", i, " 0 0 10\r\n0123456789\r\n")), "STORED\r\n");
  }
  ASSERT_EQ(Ask("get f0\r\n", "END\r\n"), "VALUE f0 0 10\r\n0123456789\r\nEND\r\n");
  ASSERT_EQ(Ask("flush_all\r\n"), "OK\r\n");
  EXPECT_EQ(WaitForStat("reclaimed", "150"), "150");
  EXPECT_EQ(Stats()["expired_unfetched"], "149");  // f0 had been read
  EXPECT_EQ(Stats("items")["items:1:reclaimed"].empty(), true);  // no items left: no rows
}

TEST_F(SlabsTest, LruCommandsAnswerAsMemcachedAndChangeTheSettings) {
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Ask("lru mode flat\r\n"), "OK\r\n");
  EXPECT_EQ(Stats("settings")["lru_segmented"], "no");
  EXPECT_EQ(Ask("lru mode segmented\r\n"), "OK\r\n");
  EXPECT_EQ(Stats("settings")["lru_segmented"], "yes");
  EXPECT_EQ(Ask("lru mode flat noreply\r\nmn\r\n"), "MN\r\n");
  EXPECT_EQ(Stats("settings")["lru_segmented"], "no");
  EXPECT_EQ(Ask("lru mode sideways\r\n"), "ERROR\r\n");
  EXPECT_EQ(Ask("lru temp_ttl 10\r\n"), "OK\r\n");
  std::map<std::string, std::string> s = Stats("settings");
  EXPECT_EQ(s["temp_lru"], "yes");
  EXPECT_EQ(s["temporary_ttl"], "10");
  EXPECT_EQ(Ask("lru temp_ttl -1\r\n"), "OK\r\n");
  EXPECT_EQ(Stats("settings")["temp_lru"], "no");
  EXPECT_EQ(Ask("lru tune 10 30 0.5 3\r\n"), "OK\r\n");
  s = Stats("settings");
  EXPECT_EQ(s["hot_lru_pct"], "10");
  EXPECT_EQ(s["warm_lru_pct"], "30");
  EXPECT_EQ(s["hot_max_factor"], "0.50");
  EXPECT_EQ(s["warm_max_factor"], "3.00");
  EXPECT_EQ(Ask("lru tune 50 40 0.1 2\r\n"), "ERROR hot and warm pcts must not exceed 80\r\n");
  EXPECT_EQ(Ask("slabs automove 0\r\n"), "OK\r\n");
  EXPECT_EQ(Stats("settings")["slab_automove"], "0");
  EXPECT_EQ(Ask("slabs automove ratio 0.5\r\n"), "OK\r\n");
  EXPECT_EQ(Stats("settings")["slab_automove_ratio"], "0.50");
  // Items still store and read in the flat LRU.
  EXPECT_EQ(Ask("set k 0 0 1\r\nx\r\n"), "STORED\r\n");
  EXPECT_EQ(Ask("get k\r\n", "END\r\n"), "VALUE k 0 1\r\nx\r\nEND\r\n");
}

TEST_F(SlabsTest, LruModeAndTempTtlNeedTheMaintainer) {
  ASSERT_NO_FATAL_FAILURE(Start({"-o", "no_lru_maintainer"}));
  EXPECT_EQ(Ask("lru mode flat\r\n"), "ERROR\r\n");
  EXPECT_EQ(Ask("lru temp_ttl 10\r\n"), "ERROR\r\n");
  EXPECT_EQ(Ask("lru tune 10 30 0.5 3\r\n"), "OK\r\n");
}

}  // namespace
}  // namespace tandem::testing
