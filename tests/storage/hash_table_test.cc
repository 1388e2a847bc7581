// Tests for HashTable: lookup by key, growth while items are present
// (incremental, never losing an item), removal, and concurrent access from
// several threads on separate and shared segments.
#include "server/storage/hash_table.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace tandem::server::storage {
namespace {

// Items for the table, built in plain heap memory.
class Items {
 public:
  Items() : layout_(true) {}
  Item* Make(const std::string& key) {
    auto mem = std::make_unique<char[]>(layout_.InlineSize(key.size(), 0));
    Item* it = new (mem.get()) Item{};
    it->nkey = static_cast<uint8_t>(key.size());
    std::memcpy(layout_.key(it), key.data(), key.size());
    storage_.push_back(std::move(mem));
    return it;
  }
  const ItemLayout& layout() const { return layout_; }

 private:
  ItemLayout layout_;
  std::vector<std::unique_ptr<char[]>> storage_;
};

Item* Find(HashTable& t, const std::string& key, const ItemLayout& layout) {
  const uint32_t h = HashTable::Hash(key);
  HashTable::Segment& seg = t.SegmentFor(h);
  absl::MutexLock lock(&seg.mu());
  return seg.FindLocked(h, key, layout);
}

const ItemLayout kLayout(true);

void Insert(HashTable& t, Item* it) {
  const uint32_t h = HashTable::Hash(kLayout.key_view(it));
  HashTable::Segment& seg = t.SegmentFor(h);
  absl::MutexLock lock(&seg.mu());
  seg.InsertLocked(it, h, kLayout);
}

void Remove(HashTable& t, Item* it) {
  const uint32_t h = HashTable::Hash(kLayout.key_view(it));
  HashTable::Segment& seg = t.SegmentFor(h);
  absl::MutexLock lock(&seg.mu());
  seg.RemoveLocked(it, h);
}

TEST(HashTableTest, InsertFindRemove) {
  HashTable t(12);
  Items items;
  Item* a = items.Make("alpha");
  Item* b = items.Make("beta");
  Insert(t, a);
  Insert(t, b);
  EXPECT_EQ(Find(t, "alpha", items.layout()), a);
  EXPECT_EQ(Find(t, "beta", items.layout()), b);
  EXPECT_EQ(Find(t, "gamma", items.layout()), nullptr);
  Remove(t, a);
  EXPECT_EQ(Find(t, "alpha", items.layout()), nullptr);
  EXPECT_EQ(Find(t, "beta", items.layout()), b);
}

TEST(HashTableTest, InitialSizeFollowsHashpower) {
  HashTable t(16);
  EXPECT_EQ(t.TotalBuckets(), size_t{1} << 16);
  HashTable small(4);  // clamped to at least 2 buckets per segment
  EXPECT_EQ(small.TotalBuckets(), 2 * HashTable::kSegments);
}

TEST(HashTableTest, GrowsIncrementallyWithoutLosingItems) {
  HashTable t(10);
  Items items;
  std::vector<Item*> all;
  const int n = 200000;
  bool saw_expanding = false;
  for (int i = 0; i < n; ++i) {
    Item* it = items.Make("key-" + std::to_string(i));
    Insert(t, it);
    all.push_back(it);
    if (i % 997 == 0) {
      saw_expanding |= t.AnyExpanding();
      // Everything inserted so far is findable mid-expansion.
      for (int j = 0; j <= i; j += 211) {
        ASSERT_EQ(Find(t, "key-" + std::to_string(j), items.layout()), all[j]) << j;
      }
    }
  }
  EXPECT_TRUE(saw_expanding);
  EXPECT_GE(t.TotalBuckets(), static_cast<size_t>(n) / 2);
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(Find(t, "key-" + std::to_string(i), items.layout()), all[i]) << i;
  }
  for (int i = 0; i < n; i += 2) Remove(t, all[i]);
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(Find(t, "key-" + std::to_string(i), items.layout()), i % 2 ? all[i] : nullptr);
  }
}

TEST(HashTableTest, ForEachVisitsEveryItemOnce) {
  HashTable t(8);
  Items items;
  const int n = 5000;
  for (int i = 0; i < n; ++i) Insert(t, items.Make("k" + std::to_string(i)));
  size_t seen = 0;
  for (size_t s = 0; s < HashTable::kSegments; ++s) {
    HashTable::Segment& seg = t.segment(s);
    absl::MutexLock lock(&seg.mu());
    for (size_t b = 0; seg.ForEachInBucketLocked(b, [&](Item*) { ++seen; }); ++b) {
    }
  }
  EXPECT_EQ(seen, static_cast<size_t>(n));
}

TEST(HashTableTest, ConcurrentInsertFindRemove) {
  HashTable t(8);  // small, so every thread drives growth
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<Items> items(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      std::vector<Item*> mine;
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "t" + std::to_string(th) + ":" + std::to_string(i);
        Item* it = items[th].Make(key);
        Insert(t, it);
        mine.push_back(it);
        if (Find(t, key, items[th].layout()) != it) ++errors;
      }
      for (int i = 0; i < kPerThread; i += 3) Remove(t, mine[i]);
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "t" + std::to_string(th) + ":" + std::to_string(i);
        Item* want = i % 3 == 0 ? nullptr : mine[i];
        if (Find(t, key, items[th].layout()) != want) ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
}

TEST(HashTableTest, HashSpreadsOverSegments) {
  std::vector<int> per(HashTable::kSegments, 0);
  for (int i = 0; i < 256000; ++i) {
    ++per[HashTable::Hash("user:" + std::to_string(i)) >> (32 - HashTable::kSegmentBits)];
  }
  for (int c : per) {
    EXPECT_GT(c, 700);
    EXPECT_LT(c, 1300);
  }
}

}  // namespace
}  // namespace tandem::server::storage

namespace tandem::server::storage {
namespace {

// A warm restart reserves buckets up front: an empty segment grows at once
// (no incremental expansion follows), a non-empty one is left alone, and
// every item inserted afterwards is found.
TEST(HashTableTest, ReserveSizesAnEmptySegmentOnce) {
  HashTable t(9);  // 2 buckets per segment
  HashTable::Segment& seg = t.segment(0);
  {
    absl::MutexLock lock(&seg.mu());
    ASSERT_EQ(seg.buckets(), 2u);
    seg.ReserveLocked(1000);
    EXPECT_EQ(seg.buckets(), 1024u);
    EXPECT_FALSE(seg.expanding());
  }
  Items items;
  std::vector<Item*> in_seg0;
  for (int i = 0; in_seg0.size() < 1000 && i < 1000000; ++i) {
    const std::string key = "k" + std::to_string(i);
    if ((HashTable::Hash(key) >> (32 - HashTable::kSegmentBits)) != 0) continue;
    in_seg0.push_back(items.Make(key));
    Insert(t, in_seg0.back());
  }
  ASSERT_EQ(in_seg0.size(), 1000u);
  {
    absl::MutexLock lock(&seg.mu());
    EXPECT_EQ(seg.buckets(), 1024u);  // load below 1.5: no growth was needed
    seg.ReserveLocked(100000);        // not empty: unchanged
    EXPECT_EQ(seg.buckets(), 1024u);
  }
  for (Item* it : in_seg0) EXPECT_EQ(Find(t, std::string(kLayout.key_view(it)), kLayout), it);
}

}  // namespace
}  // namespace tandem::server::storage
