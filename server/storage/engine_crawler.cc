// The background crawler: memcached's LRU crawler and LRU maintainer in one
// bounded step, CrawlStep, which the server calls from its event loop every
// 100 ms (server.cc, kCrawlBudget) and `lru_crawler crawl` calls once with
// a budget of SIZE_MAX (executor_stats.cc).
//
// Pacing. There is no crawler thread: each step does a bounded amount of
// work and returns, and the cursor (segment, bucket) lives in the engine
// between steps, under crawl_mu_, so the walk resumes where it stopped and
// laps the whole table over successive ticks. A step stops after reclaiming
// `budget` items or looking at 16 x budget + 64, whichever comes first, and
// after one lap of the table at most. It holds one segment lock at a time
// and, within a bucket, collects up to 16 dead items before unlinking them,
// so the chain walk itself stays read-only; a bucket with more dead items is
// visited again before the cursor moves on. Expired and flushed items are
// reclaimed; live ones are left alone (eviction is the allocator's job).
//
// Each step also does the LRU maintainer's share, first: it pulls dead
// (expired or flushed) items off the tails of every class's HOT, WARM and
// COLD lists, as memcached's maintainer does in lru_pull_tail, counting
// them as `reclaimed` (their memory goes back for new items; the crawler's
// own finds count as crawler_reclaimed); then, with the segmented LRU, it
// moves up to kMaintainerSteps items per class from the HOT and WARM tails
// toward COLD, so an idle server still ages its items.
#include <array>
#include <cstddef>

#include "absl/synchronization/mutex.h"
#include "server/storage/engine_impl.h"
#include "server/storage/expiry.h"
#include "server/storage/hash_table.h"
#include "server/storage/item.h"
#include "server/storage/lru.h"

namespace tandem::server::storage {

// Pulls dead items off the LRU tails, then walks the hash table a few
// buckets at a time (segment by segment, one segment lock at a time) and
// reclaims expired or flushed items. The budget bounds both reclaimed items
// (tails and walk together) and, at 16x, items looked at, so one call never
// holds a lock for long.
// Dead items at the tail of one list of class `id` (memcached looks at five
// tail items per pull, and keeps going while it finds dead ones). The LRU
// lock ranks below the segment locks, so victims' segments are TryLocked.
size_t Engine::Impl::ReclaimTail(int id, LruId list, RelTime now, size_t budget) {
  constexpr int kTailTries = 5;
  Lru::Class& lc = lru_.cls(id);
  absl::MutexLock lock(&lc.mu());
  size_t reclaimed = 0;
  Item* search = lc.tail(list);
  for (int tries = 0; search != nullptr && tries < kTailTries && reclaimed < budget; ++tries) {
    Item* prev = search->prev;
    const uint32_t hash = HashTable::Hash(layout_.key_view(search));
    HashTable::Segment& seg = table_.SegmentFor(hash);
    if (!seg.mu().TryLock()) {
      search = prev;
      continue;
    }
    if (!Dead(search, now)) {  // exptime is the segment lock's (touch writes it)
      seg.mu().Unlock();
      search = prev;
      continue;
    }
    Lru::Counters& c = lc.counters();
    ++c.reclaimed;
    if (!search->has(Item::kFetched)) ++c.expired_unfetched;
    DropFromTailLocked(seg, lc, search, hash);
    seg.mu().Unlock();
    ++reclaimed;
    --tries;  // a dead item does not use up a try: keep going while they come
    search = prev;
  }
  return reclaimed;
}

size_t Engine::Impl::CrawlStep(size_t budget) {
  absl::MutexLock crawl(&crawl_mu_);
  const RelTime now = clock_->Now();
  // The tails first (counted as `reclaimed`, as memcached's maintainer
  // would have got them), within the same budget as the walk below.
  size_t reclaimed = 0;
  for (int id = 1; id <= classes_.count() && reclaimed < budget; ++id) {
    for (LruId list : {LruId::kHot, LruId::kWarm, LruId::kCold}) {
      reclaimed += ReclaimTail(id, list, now, budget - reclaimed);
    }
  }
  size_t checked = 0;
  // Saturating: `lru_crawler crawl` passes SIZE_MAX, where 16 x budget + 64
  // would wrap around to 48 and the "whole table" pass would look at 48 items.
  const size_t max_checked =
      budget > (SIZE_MAX - 64) / 16 ? SIZE_MAX : budget * 16 + 64;
  size_t segments_visited = 0;
  while (reclaimed < budget && checked < max_checked &&
         segments_visited <= HashTable::kSegments) {
    HashTable::Segment& seg = table_.segment(crawl_segment_);
    bool segment_done = false;
    {
      absl::MutexLock lock(&seg.mu());
      while (reclaimed < budget && checked < max_checked) {
        // Collect first, unlink after: the walk itself stays read-only.
        std::array<Item*, 16> dead;
        size_t ndead = 0;
        bool overflow = false;
        const bool ok = seg.ForEachInBucketLocked(crawl_bucket_, [&](Item* it) {
          ++checked;
          if (!Dead(it, now)) return;
          if (ndead < dead.size() && reclaimed + ndead < budget) {
            dead[ndead++] = it;
          } else {
            overflow = true;
          }
        });
        for (size_t i = 0; i < ndead; ++i) {
          Item* it = dead[i];
          {
            Lru::Class& lc = lru_.cls(LruClass(it));
            absl::MutexLock l(&lc.mu());
            ++lc.counters().crawler_reclaimed;
            if (Expiry::IsExpired(it, now) && !it->has(Item::kFetched)) {
              ++lc.counters().expired_unfetched;
            }
          }
          const uint32_t hash = HashTable::Hash(layout_.key_view(it));
          ForgetLocked(seg, hash, layout_.version(it));  // version_floor.h
          UnlinkLocked(seg, it, hash);
        }
        reclaimed += ndead;
        if (!ok) {
          segment_done = true;
          break;
        }
        if (!overflow) ++crawl_bucket_;  // else revisit: more dead items wait here
      }
    }
    if (segment_done) {
      crawl_bucket_ = 0;
      crawl_segment_ = (crawl_segment_ + 1) % HashTable::kSegments;
      ++segments_visited;
    }
  }
  crawler_items_checked_.fetch_add(checked, std::memory_order_relaxed);
  if (segmented()) {
    // The LRU maintainer's share of the tick: age HOT/WARM tails into COLD.
    const Lru::Tuning tune = tuning();
    for (int id = 1; id <= classes_.count(); ++id) {
      Lru::Class& lc = lru_.cls(id);
      absl::MutexLock lock(&lc.mu());
      if (lc.total() != 0) lc.JuggleLocked(kMaintainerSteps, now, tune);
    }
  }
  return reclaimed;
}

// ===========================================================================
// Engine: the public face forwards to Impl.
// ===========================================================================

size_t Engine::CrawlStep(size_t budget) { return impl_->CrawlStep(budget); }

}  // namespace tandem::server::storage
