// `lru_crawler metadump`: every live item's metadata, as memcached's
// crawler reports it (key, expiry, last access, CAS, fetched, class, size).
//
// memcached walks each class's LRU from a background thread; here the walk
// is over the hash table, one segment under its lock at a time, so a dump
// never holds more than one segment lock and a class filter is a test per
// item. Expired and flushed items are skipped, as memcached skips them.
#include <cstddef>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/storage/engine_impl.h"
#include "server/storage/hash_table.h"
#include "server/storage/item.h"

namespace tandem::server::storage {

void Engine::Impl::MetaDump(const std::vector<bool>& classes,
                            absl::FunctionRef<void(const Engine::DumpEntry&)> fn) {
  const RelTime now = clock_->Now();
  const int64_t started = clock_->ProcessStarted();
  for (size_t s = 0; s < HashTable::kSegments; ++s) {
    HashTable::Segment& seg = table_.segment(s);
    absl::MutexLock lock(&seg.mu());
    for (size_t bucket = 0;; ++bucket) {
      const bool more = seg.ForEachInBucketLocked(bucket, [&](Item* it) {
        if (Dead(it, now)) return;
        const int cls = LruClass(it);
        if (!classes.empty() && (static_cast<size_t>(cls) >= classes.size() || !classes[cls])) return;
        Engine::DumpEntry e;
        e.key = layout_.key_view(it);
        e.expires_at = expiry_.ToUnix(it->exptime);
        e.last_access = started + static_cast<int64_t>(it->time.load(std::memory_order_relaxed));
        e.cas = layout_.cas(it);
        e.fetched = it->has(Item::kFetched);
        e.class_id = cls;
        e.total_size = MemcachedSizes::Total(it->nkey, it->nbytes, it->flags, layout_.use_cas());
        fn(e);
      });
      if (!more) break;
    }
  }
}

int Engine::ClassForItem(size_t key_size, size_t value_size, uint32_t flags) const {
  return impl_->ClassForItem(key_size, value_size, flags);
}

void Engine::SetEvictionListener(EvictionListener* listener) { impl_->SetEvictionListener(listener); }

void Engine::MetaDump(const std::vector<bool>& classes, absl::FunctionRef<void(const DumpEntry&)> fn) {
  impl_->MetaDump(classes, fn);
}

}  // namespace tandem::server::storage
