// HashTable: key -> Item, with intrusive chains (Item::h_next), striped
// locks and incremental growth. Hand-written because the lookup IS the get
// path: one hash, one segment lock, a short chain walk, no allocation.
//
// The table is 256 independent segments, chosen by the top 8 bits of the
// item's 32-bit hash. Each segment has its own mutex (the engine's "item
// lock": it guards the chains and every item linked into them) and its own
// power-of-two bucket array indexed by the low bits. When a segment's load
// passes 1.5 it allocates a table twice as large and moves a few buckets on
// each later insert (memcached's expand_bucket rule: buckets below the
// cursor live in the new table), so growth never pauses the whole cache and
// a lookup always reads exactly one chain.
//
// Hashing: absl::Hash (a wyhash-style mix, seeded per process) is fast on
// short keys, already linked through absl::flat_hash_map, and its per-process
// seed makes bucket-collision attacks from clients hard. It is folded to 32
// bits: the top 8 pick the segment, the low bits the bucket (2^32 buckets in
// all). The hash is not stored in the item (that would cost 4 bytes per item
// and the item header is held to memcached's size); growth and eviction
// rehash the key instead, which is cheap next to the memory it saves.
#ifndef TANDEM_SERVER_STORAGE_HASH_TABLE_H_
#define TANDEM_SERVER_STORAGE_HASH_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/item.h"

namespace tandem::server::storage {

class HashTable {
 public:
  static constexpr int kSegmentBits = 8;
  static constexpr size_t kSegments = size_t{1} << kSegmentBits;

  static uint32_t Hash(std::string_view key);

  class alignas(64) Segment {
   public:
    Segment() = default;
    ~Segment();
    Segment(const Segment&) = delete;
    Segment& operator=(const Segment&) = delete;

    absl::Mutex& mu() ABSL_LOCK_RETURNED(mu_) { return mu_; }

    void InitLocked(int power) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
    // An empty segment about to receive about `items` at once (a warm
    // restart) starts with enough buckets for them, instead of growing
    // step by step under ever longer chains. No-op unless empty.
    void ReserveLocked(size_t items) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
    Item* FindLocked(uint32_t hash, std::string_view key, const ItemLayout& layout) const
        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
    // hash must be Hash(key of it); layout lets growth rehash moved items.
    void InsertLocked(Item* it, uint32_t hash, const ItemLayout& layout)
        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
    // Removes `it` (which must be linked here under `hash`).
    void RemoveLocked(Item* it, uint32_t hash) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

    // Calls fn(item) for every item in bucket `index` of the current main
    // table (and the matching new-table buckets while expanding). fn may
    // remove the item it is given. Returns false when index is past the end.
    template <typename Fn>
    bool ForEachInBucketLocked(size_t index, Fn&& fn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

    // Batched lookups (multi-get) overlap their cache misses: first every
    // key's bucket slot is prefetched, then the head item of every chain,
    // then the lookups run on warm lines.
    void PrefetchBucketLocked(uint32_t hash) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      __builtin_prefetch(BucketLocked(hash));
    }
    void PrefetchChainLocked(uint32_t hash) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (const Item* head = *BucketLocked(hash)) {
        __builtin_prefetch(head);
        __builtin_prefetch(reinterpret_cast<const char*>(head) + 64);
      }
    }

    // A walk bucket by bucket (a full copy) prefetches the items of a
    // bucket a few ahead: the first `lines` cache lines of its head item
    // (both tables' buckets while expanding), so the walk's misses overlap.
    void PrefetchBucketItemsLocked(size_t index, int lines) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (index >= size()) return;
      if (!expanding() || index >= cursor_) PrefetchItem(table_[index], lines);
      if (expanding()) {
        PrefetchItem(new_[index], lines);
        PrefetchItem(new_[index + size()], lines);
      }
    }

    size_t count() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return count_; }
    size_t buckets() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return expanding() ? new_size() : size();
    }
    bool expanding() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return new_ != nullptr; }

   private:
    static void PrefetchItem(const Item* it, int lines) {
      if (it == nullptr) return;
      for (int i = 0; i < lines; ++i) __builtin_prefetch(reinterpret_cast<const char*>(it) + 64 * i);
    }
    size_t size() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return size_t{1} << power_; }
    size_t new_size() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return size_t{1} << (power_ + 1); }
    Item** BucketLocked(uint32_t hash) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
    void ExpandStepLocked(size_t buckets, const ItemLayout& layout)
        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

    mutable absl::Mutex mu_;
    Item** table_ ABSL_GUARDED_BY(mu_) = nullptr;
    Item** new_ ABSL_GUARDED_BY(mu_) = nullptr;  // non-null while expanding
    size_t cursor_ ABSL_GUARDED_BY(mu_) = 0;     // old buckets < cursor_ moved
    size_t count_ ABSL_GUARDED_BY(mu_) = 0;
    int power_ ABSL_GUARDED_BY(mu_) = 0;
  };

  // hashpower: initial total buckets = 2^hashpower (memcached -o hashpower).
  explicit HashTable(int hashpower);

  Segment& SegmentFor(uint32_t hash) { return segments_[hash >> (32 - kSegmentBits)]; }
  Segment& segment(size_t i) { return segments_[i]; }

  // Totals over all segments (locks each in turn; for stats).
  size_t TotalBuckets() const;
  bool AnyExpanding() const;

 private:
  std::unique_ptr<Segment[]> segments_;
};

// ---------------------------------------------------------------------------
// Template body.

template <typename Fn>
bool HashTable::Segment::ForEachInBucketLocked(size_t index, Fn&& fn) {
  auto walk = [&fn](Item** head) {
    Item* it = *head;
    while (it != nullptr) {
      Item* next = it->h_next;
      fn(it);
      it = next;
    }
  };
  if (index >= size()) return false;
  if (!expanding() || index >= cursor_) walk(&table_[index]);
  if (expanding()) {
    walk(&new_[index]);
    walk(&new_[index + size()]);
  }
  return true;
}

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_HASH_TABLE_H_
