// Tests for TombstoneSet: newer deletes replace older ones, the time window
// is measured on the delete's version, and the byte budget drops the oldest.
#include "server/storage/tombstones.h"

#include <string>

#include "gtest/gtest.h"
#include "server/storage/version.h"

namespace tandem::server::storage {
namespace {

constexpr uint64_t kNow = 1'700'000'000'000;  // ms

uint64_t At(uint64_t ms, uint64_t logical = 0) { return Hlc::Make(ms, logical); }

TEST(TombstoneSetTest, RecordFindAndNewerWins) {
  TombstoneSet t;
  t.Configure(1 << 20, 60000);
  EXPECT_EQ(t.Find("k", kNow), 0u);
  t.Record("k", At(kNow, 5), kNow);
  EXPECT_EQ(t.Find("k", kNow), At(kNow, 5));
  t.Record("k", At(kNow, 3), kNow);  // older: ignored
  EXPECT_EQ(t.Find("k", kNow), At(kNow, 5));
  t.Record("k", At(kNow, 9), kNow);
  EXPECT_EQ(t.Find("k", kNow), At(kNow, 9));
  EXPECT_EQ(t.size(), 1u);
  t.Erase("k");
  EXPECT_EQ(t.Find("k", kNow), 0u);
  EXPECT_TRUE(t.empty());
}

TEST(TombstoneSetTest, ExpiresAfterTheWindow) {
  TombstoneSet t;
  t.Configure(1 << 20, 1000);
  t.Record("a", At(kNow), kNow);
  EXPECT_NE(t.Find("a", kNow + 999), 0u);
  EXPECT_EQ(t.Find("a", kNow + 1000), 0u);
  t.Record("old", At(kNow - 5000), kNow);  // already past its window: not kept
  EXPECT_EQ(t.Find("old", kNow), 0u);
  t.Record("b", At(kNow + 2000), kNow + 2000);  // prunes "a"
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.evicted(), 0u);  // expired, not evicted
  t.Prune(kNow + 5000);
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.bytes(), 0u);
}

TEST(TombstoneSetTest, ByteBudgetDropsTheOldest) {
  TombstoneSet t;
  const size_t per = 2 + TombstoneSet::kOverhead;
  t.Configure(per * 10, 60000);
  for (int i = 0; i < 25; ++i) t.Record("k" + std::to_string(i % 10), At(kNow, i), kNow);
  // 25 records of 10 keys: re-recorded keys leave stale queue entries, but
  // the budget holds and the newest versions survive.
  EXPECT_LE(t.bytes(), per * 10);
  EXPECT_NE(t.Find("k4", kNow), 0u);
  for (int i = 0; i < 20; ++i) t.Record("x" + std::to_string(i % 10), At(kNow, 100 + i), kNow);
  EXPECT_LE(t.bytes(), per * 10);
  EXPECT_EQ(t.Find("k4", kNow), 0u);  // pushed out by newer deletes
  EXPECT_GT(t.evicted(), 0u);
  EXPECT_EQ(t.Find("x9", kNow), At(kNow, 119));
}

TEST(TombstoneSetTest, ZeroBudgetKeepsNothing) {
  TombstoneSet t;
  t.Configure(0, 60000);
  t.Record("k", At(kNow), kNow);
  EXPECT_TRUE(t.empty());
}

TEST(TombstoneSetTest, ForEachSkipsExpired) {
  TombstoneSet t;
  t.Configure(1 << 20, 1000);
  t.Record("a", At(kNow), kNow);
  t.Record("b", At(kNow + 900), kNow + 900);
  int n = 0;
  t.ForEach(kNow + 1500, [&](std::string_view key, uint64_t version) {
    EXPECT_EQ(key, "b");
    EXPECT_EQ(version, At(kNow + 900));
    ++n;
  });
  EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace tandem::server::storage
