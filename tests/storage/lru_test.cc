// Tests for Lru (list mechanics and HOT/WARM/COLD juggling) and, through
// the Engine, eviction order: the oldest untouched items go first and items
// read twice (ACTIVE) survive a wave of new inserts.
#include "server/storage/lru.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/storage/engine.h"

namespace tandem::server::storage {
namespace {

std::vector<Item*> MakeItems(std::vector<std::unique_ptr<Item>>* store, int n) {
  std::vector<Item*> v;
  for (int i = 0; i < n; ++i) {
    store->push_back(std::make_unique<Item>());
    store->back()->time.store(10);  // the tests' "now": age 0
    v.push_back(store->back().get());
  }
  return v;
}

TEST(LruTest, NewItemsEnterHotAndOverflowToCold) {
  Lru lru(1);
  Lru::Class& c = lru.cls(1);
  std::vector<std::unique_ptr<Item>> store;
  std::vector<Item*> items = MakeItems(&store, 100);
  absl::MutexLock lock(&c.mu());
  for (Item* it : items) c.LinkLocked(it, /*segmented=*/true, /*now=*/10);
  EXPECT_EQ(c.total(), 100u);
  EXPECT_LE(c.count(LruId::kHot), 21u);
  EXPECT_GE(c.count(LruId::kCold), 79u);
  // The COLD tail is the oldest item.
  EXPECT_EQ(c.tail(LruId::kCold), items[0]);
}

TEST(LruTest, ActiveHotItemsGoToWarm) {
  Lru lru(1);
  Lru::Class& c = lru.cls(1);
  std::vector<std::unique_ptr<Item>> store;
  std::vector<Item*> items = MakeItems(&store, 10);
  absl::MutexLock lock(&c.mu());
  for (Item* it : items) c.LinkLocked(it, true, 10);
  Item* hot_tail = c.tail(LruId::kHot);
  ASSERT_NE(hot_tail, nullptr);
  hot_tail->set(Item::kActive);
  c.JuggleLocked(1, 10);
  EXPECT_EQ(hot_tail->lru(), LruId::kWarm);
  EXPECT_FALSE(hot_tail->has(Item::kActive));
}

TEST(LruTest, ALoneNewItemGoesStraightToCold) {
  // memcached's shares are of the items the class holds, so its first item
  // is over HOT's 20% at once (and `stats cachedump`, which lists COLD,
  // shows it).
  Lru lru(1);
  Lru::Class& c = lru.cls(1);
  std::vector<std::unique_ptr<Item>> store;
  std::vector<Item*> items = MakeItems(&store, 1);
  absl::MutexLock lock(&c.mu());
  c.LinkLocked(items[0], true, 10);
  EXPECT_EQ(items[0]->lru(), LruId::kCold);
}

TEST(LruTest, HotItemsOlderThanColdsAgeShareMoveToCold) {
  Lru lru(1);
  Lru::Class& c = lru.cls(1);
  std::vector<std::unique_ptr<Item>> store;
  std::vector<Item*> items = MakeItems(&store, 10);
  absl::MutexLock lock(&c.mu());
  for (Item* it : items) c.LinkLocked(it, true, 10);
  ASSERT_GT(c.count(LruId::kHot), 0u);
  EXPECT_EQ(c.JuggleLocked(100, 10), 0);
  // Ten seconds on, HOT's tail is older than 0.2 x COLD's age: it flows.
  EXPECT_GT(c.JuggleLocked(100, 20), 0);
  EXPECT_EQ(c.count(LruId::kHot), 0u);
}

TEST(LruTest, UnlinkKeepsListsConsistent) {
  Lru lru(1);
  Lru::Class& c = lru.cls(1);
  std::vector<std::unique_ptr<Item>> store;
  std::vector<Item*> items = MakeItems(&store, 50);
  absl::MutexLock lock(&c.mu());
  for (Item* it : items) c.LinkLocked(it, false, 10);
  EXPECT_EQ(c.count(LruId::kCold), 50u);
  for (int i = 0; i < 50; i += 2) c.UnlinkLocked(items[i]);
  EXPECT_EQ(c.total(), 25u);
  // Walk from the tail: remaining items in insertion order.
  int expect = 1;
  for (Item* it = c.tail(LruId::kCold); it != nullptr; it = it->prev, expect += 2) {
    EXPECT_EQ(it, items[expect]);
  }
  EXPECT_EQ(expect, 51);
}

TEST(LruTest, ForceToColdDrainsHotThenWarm) {
  Lru lru(1);
  Lru::Class& c = lru.cls(1);
  std::vector<std::unique_ptr<Item>> store;
  std::vector<Item*> items = MakeItems(&store, 10);
  absl::MutexLock lock(&c.mu());
  for (Item* it : items) c.LinkLocked(it, true, 10);
  Item* hot_tail = c.tail(LruId::kHot);
  ASSERT_NE(hot_tail, nullptr);
  hot_tail->set(Item::kActive);
  c.JuggleLocked(1, 10);  // the active HOT tail goes to WARM
  ASSERT_EQ(hot_tail->lru(), LruId::kWarm);
  size_t forced = 0;
  while (c.ForceToColdLocked()) ++forced;
  EXPECT_GE(forced, 2u);
  EXPECT_EQ(c.count(LruId::kHot), 0u);
  EXPECT_EQ(c.count(LruId::kWarm), 0u);
  EXPECT_EQ(c.count(LruId::kCold), 10u);
}

class EvictionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.memory_limit = 2u << 20;  // two 1 MB pages of 192-byte chunks
    o.clock = &clock_;
    engine_ = std::make_unique<Engine>(o);
  }
  bool Has(const std::string& k) {
    return engine_->Get(k, [](const ItemView&) {});
  }
  ManualClock clock_;
  std::unique_ptr<Engine> engine_;
  const std::string value_ = std::string(100, 'v');
};

TEST_F(EvictionTest, OldestGoFirst) {
  for (int i = 0; i < 20000; ++i) {
    ASSERT_EQ(engine_->Store(StoreMode::kSet, "key:" + std::to_string(i), 0, 0, value_).outcome,
              StoreOutcome::kStored);
  }
  // ~10922 chunks fit; the first keys are gone, the last are present.
  EXPECT_FALSE(Has("key:0"));
  EXPECT_FALSE(Has("key:5000"));
  EXPECT_TRUE(Has("key:19999"));
  EXPECT_TRUE(Has("key:15000"));
}

TEST_F(EvictionTest, ActiveItemsSurvive) {
  for (int i = 0; i < 1000; ++i) {
    engine_->Store(StoreMode::kSet, "hot:" + std::to_string(i), 0, 0, value_);
  }
  // Read twice: FETCHED, then ACTIVE.
  for (int r = 0; r < 2; ++r)
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(Has("hot:" + std::to_string(i)));
  for (int wave = 0; wave < 5; ++wave) {
    for (int i = 0; i < 5000; ++i) {
      engine_->Store(StoreMode::kSet, "cold:" + std::to_string(wave * 5000 + i), 0, 0, value_);
    }
    // Keep them active, as a real hot set would be.
    for (int i = 0; i < 1000; ++i) Has("hot:" + std::to_string(i));
  }
  int survived = 0;
  for (int i = 0; i < 1000; ++i) survived += Has("hot:" + std::to_string(i));
  EXPECT_GE(survived, 990);
  EXPECT_FALSE(Has("cold:0"));
}

TEST_F(EvictionTest, ActiveItemsSurviveWithoutSegmentedLru) {
  EngineOptions o;
  o.memory_limit = 2u << 20;
  o.segmented_lru = false;
  o.clock = &clock_;
  engine_ = std::make_unique<Engine>(o);
  for (int i = 0; i < 500; ++i) engine_->Store(StoreMode::kSet, "hot:" + std::to_string(i), 0, 0, value_);
  for (int wave = 0; wave < 4; ++wave) {
    for (int r = 0; r < 2; ++r)
      for (int i = 0; i < 500; ++i) Has("hot:" + std::to_string(i));
    for (int i = 0; i < 5000; ++i) {
      engine_->Store(StoreMode::kSet, "cold:" + std::to_string(wave * 5000 + i), 0, 0, value_);
    }
  }
  int survived = 0;
  for (int i = 0; i < 500; ++i) survived += Has("hot:" + std::to_string(i));
  EXPECT_GE(survived, 490);
  StatList items;
  engine_->ItemsStats(&items);
  for (auto& [k, v] : items) EXPECT_EQ(k.find("number_hot"), std::string::npos) << k;
}

TEST_F(EvictionTest, ExpiredTailIsReclaimedBeforeEvicting) {
  for (int i = 0; i < 5000; ++i) {
    engine_->Store(StoreMode::kSet, "short:" + std::to_string(i), 0, 10, value_);
  }
  clock_.Advance(20);
  for (int i = 0; i < 8000; ++i) {
    engine_->Store(StoreMode::kSet, "long:" + std::to_string(i), 0, 0, value_);
  }
  StatList stats;
  engine_->GeneralStats(&stats);
  std::string evictions, reclaimed;
  for (auto& [k, v] : stats) {
    if (k == "evictions") evictions = v;
    if (k == "reclaimed") reclaimed = v;
  }
  EXPECT_NE(reclaimed, "0");
  for (int i = 0; i < 8000; i += 97) EXPECT_TRUE(Has("long:" + std::to_string(i))) << i;
}

// `lru tune`: a larger HOT share keeps more new items in HOT.
TEST(LruTest, TuningChangesTheHotShare) {
  for (int hot_pct : {20, 60}) {
    Lru lru(1);
    Lru::Class& c = lru.cls(1);
    std::vector<std::unique_ptr<Item>> store;
    std::vector<Item*> items = MakeItems(&store, 100);
    Lru::Tuning tuning;
    tuning.hot_pct = hot_pct;
    tuning.warm_pct = 20;
    absl::MutexLock lock(&c.mu());
    for (Item* it : items) c.LinkLocked(it, true, 10, tuning);
    EXPECT_EQ(c.count(LruId::kHot), static_cast<size_t>(hot_pct)) << hot_pct;
  }
}

// The rebalancer's rescue: a byte copy takes the item's place in its list.
TEST(LruTest, ReplaceLockedPutsTheCopyInThePlaceOfTheItem) {
  Lru lru(1);
  Lru::Class& c = lru.cls(1);
  std::vector<std::unique_ptr<Item>> store;
  std::vector<Item*> items = MakeItems(&store, 4);
  absl::MutexLock lock(&c.mu());
  for (Item* it : items) c.LinkLocked(it, false, 10);  // COLD: 3 2 1 0
  for (int victim : {1, 3, 0}) {
    auto copy = std::make_unique<Item>();
    copy->prev = items[victim]->prev;
    copy->next = items[victim]->next;
    copy->set_lru(items[victim]->lru());
    c.ReplaceLocked(items[victim], copy.get());
    items[victim] = copy.get();
    store.push_back(std::move(copy));
  }
  std::vector<Item*> order;
  for (Item* it = c.head(LruId::kCold); it != nullptr; it = it->next) order.push_back(it);
  EXPECT_EQ(order, (std::vector<Item*>{items[3], items[2], items[1], items[0]}));
  EXPECT_EQ(c.tail(LruId::kCold), items[0]);
  EXPECT_EQ(c.count(LruId::kCold), 4u);
}

}  // namespace
}  // namespace tandem::server::storage
