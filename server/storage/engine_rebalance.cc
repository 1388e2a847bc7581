// Slab page moves: memcached's slab rebalancer (slabs.c, slab_rebalance_*)
// on tandem's locks. `slabs reassign` and the automover (server/slab_mover)
// queue a move; the rebalancer thread calls RebalanceStep until it is done.
//
// A move takes one page out of service in the allocator (BeginMove: its
// free chunks leave the free list and chunks freed later stay off it), then
// empties it. Every chunk of the page still allocated is one of:
//   - the header of a linked item: found by reading the key out of the
//     chunk and looking it up under the key's segment lock; the lookup must
//     return this very chunk, which proves the item is linked and its key
//     was read whole (the unlocked read may race a store that is still
//     writing the chunk; such a read is only ever trusted after that check);
//   - a chain chunk of a linked chunked item: found by walking the chains
//     of the chunked items, which all live in the largest class's LRU;
//   - memory of a request in flight (allocated and not linked yet, or about
//     to be freed): left alone, and the page is gone over again later.
// A live item whose header is in the page is rescued when its class has a
// free chunk elsewhere (copied there, slab_reassign_rescues), as memcached
// does. Otherwise, and for items whose chain crosses the page, it is
// evicted, exactly as the COLD tail evicts: unlinked under its segment
// lock, which every reader of an item holds while it reads, so no request
// can still see the memory afterwards; its version goes to the version
// floor (a replicating node treats it as evicted, never as deleted). Live
// evicted items count in slab_reassign_evictions_nomem. Once every chunk
// is free the page goes to its destination class, or to the global pool
// (FinishMove).
//
// Lock order: move_mu_ (the rebalancer's own) -> segment -> LRU -> slab;
// reassign_mu_ is taken alone.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/storage/engine_impl.h"
#include "server/storage/hash_table.h"
#include "server/storage/item.h"
#include "server/storage/lru.h"

namespace tandem::server::storage {

ReassignOutcome Engine::Impl::SlabsReassign(int src, int dst) {
  absl::MutexLock lock(&reassign_mu_);
  if (reassign_queued_ || reassign_running_.load(std::memory_order_relaxed)) {
    return ReassignOutcome::kBusy;
  }
  if (src == dst) return ReassignOutcome::kSame;
  const int largest = classes_.count();
  if (src == -1) {  // memcached's slabs_reassign_pick_any: round robin
    for (int tries = largest; tries > 0; --tries) {
      reassign_any_cursor_ = reassign_any_cursor_ % largest + 1;
      if (reassign_any_cursor_ == dst) continue;
      if (slabs_.Stats(reassign_any_cursor_).total_pages > 1) {
        src = reassign_any_cursor_;
        break;
      }
    }
  }
  if (src < 0 || src > largest || dst < 0 || dst > largest) return ReassignOutcome::kBadClass;
  const size_t pages = src == 0 ? slabs_.pool_pages() : slabs_.Stats(src).total_pages;
  if (pages < 2) return ReassignOutcome::kNoSpare;
  reassign_queued_ = true;
  reassign_src_ = src;
  reassign_dst_ = dst;
  reassign_cv_.Signal();
  return ReassignOutcome::kOk;
}

void Engine::Impl::WaitForRebalanceWork(int timeout_ms) {
  absl::MutexLock lock(&reassign_mu_);
  if (!reassign_queued_) reassign_cv_.WaitWithTimeout(&reassign_mu_, absl::Milliseconds(timeout_ms));
}

bool Engine::Impl::RebalanceStep() {
  absl::MutexLock lock(&move_mu_);
  if (!moving_) {
    int src = 0;
    int dst = 0;
    {
      absl::MutexLock l(&reassign_mu_);
      if (!reassign_queued_) return false;
      src = reassign_src_;
      dst = reassign_dst_;
      // Running before the request leaves the queue, so a reassign arriving
      // in between is BUSY rather than a second move.
      reassign_running_.store(true, std::memory_order_relaxed);
      reassign_queued_ = false;
    }
    if (!slabs_.BeginMove(src, dst, &move_)) {
      reassign_running_.store(false, std::memory_order_relaxed);
      return false;
    }
    moving_ = true;
  }
  const size_t busy = EmptyMovingPage();
  if (!slabs_.FinishMove(move_)) {
    reassign_busy_items_.fetch_add(std::max<size_t>(busy, 1), std::memory_order_relaxed);
    return true;
  }
  moving_ = false;
  slabs_moved_.fetch_add(1, std::memory_order_relaxed);
  reassign_running_.store(false, std::memory_order_relaxed);
  return false;
}

// The unlocked read of a chunk that may be changing under us (see the top
// of the file): memcached's mover reads its items the same way. The chunk
// may even be freed meanwhile, which ASan's poisoning of a moving page's
// free chunks (slab_allocator.cc) would report, so this one read is exempt.
__attribute__((no_sanitize_address)) size_t Engine::Impl::ReadKeyUnlocked(const char* chunk,
                                                                          size_t room,
                                                                          char* key) const {
  const size_t nkey =
      static_cast<unsigned char>(static_cast<const volatile char*>(chunk)[offsetof(Item, nkey)]);
  if (nkey == 0 || nkey > room) return 0;
  // Byte by byte through volatile, so it is not turned into a memcpy call
  // (which ASan intercepts whatever this function's attribute says).
  const volatile char* src = chunk + layout_.header();
  for (size_t i = 0; i < nkey; ++i) key[i] = src[i];
  return nkey;
}

void Engine::Impl::EvictForMove(Item* it, std::string_view key, bool rescue) {
  const uint32_t hash = HashTable::Hash(key);
  HashTable::Segment& seg = table_.SegmentFor(hash);
  absl::MutexLock lock(&seg.mu());
  if (seg.FindLocked(hash, key, layout_) != it) return;  // not linked (any more)
  const bool dead = Dead(it, clock_->Now());
  if (!dead && rescue && RescueLocked(seg, it, hash)) return;
  if (!dead) reassign_evictions_nomem_.fetch_add(1, std::memory_order_relaxed);
  ForgetLocked(seg, hash, layout_.version(it));  // evicted: version_floor.h
  UnlinkLocked(seg, it, hash);
}

// memcached's rescue: a live item whose header is in the moving page is
// copied into a free chunk of its class elsewhere (never a new page) and
// takes the old item's place in its hash chain and its LRU list, keeping
// everything (CAS, version, times, flags bits); the copy is not a change,
// so nothing is replicated. The LRU lock is held across the copy because
// the LRU's juggling writes the links and bits being copied.
bool Engine::Impl::RescueLocked(HashTable::Segment& seg, Item* it, uint32_t hash) {
  const int cls = it->class_id();
  void* mem = slabs_.AllocNoGrow(cls);
  if (mem == nullptr) return false;
  Item* copy = static_cast<Item*>(mem);
  const size_t bytes = it->has(Item::kChunked) ? layout_.ChunkedHeaderSize(it->nkey)
                                               : layout_.InlineSize(it->nkey, it->nbytes);
  {
    Lru::Class& lc = lru_.cls(LruClass(it));
    absl::MutexLock lock(&lc.mu());
    std::memcpy(static_cast<void*>(copy), static_cast<const void*>(it), bytes);
    lc.ReplaceLocked(it, copy);
  }
  seg.RemoveLocked(it, hash);
  seg.InsertLocked(copy, hash, layout_);
  slabs_.Free(cls, it);
  reassign_rescues_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

size_t Engine::Impl::EmptyMovingPage() {
  const SlabAllocator::PageMove& move = move_;
  if (move.src == 0) return 0;
  const char* page = move.page;
  const size_t page_len = classes_.page_size();
  const size_t room = classes_.chunk_size(move.src) - std::min(classes_.chunk_size(move.src), layout_.header());
  size_t used = 0;
  // Item headers: read the key, then let the locked lookup confirm it.
  slabs_.ForEachUsedInMove(move, [&](char* chunk) {
    ++used;
    char key[256];
    const size_t nkey = ReadKeyUnlocked(chunk, room, key);
    if (nkey != 0) EvictForMove(reinterpret_cast<Item*>(chunk), std::string_view(key, nkey), true);
  });
  if (used == 0) return 0;
  // Chain chunks: their items are chunked, and chunked items all live in
  // the largest class's LRU.
  std::vector<std::pair<Item*, std::string>> owners;
  {
    Lru::Class& lc = lru_.cls(classes_.count());
    absl::MutexLock lock(&lc.mu());
    for (LruId id : {LruId::kHot, LruId::kWarm, LruId::kCold}) {
      for (Item* it = lc.head(id); it != nullptr; it = it->next) {
        if (!it->has(Item::kChunked)) continue;
        for (const Chunk* c = layout_.first_chunk(it); c != nullptr; c = c->next) {
          const char* p = reinterpret_cast<const char*>(c);
          if (p >= page && p < page + page_len) {
            owners.emplace_back(it, std::string(layout_.key_view(it)));
            break;
          }
        }
      }
    }
  }
  for (auto& [it, key] : owners) EvictForMove(it, key, false);
  size_t still = 0;
  slabs_.ForEachUsedInMove(move, [&still](char*) { ++still; });
  return still;
}

void Engine::Impl::SlabClassSamples(std::vector<SlabClassSample>* out, bool* limit_reached) {
  const RelTime now = clock_->Now();
  out->assign(static_cast<size_t>(classes_.count()) + 1, SlabClassSample{});
  for (int id = 1; id <= classes_.count(); ++id) {
    SlabClassSample& s = (*out)[static_cast<size_t>(id)];
    {
      Lru::Class& lc = lru_.cls(id);
      absl::MutexLock lock(&lc.mu());
      s.evicted = lc.counters().evicted;
      s.outofmemory = lc.counters().outofmemory;
      if (const Item* tail = lc.tail(LruId::kCold)) {
        const RelTime t = tail->time.load(std::memory_order_relaxed);
        s.age = now > t ? now - t : 0;
      }
    }
    const SlabAllocator::ClassStats st = slabs_.Stats(id);
    s.total_pages = st.total_pages;
    s.free_chunks = st.free_chunks;
    s.chunks_per_page = st.chunks_per_page;
  }
  *limit_reached = slabs_.limit_reached();
}

// ===========================================================================
// Engine: the public face forwards to Impl.
// ===========================================================================

ReassignOutcome Engine::SlabsReassign(int src, int dst) { return impl_->SlabsReassign(src, dst); }
bool Engine::RebalanceStep() { return impl_->RebalanceStep(); }
void Engine::WaitForRebalanceWork(int timeout_ms) { impl_->WaitForRebalanceWork(timeout_ms); }
void Engine::SlabClassSamples(std::vector<SlabClassSample>* out, bool* limit_reached) {
  impl_->SlabClassSamples(out, limit_reached);
}
void Engine::SetSegmentedLru(bool on) { impl_->SetSegmentedLru(on); }
void Engine::SetLruTuning(int hot_pct, int warm_pct, double hot_max_factor, double warm_max_factor) {
  impl_->SetLruTuning({hot_pct, warm_pct, hot_max_factor, warm_max_factor});
}

}  // namespace tandem::server::storage
