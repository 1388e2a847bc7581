// Tests for memcached's exptime rules (relative, absolute, negative, the
// 30-day boundary), lazy expiry, flush_all with and without delay, and the
// background CrawlStep, all driven by a ManualClock.
#include "server/storage/expiry.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/storage/engine.h"

namespace tandem::server::storage {
namespace {

constexpr int64_t kStart = 1'700'000'000;

TEST(ExpiryRulesTest, ToRelTime) {
  ManualClock clock(kStart, 100);
  Expiry e(&clock);
  EXPECT_EQ(e.ToRelTime(0), 0u);
  EXPECT_EQ(e.ToRelTime(10), 110u);
  EXPECT_EQ(e.ToRelTime(Expiry::kMaxRelative), 100u + 2592000u);
  // One past 30 days is an absolute unix time, long before the start: 1.
  EXPECT_EQ(e.ToRelTime(Expiry::kMaxRelative + 1), 1u);
  EXPECT_EQ(e.ToRelTime(-1), 1u);
  EXPECT_EQ(e.ToRelTime(kStart), 1u);
  EXPECT_EQ(e.ToRelTime(kStart + 500), 500u);
  EXPECT_EQ(e.ToUnix(0), 0);
  EXPECT_EQ(e.ToUnix(500), kStart + 500);
}

class ExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override { Make(true); }
  void Make(bool use_cas) {
    EngineOptions o;
    o.clock = &clock_;
    o.use_cas = use_cas;
    engine_ = std::make_unique<Engine>(o);
  }
  bool Has(const std::string& k) { return engine_->Get(k, [](const ItemView&) {}); }
  void Set(const std::string& k, int64_t exptime) {
    ASSERT_EQ(engine_->Store(StoreMode::kSet, k, 0, exptime, "v").outcome, StoreOutcome::kStored);
  }
  std::string Stat(std::string_view name) {
    StatList s;
    engine_->GeneralStats(&s);
    for (auto& [k, v] : s)
      if (k == name) return v;
    return "";
  }
  ManualClock clock_{kStart, 100};
  std::unique_ptr<Engine> engine_;
};

TEST_F(ExpiryTest, Relative) {
  Set("k", 10);
  clock_.Advance(9);
  EXPECT_TRUE(Has("k"));
  clock_.Advance(1);
  EXPECT_FALSE(Has("k"));
  EXPECT_EQ(Stat("get_expired"), "1");
}

TEST_F(ExpiryTest, ZeroNeverExpires) {
  Set("k", 0);
  clock_.Advance(100 * 86400);
  EXPECT_TRUE(Has("k"));
}

TEST_F(ExpiryTest, NegativeIsAlreadyExpired) {
  Set("k", -1);
  EXPECT_FALSE(Has("k"));
}

TEST_F(ExpiryTest, ThirtyDayBoundary) {
  Set("rel", Expiry::kMaxRelative);  // still relative: 30 days from now
  Set("abs", Expiry::kMaxRelative + 1);  // absolute 1970: expired at once
  EXPECT_TRUE(Has("rel"));
  EXPECT_FALSE(Has("abs"));
  clock_.Advance(Expiry::kMaxRelative - 1);
  EXPECT_TRUE(Has("rel"));
  clock_.Advance(1);
  EXPECT_FALSE(Has("rel"));
}

TEST_F(ExpiryTest, Absolute) {
  const int64_t now_unix = kStart + clock_.Now();
  Set("future", now_unix + 50);
  Set("past", now_unix - 50);
  EXPECT_TRUE(Has("future"));
  EXPECT_FALSE(Has("past"));
  clock_.Advance(49);
  EXPECT_TRUE(Has("future"));
  clock_.Advance(1);
  EXPECT_FALSE(Has("future"));
}

TEST_F(ExpiryTest, FlushAllNow) {
  Set("a", 0);
  Set("b", 0);
  engine_->FlushAll(0);
  EXPECT_FALSE(Has("a"));
  // Stored after the flush in the same second: survives with CAS on.
  Set("c", 0);
  EXPECT_TRUE(Has("c"));
  EXPECT_FALSE(Has("b"));
  EXPECT_EQ(Stat("get_flushed"), "2");
}

TEST_F(ExpiryTest, FlushAllNowWithoutCasKillsSameSecond) {
  Make(false);
  Set("a", 0);
  engine_->FlushAll(0);
  Set("c", 0);
  EXPECT_FALSE(Has("a"));
  EXPECT_FALSE(Has("c"));  // memcached -C quirk
  clock_.Advance(1);
  Set("d", 0);
  EXPECT_TRUE(Has("d"));
}

TEST_F(ExpiryTest, FlushAllWithDelay) {
  Set("a", 0);
  engine_->FlushAll(10);
  clock_.Advance(5);
  EXPECT_TRUE(Has("a"));
  Set("b", 0);
  clock_.Advance(4);  // oldest_live = start + 9
  EXPECT_FALSE(Has("a"));
  EXPECT_FALSE(Has("b"));
  clock_.Advance(1);
  Set("c", 0);
  EXPECT_TRUE(Has("c"));
}

TEST_F(ExpiryTest, CrawlStepReclaimsExpiredAndFlushed) {
  for (int i = 0; i < 1000; ++i) Set("short:" + std::to_string(i), 5);
  for (int i = 0; i < 1000; ++i) Set("long:" + std::to_string(i), 0);
  clock_.Advance(10);
  size_t total = 0;
  for (int step = 0; step < 10000 && total < 1000; ++step) {
    size_t n = engine_->CrawlStep(50);
    EXPECT_LE(n, 50u);
    total += n;
  }
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(Stat("curr_items"), "1000");
  engine_->FlushAll(0);
  total = 0;
  for (int step = 0; step < 10000 && total < 1000; ++step) total += engine_->CrawlStep(100);
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(Stat("curr_items"), "0");
  EXPECT_EQ(engine_->CrawlStep(100), 0u);
}

// `lru_crawler crawl all` asks for one whole pass: CrawlStep(SIZE_MAX) must
// reclaim every dead item in one call (16 x SIZE_MAX + 64 once wrapped to 48).
TEST_F(ExpiryTest, AnUnboundedCrawlStepReclaimsEverythingDeadAtOnce) {
  for (int i = 0; i < 1000; ++i) Set("short:" + std::to_string(i), 5);
  for (int i = 0; i < 100; ++i) Set("long:" + std::to_string(i), 0);
  clock_.Advance(10);
  EXPECT_EQ(engine_->CrawlStep(SIZE_MAX), 1000u);
  EXPECT_EQ(Stat("curr_items"), "100");
}

}  // namespace
}  // namespace tandem::server::storage
