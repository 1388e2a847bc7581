// Item memory: allocating an item (one slab chunk, or a header plus a chain
// of chunks for a large value), freeing it, evicting to make room, and
// reading and writing the value bytes across chunks.
//
// Allocation follows memcached's do_item_alloc_pull. Ask the slab class for
// a chunk; when it has none, pull from the tail of that class's COLD list
// (EvictOne, memcached's lru_pull_tail): an expired or flushed item is
// reclaimed, an ACTIVE one gets a second chance in WARM, anything else is
// evicted (unless -M). The evictor holds the class's LRU lock, which ranks
// below the segment locks, so it only TryLocks a victim's segment and skips
// the victim when the segment is busy, which may be the allocating
// thread's own segment. When being busy was the only reason nothing was
// freed, AllocChunk yields and retries a bounded number of times instead of
// reporting out-of-memory under contention; otherwise it moves an item from
// the HOT (else WARM) tail into COLD and tries again, for ten rounds at most.
//
// A value whose memcached size exceeds the largest class is chunked as
// memcached's do_item_alloc_chunk does: each chunk is sized for the bytes
// still to come, so tandem picks the same slab classes as memcached for the
// same item. The value helpers below hide the chunks from the rest of the
// engine.
#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "server/storage/engine_impl.h"
#include "server/storage/hash_table.h"
#include "server/storage/item.h"
#include "server/storage/lru.h"

namespace tandem::server::storage {

// ===========================================================================
// Allocation and eviction
// ===========================================================================

void* Engine::Impl::AllocChunk(int id) {
  // memcached do_item_alloc_pull: try, evict from COLD, else push HOT->COLD.
  // Victims whose segment is busy are skipped (TryLock); when that was the
  // only reason nothing was freed, retry a bounded number of times rather
  // than report out-of-memory under contention.
  int busy_retries = 0;
  for (int i = 0; i < 10; ++i) {
    if (void* p = slabs_.Alloc(id)) return p;
    bool busy = false;
    if (EvictOne(id, &busy)) continue;
    if (busy && busy_retries++ < 64) {
      --i;
      std::this_thread::yield();
      continue;
    }
    Lru::Class& lc = lru_.cls(id);
    absl::MutexLock lock(&lc.mu());
    if (!lc.ForceToColdLocked() && lc.count(LruId::kCold) == 0) break;
  }
  absl::MutexLock lock(&lru_.cls(id).mu());
  ++lru_.cls(id).counters().outofmemory;
  return nullptr;
}

// One pass over the COLD tail of class `id` (memcached lru_pull_tail with
// LRU_PULL_EVICT): reclaim an expired item, give ACTIVE items a second
// chance in WARM, else evict. Returns true if a chunk was freed.
bool Engine::Impl::EvictOne(int id, bool* busy) {
  Lru::Class& lc = lru_.cls(id);
  const RelTime now = clock_->Now();
  absl::MutexLock lock(&lc.mu());
  // Pass 0 gives ACTIVE items their second chance (moved to WARM with the
  // bit cleared, which memcached's maintainer thread does asynchronously);
  // rescues are cheap and bounded separately. If pass 0 found nothing it
  // could free, pass 1 evicts regardless, as memcached's COLD tail does.
  int rescues = 0;
  for (int pass = 0; pass < 2; ++pass) {
    Item* search = lc.tail(LruId::kCold);
    for (int tries = 0; search != nullptr && tries < 8; ++tries) {
      Item* prev = search->prev;
      const uint32_t hash = HashTable::Hash(layout_.key_view(search));
      HashTable::Segment& seg = table_.SegmentFor(hash);
      if (!seg.mu().TryLock()) {
        *busy = true;
        lrutail_reflocked_.fetch_add(1, std::memory_order_relaxed);
        search = prev;
        continue;
      }
      Lru::Counters& c = lc.counters();
      const bool expired = Expiry::IsExpired(search, now);
      if (expired || Flushed(search, now)) {
        // memcached counts a flushed item never read as expired_unfetched too.
        ++c.reclaimed;
        if (!search->has(Item::kFetched)) ++c.expired_unfetched;
      } else if (pass == 0 && search->has(Item::kActive) && rescues < kMaxRescues) {
        // -o no_modern has one list: a read item goes back to its head,
        // the effect of memcached's bump-on-read there.
        search->clear(Item::kActive);
        if (segmented()) {
          lc.MoveLocked(search, LruId::kWarm);
          ++c.moves_to_warm;
        } else {
          lc.MoveLocked(search, LruId::kCold);
          ++c.moves_within_lru;
        }
        ++rescues;
        --tries;
        seg.mu().Unlock();
        search = prev;
        continue;
      } else if (!opts_.evict_to_free) {
        seg.mu().Unlock();
        return false;
      } else {
        ++c.evicted;
        c.evicted_time = now - search->time.load(std::memory_order_relaxed);
        if (search->exptime != 0) ++c.evicted_nonzero;
        if (!search->has(Item::kFetched)) ++c.evicted_unfetched;
        if (search->has(Item::kActive)) ++c.evicted_active;
        if (eviction_listener_ != nullptr && eviction_listener_->Wants()) {
          eviction_listener_->OnEviction(layout_.key_view(search), search->has(Item::kFetched),
                                         expiry_.Remaining(search->exptime, now), c.evicted_time, id,
                                         search->nbytes);
        }
      }
      DropFromTailLocked(seg, lc, search, hash);
      seg.mu().Unlock();
      return true;
    }
  }
  return false;
}

Item* Engine::Impl::AllocItem(std::string_view key, size_t nbytes, uint32_t flags,
                              RelTime exptime) {
  const bool use_cas = opts_.use_cas;
  const bool chunked = Chunked(key.size(), nbytes, flags);
  const int id = classes_.ClassFor(chunked ? MemcachedSizes::ChunkedHeader(key.size(), flags, use_cas)
                                           : MemcachedTotal(key.size(), nbytes, flags, use_cas));
  void* mem = AllocChunk(id);
  if (mem == nullptr) return nullptr;
  Item* it = new (mem) Item{};
  it->exptime = exptime;
  it->nbytes = static_cast<uint32_t>(nbytes);
  it->flags = flags;
  it->nkey = static_cast<uint8_t>(key.size());
  it->clsid = static_cast<uint8_t>(id);
  it->set_lru(LruId::kNone);
  it->time.store(clock_->Now(), std::memory_order_relaxed);
  layout_.set_version(it, 0);
  layout_.set_cas(it, 0);
  std::memcpy(layout_.key(it), key.data(), key.size());
  if (!chunked) return it;

  // memcached do_item_alloc_chunk: each chunk asks for the bytes still to
  // come (value + "\r\n") plus its 48-byte header, capped at the largest
  // class. We store the same share of the value in each (ours need no "\r\n"
  // and a 16-byte header, so they always fit).
  it->set(Item::kChunked);
  layout_.set_first_chunk(it, nullptr);
  Chunk** link = nullptr;
  size_t memc_remaining = nbytes + 2;
  size_t remaining = nbytes;
  while (memc_remaining > 0) {
    const size_t want =
        std::min(memc_remaining + MemcachedSizes::kChunkHeader, classes_.largest());
    const int cid = classes_.ClassFor(want);
    const size_t share =
        std::min(memc_remaining, classes_.chunk_size(cid) - MemcachedSizes::kChunkHeader);
    memc_remaining -= share;
    void* cm = AllocChunk(cid);
    if (cm == nullptr) {
      FreeItem(it);
      return nullptr;
    }
    Chunk* c = new (cm) Chunk{};
    c->clsid = static_cast<uint8_t>(cid);
    c->used = static_cast<uint32_t>(std::min(remaining, share));
    remaining -= c->used;
    if (link == nullptr) {
      layout_.set_first_chunk(it, c);
    } else {
      *link = c;
    }
    link = &c->next;
  }
  return it;
}

void Engine::Impl::FreeItem(Item* it) {
  if (it->has(Item::kChunked)) {
    Chunk* c = layout_.first_chunk(it);
    while (c != nullptr) {
      Chunk* next = c->next;
      slabs_.Free(c->clsid, c);
      c = next;
    }
  }
  const int id = it->class_id();
  it->~Item();
  slabs_.Free(id, it);
}

void Engine::Impl::AppendValue(const Item* it, std::string* out) const {
  out->reserve(out->size() + it->nbytes);
  ForEachPiece(it, [out](std::string_view piece) { out->append(piece); });
}

void Engine::Impl::WriteValue(Item* it, size_t offset, std::string_view src) {
  if (!it->has(Item::kChunked)) {
    std::memcpy(layout_.value(it) + offset, src.data(), src.size());
    return;
  }
  for (Chunk* c = layout_.first_chunk(it); c != nullptr && !src.empty(); c = c->next) {
    if (offset >= c->used) {
      offset -= c->used;
      continue;
    }
    const size_t n = std::min<size_t>(c->used - offset, src.size());
    std::memcpy(c->data() + offset, src.data(), n);
    src.remove_prefix(n);
    offset = 0;
  }
}

}  // namespace tandem::server::storage
