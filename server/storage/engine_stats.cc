// The engine's side of the `stats` family (general, slabs, items, sizes,
// reset) and `stats cachedump`, with memcached's field names.
//
// Three kinds of counter feed them. Per-class operation counts (cmd_set,
// get hits by LRU, cas/incr/decr/touch/delete hits) are relaxed atomics in
// kOpShards cache-line-aligned shards chosen by the key's hash, so gets on
// one class from many threads do not fight over one line; a read sums the
// shards. LRU and eviction counters live in each class's Lru::Counters and
// are read under that class's lock. Totals (curr_items, bytes,
// total_items) are single relaxed atomics. Stats take one lock at a time
// and read without stopping the world, so fields may be mutually a few
// operations apart, as in memcached.
//
// The sizes histogram (memcached's item_stats_sizes_*) is off by default:
// linking checks an atomic flag before taking its leaf lock. Items stored
// before it was enabled are never counted, in either direction: SizesAdd
// skips any item whose CAS is below the CAS current at enabling.
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/engine_impl.h"
#include "server/storage/item.h"
#include "server/storage/lru.h"
#include "server/storage/slab_allocator.h"

namespace tandem::server::storage {

// ===========================================================================
// Stats
// ===========================================================================

void Engine::Impl::GeneralStats(StatList* out) {
  auto add = [out](const char* name, uint64_t v) { out->emplace_back(name, absl::StrCat(v)); };
  Lru::Counters sum;
  for (int id = 1; id <= classes_.count(); ++id) {
    Lru::Class& lc = lru_.cls(id);
    absl::MutexLock lock(&lc.mu());
    const Lru::Counters& c = lc.counters();
    sum.evicted += c.evicted;
    sum.reclaimed += c.reclaimed;
    sum.expired_unfetched += c.expired_unfetched;
    sum.evicted_unfetched += c.evicted_unfetched;
    sum.evicted_active += c.evicted_active;
    sum.crawler_reclaimed += c.crawler_reclaimed;
    sum.crawler_items_checked += c.crawler_items_checked;
    sum.moves_to_cold += c.moves_to_cold;
    sum.moves_to_warm += c.moves_to_warm;
    sum.moves_within_lru += c.moves_within_lru;
    sum.direct_reclaims += c.direct_reclaims;
  }
  const size_t buckets = table_.TotalBuckets();
  int power = 0;
  while ((size_t{1} << (power + 1)) <= buckets) ++power;
  add("get_expired", Sum(0, kGetExpired));
  add("get_flushed", Sum(0, kGetFlushed));
  add("limit_maxbytes", slabs_.limit());
  add("hash_power_level", static_cast<uint64_t>(power));
  add("hash_bytes", buckets * sizeof(Item*));
  add("hash_is_expanding", table_.AnyExpanding() ? 1 : 0);
  add("malloc_fails", slabs_.malloc_fails());
  add("bytes", bytes_.load(std::memory_order_relaxed));
  add("curr_items", curr_items_.load(std::memory_order_relaxed));
  add("total_items", total_items_.load(std::memory_order_relaxed));
  add("expired_unfetched", sum.expired_unfetched);
  add("evicted_unfetched", sum.evicted_unfetched);
  add("evicted_active", sum.evicted_active);
  add("evictions", sum.evicted);
  add("reclaimed", sum.reclaimed);
  add("crawler_reclaimed", sum.crawler_reclaimed);
  add("crawler_items_checked", crawler_items_checked_.load(std::memory_order_relaxed));
  add("lrutail_reflocked", lrutail_reflocked_.load(std::memory_order_relaxed));
  add("moves_to_cold", sum.moves_to_cold);
  add("moves_to_warm", sum.moves_to_warm);
  add("moves_within_lru", sum.moves_within_lru);
  add("direct_reclaims", sum.direct_reclaims);
  // Slab page moves (engine_rebalance.cc); chain chunks are never rescued.
  add("slab_reassign_rescues", reassign_rescues_.load(std::memory_order_relaxed));
  add("slab_reassign_chunk_rescues", 0);
  add("slab_reassign_evictions_nomem", reassign_evictions_nomem_.load(std::memory_order_relaxed));
  add("slab_reassign_inline_reclaim", 0);
  add("slab_reassign_busy_items", reassign_busy_items_.load(std::memory_order_relaxed));
  add("slab_reassign_busy_deletes", 0);
  add("slab_reassign_running", reassign_running_.load(std::memory_order_relaxed) ? 1 : 0);
  add("slabs_moved", slabs_moved_.load(std::memory_order_relaxed));
  add("slab_global_page_pool", slabs_.pool_pages());
}

void Engine::Impl::SizesAdd(const Item* it, int delta) {
  absl::MutexLock lock(&sizes_mu_);
  if (sizes_hist_ == nullptr || layout_.cas(it) < sizes_cas_min_) return;
  const size_t ntotal = MemcachedTotal(it->nkey, it->nbytes, it->flags, opts_.use_cas);
  const size_t bucket = (ntotal + 31) / 32;
  if (bucket < sizes_buckets_) sizes_hist_[bucket] += static_cast<uint32_t>(delta);
}

void Engine::Impl::SizesStats(StatList* out) {
  absl::MutexLock lock(&sizes_mu_);
  if (sizes_hist_ == nullptr) {
    out->emplace_back("sizes_status", "disabled");
    return;
  }
  for (size_t i = 0; i < sizes_buckets_; ++i) {
    if (sizes_hist_[i] != 0) out->emplace_back(absl::StrCat(i * 32), absl::StrCat(sizes_hist_[i]));
  }
}

void Engine::Impl::EnableSizes(StatList* out) {
  absl::MutexLock lock(&sizes_mu_);
  if (!opts_.use_cas) {
    out->emplace_back("sizes_status", "error");
    out->emplace_back("sizes_error", "cas_support_disabled");
    return;
  }
  if (sizes_hist_ == nullptr) {
    sizes_buckets_ = opts_.item_size_max / 32 + 1;
    sizes_hist_ = std::make_unique<uint32_t[]>(sizes_buckets_);
    // Items with a smaller CAS were stored before: never counted.
    sizes_cas_min_ = NextCas();
    sizes_on_.store(true, std::memory_order_relaxed);
  }
  out->emplace_back("sizes_status", "enabled");
}

void Engine::Impl::DisableSizes(StatList* out) {
  absl::MutexLock lock(&sizes_mu_);
  sizes_on_.store(false, std::memory_order_relaxed);
  sizes_hist_.reset();
  sizes_buckets_ = 0;
  out->emplace_back("sizes_status", "disabled");
}

void Engine::Impl::ResetStats() {
  for (size_t sh = 0; sh < kOpShards; ++sh) {
    for (auto& cls : shards_[sh].v) {
      for (auto& c : cls) c.store(0, std::memory_order_relaxed);
    }
  }
  for (int id = 1; id <= classes_.count(); ++id) {
    Lru::Class& lc = lru_.cls(id);
    absl::MutexLock lock(&lc.mu());
    const uint64_t mem_requested = lc.counters().mem_requested;
    lc.counters() = Lru::Counters{};
    lc.counters().mem_requested = mem_requested;
  }
  total_items_.store(0, std::memory_order_relaxed);
  lrutail_reflocked_.store(0, std::memory_order_relaxed);
  crawler_items_checked_.store(0, std::memory_order_relaxed);
}

void Engine::Impl::SlabsStats(StatList* out) {
  int active = 0;
  for (int id = 1; id <= classes_.count(); ++id) {
    const SlabAllocator::ClassStats s = slabs_.Stats(id);
    if (s.total_pages == 0) continue;
    ++active;
    auto add = [out, id](const char* name, uint64_t v) {
      out->emplace_back(absl::StrCat(id, ":", name), absl::StrCat(v));
    };
    add("chunk_size", s.chunk_size);
    add("chunks_per_page", s.chunks_per_page);
    add("total_pages", s.total_pages);
    add("total_chunks", s.total_chunks);
    add("used_chunks", s.used_chunks);
    add("free_chunks", s.free_chunks);
    add("free_chunks_end", 0);
    add("get_hits", Sum(id, kHitsToHot) + Sum(id, kHitsToWarm) + Sum(id, kHitsToCold));
    add("cmd_set", Sum(id, kCmdSet));
    add("delete_hits", Sum(id, kDeleteHits));
    add("incr_hits", Sum(id, kIncrHits));
    add("decr_hits", Sum(id, kDecrHits));
    add("cas_hits", Sum(id, kCasHits));
    add("cas_badval", Sum(id, kCasBadval));
    add("touch_hits", Sum(id, kTouchHits));
  }
  out->emplace_back("active_slabs", absl::StrCat(active));
  out->emplace_back("total_malloced", absl::StrCat(slabs_.total_malloced()));
}

void Engine::Impl::ItemsStats(StatList* out) {
  const RelTime now = clock_->Now();
  for (int id = 1; id <= classes_.count(); ++id) {
    Lru::Class& lc = lru_.cls(id);
    size_t n[3];
    RelTime age[3];
    Lru::Counters c;
    {
      absl::MutexLock lock(&lc.mu());
      for (int l = 0; l < 3; ++l) {
        n[l] = lc.count(static_cast<LruId>(l));
        const Item* t = lc.tail(static_cast<LruId>(l));
        const RelTime tt = t != nullptr ? t->time.load(std::memory_order_relaxed) : now;
        age[l] = now > tt ? now - tt : 0;
      }
      c = lc.counters();
    }
    if (n[0] + n[1] + n[2] == 0) continue;
    auto add = [out, id](const char* name, uint64_t v) {
      out->emplace_back(absl::StrCat("items:", id, ":", name), absl::StrCat(v));
    };
    add("number", n[0] + n[1] + n[2]);
    if (segmented()) {
      add("number_hot", n[0]);
      add("number_warm", n[1]);
      add("number_cold", n[2]);
      add("age_hot", age[0]);
      add("age_warm", age[1]);
    }
    add("age", age[2]);
    add("mem_requested", c.mem_requested);
    add("evicted", c.evicted);
    add("evicted_nonzero", c.evicted_nonzero);
    add("evicted_time", c.evicted_time);
    add("outofmemory", c.outofmemory);
    add("tailrepairs", 0);
    add("reclaimed", c.reclaimed);
    add("expired_unfetched", c.expired_unfetched);
    add("evicted_unfetched", c.evicted_unfetched);
    add("evicted_active", c.evicted_active);
    add("crawler_reclaimed", c.crawler_reclaimed);
    add("crawler_items_checked", c.crawler_items_checked);
    add("lrutail_reflocked", 0);
    add("moves_to_cold", c.moves_to_cold);
    add("moves_to_warm", c.moves_to_warm);
    add("moves_within_lru", c.moves_within_lru);
    add("direct_reclaims", c.direct_reclaims);
    add("hits_to_hot", Sum(id, kHitsToHot));
    add("hits_to_warm", Sum(id, kHitsToWarm));
    add("hits_to_cold", Sum(id, kHitsToCold));
    add("hits_to_temp", 0);
  }
}

bool Engine::Impl::CacheDump(int class_id, unsigned limit,
                             absl::FunctionRef<void(std::string_view, size_t, int64_t)> fn) {
  if (class_id < 1 || class_id > classes_.count()) return false;
  Lru::Class& lc = lru_.cls(class_id);
  absl::MutexLock lock(&lc.mu());
  // Keys and sizes of linked items do not change while they are in this
  // list (the LRU lock keeps them linked); exptime is read racily, as
  // memcached does.
  unsigned n = 0;
  for (const Item* it = lc.head(LruId::kCold); it != nullptr && (limit == 0 || n < limit);
       it = it->next, ++n) {
    fn(layout_.key_view(it), it->nbytes, expiry_.ToUnix(it->exptime));
  }
  return true;
}

// ===========================================================================
// Engine: the public face forwards to Impl.
// ===========================================================================

void Engine::GeneralStats(StatList* out) const { impl_->GeneralStats(out); }
int Engine::SizeClassCount() const { return impl_->SizeClassCount(); }
void Engine::ResetStats() { impl_->ResetStats(); }
bool Engine::CacheDump(int class_id, unsigned limit,
                       absl::FunctionRef<void(std::string_view key, size_t value_size,
                                              int64_t expires_at)> fn) {
  return impl_->CacheDump(class_id, limit, fn);
}
void Engine::SlabsStats(StatList* out) const { impl_->SlabsStats(out); }
void Engine::ItemsStats(StatList* out) const { impl_->ItemsStats(out); }
void Engine::SizesStats(StatList* out) const { impl_->SizesStats(out); }
void Engine::EnableSizes(StatList* out) { impl_->EnableSizes(out); }
void Engine::DisableSizes(StatList* out) { impl_->DisableSizes(out); }

}  // namespace tandem::server::storage
