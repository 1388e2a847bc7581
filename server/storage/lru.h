// Lru: per-slab-class segmented LRU (HOT / WARM / COLD), after memcached's
// doc/new_lru.txt. New items enter HOT; reads never take the LRU lock, they
// only set the item's ACTIVE bit (item.h). Items are re-ordered only when
// they reach a list's tail:
//   HOT tail:  active -> WARM; else -> COLD once HOT holds > 20% of the
//              class's items or the item is older than 0.2 x COLD's age
//   WARM tail: active -> WARM head; else -> COLD once WARM holds > 40% or
//              the item is older than 2 x COLD's age
//   COLD tail: active -> WARM (second chance); else evict (engine_alloc.cc)
// memcached runs this juggling in its LRU maintainer thread; here one step
// runs inline on every link and the engine's CrawlStep (the server's
// background tick) runs more, so ages move items on an idle server too.
// With -o no_modern everything lives in COLD (one list with second chance).
//
// Locking: each class has its own mutex guarding its lists, the items'
// prev/next/lru fields and the counters below. It nests inside a segment
// lock (hash_table.h) and outside the slab lock; code holding it may only
// TryLock a segment.
#ifndef TANDEM_SERVER_STORAGE_LRU_H_
#define TANDEM_SERVER_STORAGE_LRU_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/item.h"

namespace tandem::server::storage {

// memcached's hot_lru_pct, warm_lru_pct, hot_max_factor and
// warm_max_factor (-o, `lru tune`), with its defaults.
struct LruTuning {
  int hot_pct = 20;
  int warm_pct = 40;
  double hot_max_factor = 0.2;
  double warm_max_factor = 2.0;
};

class Lru {
 public:
  using Tuning = LruTuning;

  // Counters reported by `stats items` (memcached's itemstats_t names).
  struct Counters {
    uint64_t evicted = 0;
    uint64_t evicted_nonzero = 0;
    uint64_t evicted_time = 0;
    uint64_t outofmemory = 0;
    uint64_t reclaimed = 0;
    uint64_t expired_unfetched = 0;
    uint64_t evicted_unfetched = 0;
    uint64_t evicted_active = 0;
    uint64_t crawler_reclaimed = 0;
    uint64_t crawler_items_checked = 0;
    uint64_t moves_to_cold = 0;
    uint64_t moves_to_warm = 0;
    uint64_t moves_within_lru = 0;
    uint64_t direct_reclaims = 0;
    uint64_t mem_requested = 0;  // memcached-equivalent item bytes
  };

  class Class {
   public:
    absl::Mutex& mu() ABSL_LOCK_RETURNED(mu_) { return mu_; }

    // Inserts at the head of HOT (or COLD when not segmented).
    void LinkLocked(Item* it, bool segmented, RelTime now, const Tuning& tuning = Tuning{})
        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
    void UnlinkLocked(Item* it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
    void MoveLocked(Item* it, LruId to) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
    // Warm restart: puts `it` at the head of list `id` as it stood (no
    // juggling), so replaying a saved list from its tail rebuilds its order.
    void RestoreLocked(Item* it, LruId id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      PushHeadLocked(it, id);
    }
    // `copy` (a byte copy of `it`, links included) takes its place in its
    // list: the slab rebalancer's rescue of an item into another chunk.
    void ReplaceLocked(Item* it, Item* copy) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
    // Up to `steps` HOT/WARM tail moves per the rules above; returns moves.
    int JuggleLocked(int steps, RelTime now, const Tuning& tuning = Tuning{})
        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
    // Moves one item from the HOT (else WARM) tail to COLD regardless of
    // limits, so the evictor has something to look at. False if both empty.
    bool ForceToColdLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

    Item* head(LruId id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return head_[static_cast<int>(id)];
    }
    Item* tail(LruId id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return tail_[static_cast<int>(id)];
    }
    size_t count(LruId id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return count_[static_cast<int>(id)];
    }
    size_t total() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return count_[0] + count_[1] + count_[2];
    }
    Counters& counters() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return counters_; }

   private:
    void PushHeadLocked(Item* it, LruId id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

    absl::Mutex mu_;
    Item* head_[3] ABSL_GUARDED_BY(mu_) = {nullptr, nullptr, nullptr};
    Item* tail_[3] ABSL_GUARDED_BY(mu_) = {nullptr, nullptr, nullptr};
    size_t count_[3] ABSL_GUARDED_BY(mu_) = {0, 0, 0};
    Counters counters_ ABSL_GUARDED_BY(mu_);
  };

  explicit Lru(int classes) : classes_(new Class[static_cast<size_t>(classes) + 1]) {}
  Class& cls(int id) { return classes_[static_cast<size_t>(id)]; }

 private:
  std::unique_ptr<Class[]> classes_;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_LRU_H_
