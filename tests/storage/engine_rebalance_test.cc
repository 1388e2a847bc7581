// Tests for slab page moves in the engine (engine_rebalance.cc) and for the
// automove decision (slab_automove.h): a reassigned page leaves its class
// with every item that lived in it (rescued into free chunks of the class,
// or evicted), the hash table keeps no reference to the page (every key
// reads its full value or misses), chunked items whose
// chains cross the page go too, `slabs reassign`'s refusals are memcached's,
// and gets and sets running during moves never read moved memory (under
// ASan the chunks of a moving page are poisoned once freed).
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/storage/engine.h"
#include "server/storage/slab_automove.h"

namespace tandem::server::storage {
namespace {

class EngineRebalanceTest : public ::testing::Test {
 protected:
  void Make(EngineOptions o = {}) {
    o.clock = &clock_;
    engine_ = std::make_unique<Engine>(o);
  }
  // The value stored under key k: the key itself repeated to `size` bytes,
  // so a value read back proves it belongs to its key.
  static std::string ValueFor(const std::string& key, size_t size) {
    std::string v;
    while (v.size() < size) v += key;
    v.resize(size);
    return v;
  }
  std::string Get(const std::string& key) {
    std::string v;
    if (!engine_->Get(key, [&](const ItemView& it) { it.AppendValueTo(&v); })) return "<miss>";
    return v;
  }
  std::string Stat(const StatList& list, std::string_view name) {
    for (const auto& [k, v] : list)
      if (k == name) return v;
    return "<none>";
  }
  std::string General(std::string_view name) {
    StatList l;
    engine_->GeneralStats(&l);
    return Stat(l, name);
  }
  std::string Slab(int id, std::string_view field) {
    StatList l;
    engine_->SlabsStats(&l);
    return Stat(l, absl::StrCat(id, ":", std::string(field)));
  }
  // Runs the rebalancer until the queued move is done (bounded).
  void RunMove() {
    for (int i = 0; i < 10000 && engine_->RebalanceStep(); ++i) {
    }
    ASSERT_FALSE(engine_->RebalanceStep());
  }
  // The slab class an item was stored in (mg's view of it).
  int ClassOf(const std::string& key) {
    int cls = 0;
    engine_->MetaGet(key, MetaGetOptions{}, [&](MetaItem& it, bool) { cls = it.class_id(); });
    return cls;
  }

  ManualClock clock_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineRebalanceTest, AReassignedPageLeavesWithItsItemsAndNothingDangles) {
  Make();
  const int n = 30000;  // 100-byte values: class 5 (192 B chunks), 5461 a page
  for (int i = 0; i < n; ++i) {
    const std::string k = absl::StrCat("key", i);
    ASSERT_EQ(engine_->Store(StoreMode::kSet, k, 0, 0, ValueFor(k, 100)).outcome,
              StoreOutcome::kStored);
  }
  const int src = ClassOf("key0");
  const int dst = src + 10;
  const int pages = std::stoi(Slab(src, "total_pages"));
  ASSERT_EQ(pages, 6);
  const int free_chunks = std::stoi(Slab(src, "free_chunks"));
  ASSERT_EQ(free_chunks, 6 * 5461 - n);
  ASSERT_EQ(engine_->SlabsReassign(src, dst), ReassignOutcome::kOk);
  EXPECT_EQ(engine_->SlabsReassign(src, dst), ReassignOutcome::kBusy);  // queued
  RunMove();
  EXPECT_EQ(Slab(src, "total_pages"), absl::StrCat(pages - 1));
  EXPECT_EQ(Slab(dst, "total_pages"), "1");
  EXPECT_EQ(General("slabs_moved"), "1");
  EXPECT_EQ(General("slab_reassign_running"), "0");
  // The oldest page held the first 5461 items: the first ones were rescued
  // into the class's free chunks, in page order, as memcached does; the
  // rest were evicted. Every other item is intact.
  EXPECT_EQ(General("slab_reassign_rescues"), absl::StrCat(free_chunks));
  EXPECT_EQ(General("slab_reassign_evictions_nomem"), absl::StrCat(5461 - free_chunks));
  for (int i = 0; i < n; ++i) {
    const std::string k = absl::StrCat("key", i);
    const std::string v = Get(k);
    if (i >= free_chunks && i < 5461) {
      EXPECT_EQ(v, "<miss>") << k;
    } else {
      EXPECT_EQ(v, ValueFor(k, 100)) << k;
    }
  }
  EXPECT_EQ(General("curr_items"), absl::StrCat(n - (5461 - free_chunks)));
  EXPECT_EQ(Slab(src, "free_chunks"), "0");
  // The page serves the destination class at once.
  const std::string big(5000, 'b');
  EXPECT_EQ(engine_->Store(StoreMode::kSet, "big", 0, 0, big).outcome, StoreOutcome::kStored);
  EXPECT_EQ(Get("big"), big);
}

TEST_F(EngineRebalanceTest, RefusalsAreMemcachedsAndAnyPicksAClassWithASparePage) {
  Make();
  const int count = engine_->SizeClassCount();
  EXPECT_EQ(engine_->SlabsReassign(3, 3), ReassignOutcome::kSame);
  EXPECT_EQ(engine_->SlabsReassign(count + 1, 1), ReassignOutcome::kBadClass);
  EXPECT_EQ(engine_->SlabsReassign(1, -2), ReassignOutcome::kBadClass);
  EXPECT_EQ(engine_->SlabsReassign(-1, 5), ReassignOutcome::kBadClass);  // nothing to take
  EXPECT_EQ(engine_->SlabsReassign(1, 2), ReassignOutcome::kNoSpare);
  EXPECT_EQ(engine_->SlabsReassign(0, 2), ReassignOutcome::kNoSpare);  // empty pool
  engine_->Store(StoreMode::kSet, "one", 0, 0, "x");
  EXPECT_EQ(engine_->SlabsReassign(ClassOf("one"), 2), ReassignOutcome::kNoSpare);
  for (int i = 0; i < 12000; ++i) engine_->Store(StoreMode::kSet, absl::StrCat("k", i), 0, 0, "x");
  EXPECT_EQ(engine_->SlabsReassign(-1, 9), ReassignOutcome::kOk);
  RunMove();
  EXPECT_EQ(Slab(9, "total_pages"), "1");
}

TEST_F(EngineRebalanceTest, PagesGoThroughTheGlobalPool) {
  EngineOptions o;
  o.memory_limit = 4u << 20;
  Make(o);
  for (int i = 0; i < 20000; ++i) engine_->Store(StoreMode::kSet, absl::StrCat("k", i), 0, 0, std::string(100, 'v'));
  const int src = ClassOf("k19999");
  ASSERT_EQ(engine_->SlabsReassign(src, 0), ReassignOutcome::kOk);
  RunMove();
  EXPECT_EQ(General("slab_global_page_pool"), "1");
  // Another class takes it without going past -m.
  for (int i = 0; i < 400; ++i) engine_->Store(StoreMode::kSet, absl::StrCat("b", i), 0, 0, std::string(2000, 'w'));
  EXPECT_EQ(General("slab_global_page_pool"), "0");
  EXPECT_EQ(Get("b399"), std::string(2000, 'w'));
}

TEST_F(EngineRebalanceTest, ChunkedItemsCrossingThePageGoWithIt) {
  EngineOptions o;
  o.item_size_max = 4u << 20;
  Make(o);
  // 1.2 MB values: chains of 512 KB chunks (the largest class, 2 a page)
  // plus a tail chunk.
  for (int i = 0; i < 6; ++i) {
    const std::string k = absl::StrCat("chunky", i);
    ASSERT_EQ(engine_->Store(StoreMode::kSet, k, 0, 0, ValueFor(k, 1200000)).outcome,
              StoreOutcome::kStored);
  }
  const int largest = engine_->SizeClassCount();
  ASSERT_GE(std::stoi(Slab(largest, "total_pages")), 2);
  ASSERT_EQ(engine_->SlabsReassign(largest, 3), ReassignOutcome::kOk);
  RunMove();
  int misses = 0;
  for (int i = 0; i < 6; ++i) {
    const std::string k = absl::StrCat("chunky", i);
    const std::string v = Get(k);
    if (v == "<miss>") {
      ++misses;
    } else {
      EXPECT_EQ(v, ValueFor(k, 1200000));
    }
  }
  EXPECT_GE(misses, 1);
  EXPECT_EQ(Slab(3, "total_pages"), "1");
}

// Readers and writers on every key while pages move back and forth between
// two classes: each value read must be its key's, and nothing may touch a
// moving page's freed chunks (ASan builds poison them).
TEST_F(EngineRebalanceTest, ConcurrentGetsAndSetsDuringMovesSeeOnlyWholeValues) {
  EngineOptions o;
  o.memory_limit = 16u << 20;
  Make(o);
  constexpr int kKeys = 20000;
  for (int i = 0; i < kKeys; ++i) {
    const std::string k = absl::StrCat("key", i);
    engine_->Store(StoreMode::kSet, k, 0, 0, ValueFor(k, 100));
  }
  const int small = ClassOf("key1");
  for (int i = 0; i < 3000; ++i) {
    const std::string k = absl::StrCat("big", i);
    engine_->Store(StoreMode::kSet, k, 0, 0, ValueFor(k, 1500));
  }
  const int big = ClassOf("big1");
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<uint64_t> ops{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      uint64_t x = 88172645463325252ull + static_cast<uint64_t>(t);
      while (!stop.load()) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const bool is_big = (x >> 20) % 4 == 0;
        const std::string k = absl::StrCat(is_big ? "big" : "key", (x >> 24) % (is_big ? 3000 : kKeys));
        const size_t size = is_big ? 1500 : 100;
        if ((x >> 8) % 8 == 0) {
          engine_->Store(StoreMode::kSet, k, 0, 0, ValueFor(k, size));
        } else {
          std::string v;
          if (engine_->Get(k, [&](const ItemView& it) { it.AppendValueTo(&v); }) &&
              v != ValueFor(k, size)) {
            ++bad;
          }
        }
        ++ops;
      }
    });
  }
  int moves = 0;
  for (int round = 0; round < 40; ++round) {
    const int from = round % 2 == 0 ? small : big;
    const int to = round % 2 == 0 ? big : small;
    if (engine_->SlabsReassign(from, to) != ReassignOutcome::kOk) continue;
    for (int i = 0; i < 100000 && engine_->RebalanceStep(); ++i) std::this_thread::yield();
    ++moves;
  }
  stop.store(true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GE(moves, 20);
  EXPECT_EQ(General("slabs_moved"), absl::StrCat(moves));
  EXPECT_GT(ops.load(), 0u);
  for (int i = 0; i < kKeys; ++i) {
    const std::string k = absl::StrCat("key", i);
    const std::string v = Get(k);
    if (v != "<miss>") {
      EXPECT_EQ(v, ValueFor(k, 100));
    }
  }
}

// ---- the automove decision ---------------------------------------------------

std::vector<SlabClassSample> Samples(uint64_t old_age, uint64_t young_age, uint64_t evicted) {
  std::vector<SlabClassSample> s(4);
  s[1] = {0, 0, old_age, 50, 10, 5461};      // many pages, old tail, not evicting
  s[2] = {evicted, 0, young_age, 3, 0, 655};  // evicting, young tail
  s[3] = {0, 0, 0, 1, 0, 100};
  return s;
}

TEST(SlabAutomoveTest, MovesFromTheOldestToTheYoungestEvictingClassOnceTheWindowFilled) {
  SlabAutomove a(/*window=*/5, /*ratio=*/0.8);
  uint64_t evicted = 0;
  a.Run(Samples(1000, 10, evicted), true);  // baseline
  for (int i = 0; i < 5; ++i) {
    evicted += 100;
    const SlabAutomove::Move m = a.Run(Samples(1000, 10, evicted), true);
    EXPECT_EQ(m.src, -1) << "window not filled yet, run " << i;
  }
  evicted += 100;
  const SlabAutomove::Move m = a.Run(Samples(1000, 10, evicted), true);
  EXPECT_EQ(m.src, 1);
  EXPECT_EQ(m.dst, 2);
  // Not evicting in this very sample: no move.
  EXPECT_EQ(a.Run(Samples(1000, 10, evicted), true).src, -1);
}

TEST(SlabAutomoveTest, AgesWithinTheRatioMoveNothing) {
  SlabAutomove a(5, 0.8);
  uint64_t evicted = 0;
  for (int i = 0; i < 12; ++i) {
    evicted += 100;
    EXPECT_EQ(a.Run(Samples(100, 90, evicted), true).src, -1);
  }
}

TEST(SlabAutomoveTest, AQuietClassWithFreePagesGivesOneToThePoolOnlyAtTheLimit) {
  SlabAutomove a(3, 0.8);
  std::vector<SlabClassSample> s(3);
  s[1] = {0, 0, 50, 10, 5461 * 3, 5461};  // three free pages, quiet
  s[2] = {0, 0, 5, 2, 0, 655};
  a.Run(s, false);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.Run(s, false).src, -1);  // -m not all malloced
  const SlabAutomove::Move m = a.Run(s, true);
  EXPECT_EQ(m.src, 1);
  EXPECT_EQ(m.dst, 0);
}

}  // namespace
}  // namespace tandem::server::storage
