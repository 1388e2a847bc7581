// Warm restart (-e), the engine's part: what a graceful stop saves about
// the item memory, and how the next start takes the items back.
//
// The items never leave the memory file; what is lost with the process is
// everything outside it: the hash table (its buckets are ordinary memory,
// and its hash is seeded per process anyway), the slab allocator's free
// lists and page bookkeeping, and the heads of the LRU lists. The lists
// themselves are intrusive (Item::prev/next live in the file), so saving a
// list's head, tail and length is enough to find every linked item again:
// every linked item is on exactly one list. That is why the restore walks
// the lists rather than every chunk of every page, as memcached does: a
// chunk of a chunked value starts with client bytes where an item header
// would keep its flags, so a page walk could be fooled by a crafted value
// into "finding" an item that was never stored.
//
// Everything read from the file is checked before anything is changed
// (RestoreWarm's first pass): each pointer, once moved by the distance the
// mapping moved, must land on a chunk the allocator had carved in a page
// of the item's own class, no chunk may be reached twice, the lists must
// link back (prev) and end where and when the metadata says, and every
// header must be one the engine could have written (key length, value
// length against its chunk or its chain, class and chunked decision as
// the store would have made them). A failure starts the cache empty. Only
// then does the second pass fix the pointers, relink, and rebuild the free
// lists from the chunks no live item holds.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/engine_impl.h"
#include "server/storage/warm_state.h"

namespace tandem::server::storage {
namespace {

constexpr size_t kKeyMax = 250;  // memcached KEY_MAX_LENGTH

absl::Status Bad(const std::string& what) { return absl::InvalidArgumentError(what); }

// The saved page bookkeeping, checked against this build's slab classes,
// and the one question the list walk asks of it: is this old address a
// chunk the allocator had carved, and which one (an index for a bitmap)?
class WarmPages {
 public:
  static absl::StatusOr<WarmPages> Check(const WarmState& st, const SizeClasses& classes,
                                         size_t arena_size) {
    WarmPages w(st, classes);
    const size_t page = classes.page_size();
    const size_t ncls = static_cast<size_t>(classes.count());
    const size_t npages = st.page_classes.size();
    if (npages > arena_size / page) return Bad("more pages than the memory file holds");
    w.layout_.page_classes = st.page_classes;
    w.layout_.classes.resize(ncls + 1);
    w.last_page_.assign(ncls + 1, 0);
    w.first_index_.assign(npages + 1, 0);
    std::vector<size_t> pages_of(ncls + 1, 0);
    for (size_t p = 0; p < npages; ++p) {
      const int id = st.page_classes[p];
      if (id == 0) {  // a page of the global pool: no chunks
        w.first_index_[p + 1] = w.first_index_[p];
        continue;
      }
      if (id < 1 || static_cast<size_t>(id) > ncls) {
        return Bad(absl::StrCat("page ", p, " has no valid slab class"));
      }
      ++pages_of[static_cast<size_t>(id)];
      w.last_page_[static_cast<size_t>(id)] = p;
      w.first_index_[p + 1] = w.first_index_[p] + classes.per_page(id);
    }
    std::vector<bool> seen(ncls + 1, false);
    for (const WarmState::ClassEnd& c : st.classes) {
      const size_t id = static_cast<size_t>(c.id);
      if (c.id < 1 || id > ncls || seen[id]) return Bad(absl::StrCat("bad slab class ", c.id));
      seen[id] = true;
      if (c.pages != pages_of[id] || c.pages == 0) {
        return Bad(absl::StrCat("class ", c.id, " page count"));
      }
      // The class carves its newest page from the front: the position is
      // a chunk boundary inside it, and the chunks left match.
      const size_t start = w.last_page_[id] * page;
      const size_t size = classes.chunk_size(c.id);
      if (c.end_offset <= start || c.end_offset > start + page ||
          (c.end_offset - start) % size != 0 ||
          c.end_left != classes.per_page(c.id) - (c.end_offset - start) / size) {
        return Bad(absl::StrCat("class ", c.id, " carve position"));
      }
      w.layout_.classes[id] = {c.pages, c.end_offset, c.end_left};
    }
    for (size_t id = 1; id <= ncls; ++id) {
      if (pages_of[id] > 0 && !seen[id]) {
        return Bad(absl::StrCat("class ", id, " has pages but no carve position"));
      }
    }
    return w;
  }

  const SlabAllocator::ArenaLayout& layout() const { return layout_; }
  size_t chunks() const { return first_index_.back(); }

  // True when `old` (an address of the old mapping) is a carved chunk;
  // *cls gets its page's class, *index its place among all chunks.
  bool Locate(uint64_t old, int* cls, size_t* index) const {
    const size_t page = classes_.page_size();
    if (old < st_.mmap_base) return false;
    const uint64_t off = old - st_.mmap_base;
    if (off >= st_.page_classes.size() * page) return false;
    const size_t p = off / page;
    const int id = st_.page_classes[p];
    if (id == 0) return false;  // a pool page holds no item
    const size_t in = off % page;
    const size_t size = classes_.chunk_size(id);
    if (in % size != 0 || in / size >= classes_.per_page(id)) return false;
    if (p == last_page_[static_cast<size_t>(id)] &&
        off >= layout_.classes[static_cast<size_t>(id)].end_offset) {
      return false;  // past where the class had carved to
    }
    *cls = id;
    *index = first_index_[p] + in / size;
    return true;
  }

 private:
  WarmPages(const WarmState& st, const SizeClasses& classes) : st_(st), classes_(classes) {}

  const WarmState& st_;
  const SizeClasses& classes_;
  SlabAllocator::ArenaLayout layout_;
  std::vector<size_t> last_page_;    // per class: its newest page
  std::vector<size_t> first_index_;  // per page: index of its first chunk
};

}  // namespace

void Engine::Impl::SaveWarm(WarmState* state) {
  const SlabAllocator::ArenaLayout layout = slabs_.Layout();
  state->mmap_base = reinterpret_cast<uintptr_t>(slabs_.arena_base());
  state->page_classes = layout.page_classes;
  state->classes.clear();
  for (int id = 1; id <= classes_.count(); ++id) {
    const SlabAllocator::ClassEnd& e = layout.classes[static_cast<size_t>(id)];
    if (e.pages > 0) state->classes.push_back({id, e.pages, e.end_offset, e.end_left});
  }
  state->lrus.clear();
  Lru& lru = lru_;
  for (int id = 1; id <= classes_.count(); ++id) {
    Lru::Class& lc = lru.cls(id);
    absl::MutexLock lock(&lc.mu());
    for (int l = 0; l < 3; ++l) {
      const LruId which = static_cast<LruId>(l);
      if (lc.count(which) == 0) continue;
      state->lrus.push_back({id, l, reinterpret_cast<uintptr_t>(lc.head(which)),
                             reinterpret_cast<uintptr_t>(lc.tail(which)), lc.count(which)});
    }
  }
  // memcached saves a freshly taken CAS id (get_cas_id), so the first CAS
  // after its restart skips one; the same here keeps the numbers equal.
  state->cas = cas_.load(std::memory_order_relaxed) + (opts_.use_cas ? 1 : 0);
  state->oldest_live = expiry_.oldest_live();
  state->oldest_cas = expiry_.oldest_cas();
  state->curr_items = curr_items_.load(std::memory_order_relaxed);
  if (opts_.cas_from_version) SaveConvergence(state);
}

// A replicating node: what decides which of two copies wins, so the
// restarted node still refuses what it refused before the stop.
void Engine::Impl::SaveConvergence(WarmState* state) {
  state->replicating = true;
  state->hlc = hlc_.Last();
  state->cas_node_bit = cas_node_bit_.load(std::memory_order_relaxed);
  state->flush_marks.clear();
  flush_marks_.ForEach([&](const FlushMarks::Mark& m) {
    state->flush_marks.push_back({m.version, m.delay_ms, m.due_ms});
  });
  state->tombstones.clear();
  const int64_t now_ms = WallMs();
  for (size_t i = 0; i < HashTable::kSegments; ++i) {
    absl::MutexLock lock(&table_.segment(i).mu());
    tombstones_[i].ForEach(now_ms, [&](std::string_view key, uint64_t version) {
      state->tombstones.emplace_back(std::string(key), version);
    });
  }
  state->floor_slots.clear();
  for (size_t slot = 0; slot < VersionFloor::kSlots; ++slot) {
    if (const uint64_t v = floor_.GetSlot(slot); v != 0) {
      state->floor_slots.emplace_back(static_cast<uint32_t>(slot), v);
    }
  }
}

void Engine::Impl::RestoreConvergence(const WarmState& st) {
  hlc_.Observe(st.hlc);
  // The same peer will settle the same bit; until it links, no guess.
  SetCasNodeBit(st.cas_node_bit);
  const int64_t now_ms = WallMs();
  for (const WarmState::FlushMark& m : st.flush_marks) {
    flush_marks_.Record({m.version, m.delay_ms, m.due_ms}, now_ms);
  }
  for (const auto& [slot, version] : st.floor_slots) floor_.RaiseSlot(slot, version);
  for (const auto& [key, version] : st.tombstones) {
    hlc_.Observe(version);
    const uint32_t hash = HashTable::Hash(key);
    HashTable::Segment& seg = table_.SegmentFor(hash);
    absl::MutexLock lock(&seg.mu());
    const Item* it = seg.FindLocked(hash, key, layout_);
    if (it != nullptr && layout_.version(it) > version) continue;  // a newer store won
    TombstonesLocked(seg, hash).Record(key, version, static_cast<uint64_t>(now_ms));
  }
}

absl::StatusOr<size_t> Engine::Impl::RestoreWarm(const WarmState& st, RelTime now) {
  char* const base = slabs_.arena_base();
  if (base == nullptr) return absl::FailedPreconditionError("no memory file");
  absl::StatusOr<WarmPages> checked = WarmPages::Check(st, classes_, slabs_.arena_size());
  if (!checked.ok()) return checked.status();
  const WarmPages& pages = *checked;
  const int ncls = classes_.count();
  std::vector<bool> used(pages.chunks(), false);
  auto locate = [&](uint64_t old, int* cls, size_t* index) {
    return pages.Locate(old, cls, index);
  };
  auto at = [&](uint64_t old) { return base + (old - st.mmap_base); };

  // ---- first pass: walk and check every list, changing nothing -----------
  struct List {
    int cls;
    LruId lru;
    std::vector<Item*> items;  // head to tail
  };
  std::vector<List> lists;
  std::vector<bool> list_seen(static_cast<size_t>(ncls + 1) * 3, false);
  uint64_t total = 0;
  for (const WarmState::LruList& l : st.lrus) {
    if (l.cls < 1 || l.cls > ncls || l.lru < 0 || l.lru > 2) return Bad("bad LRU list");
    const size_t slot = static_cast<size_t>(l.cls) * 3 + static_cast<size_t>(l.lru);
    if (list_seen[slot]) return Bad("LRU list twice");
    list_seen[slot] = true;
    List out{l.cls, static_cast<LruId>(l.lru), {}};
    uint64_t prev = 0;
    for (uint64_t cur = l.head; cur != 0;) {
      if (out.items.size() == l.count)
        return Bad(absl::StrCat("class ", l.cls, " LRU longer than saved"));
      int cls = 0;
      size_t index = 0;
      if (!locate(cur, &cls, &index) || used[index]) {
        return Bad(absl::StrCat("class ", l.cls, " LRU points outside its items"));
      }
      used[index] = true;
      Item* it = reinterpret_cast<Item*>(at(cur));
      const bool chunked = it->has(Item::kChunked);
      const size_t size = classes_.chunk_size(cls);
      if (it->class_id() != cls || (chunked ? ncls : cls) != l.cls || it->lru() != out.lru ||
          !it->has(Item::kLinked) || it->nkey == 0 || it->nkey > kKeyMax ||
          reinterpret_cast<uint64_t>(it->prev) != prev ||
          TooLarge(it->nkey, it->nbytes, it->flags) ||
          Chunked(it->nkey, it->nbytes, it->flags) != chunked ||
          (chunked ? layout_.ChunkedHeaderSize(it->nkey)
                   : layout_.InlineSize(it->nkey, it->nbytes)) > size) {
        return Bad(absl::StrCat("class ", l.cls, " holds an item header the engine did not write"));
      }
      if (chunked) {
        uint64_t bytes = 0;
        for (uint64_t c = reinterpret_cast<uint64_t>(layout_.first_chunk(it)); c != 0;) {
          int ccls = 0;
          size_t cindex = 0;
          if (!locate(c, &ccls, &cindex) || used[cindex])
            return Bad("a value chunk is not a chunk");
          used[cindex] = true;
          const Chunk* ch = reinterpret_cast<const Chunk*>(at(c));
          bytes += ch->used;
          if (ch->clsid != ccls || ch->used > classes_.chunk_size(ccls) - sizeof(Chunk) ||
              bytes > it->nbytes) {
            return Bad("a value chunk does not fit its item");
          }
          c = reinterpret_cast<uint64_t>(ch->next);
        }
        if (bytes != it->nbytes) return Bad("a chunked value is short");
      }
      out.items.push_back(it);
      prev = cur;
      cur = reinterpret_cast<uint64_t>(it->next);
    }
    if (out.items.size() != l.count || prev != l.tail) {
      return Bad(absl::StrCat("class ", l.cls, " LRU ends early"));
    }
    total += l.count;
    lists.push_back(std::move(out));
  }
  if (total != st.curr_items) return Bad("item count differs from the saved one");

  // ---- second pass: fix up, relink, rebuild the free lists ---------------
  expiry_.RestoreFlush(st.oldest_live, st.oldest_cas);
  const int64_t delta = reinterpret_cast<intptr_t>(base) - static_cast<intptr_t>(st.mmap_base);
  auto moved = [delta](auto* p) {
    return p == nullptr ? p : reinterpret_cast<decltype(p)>(reinterpret_cast<intptr_t>(p) + delta);
  };
  auto index_of = [&](const char* p) {
    int cls = 0;
    size_t index = 0;
    locate(static_cast<uint64_t>(p - base) + st.mmap_base, &cls, &index);
    return index;
  };
  auto release = [&](Item* it) {
    used[index_of(reinterpret_cast<char*>(it))] = false;
    if (it->has(Item::kChunked)) {
      for (Chunk* c = layout_.first_chunk(it); c != nullptr; c = c->next) {
        used[index_of(reinterpret_cast<char*>(c))] = false;
      }
    }
    it->clear(Item::kLinked);
  };
  uint64_t max_cas = st.cas;
  uint64_t max_version = 0;
  size_t kept = 0;
  for (List& l : lists) {
    for (Item* it : l.items) {
      if (it->has(Item::kChunked)) {
        layout_.set_first_chunk(it, moved(layout_.first_chunk(it)));
        for (Chunk* c = layout_.first_chunk(it); c != nullptr; c = c->next)
          c->next = moved(c->next);
      }
      // Expired or flushed while the node was down: its chunks go free.
      if (Dead(it, now)) {
        // A replicating node remembers what it forgot (version_floor.h).
        if (st.replicating) floor_.Raise(HashTable::Hash(layout_.key_view(it)), layout_.version(it));
        release(it);
      }
    }
  }
  // Buckets for every item up front: growing while relinking a million
  // items would walk long chains (the keys spread evenly over segments).
  const size_t per_segment = static_cast<size_t>(total) / HashTable::kSegments + 1;
  for (size_t i = 0; i < HashTable::kSegments; ++i) {
    HashTable::Segment& seg = table_.segment(i);
    absl::MutexLock lock(&seg.mu());
    seg.ReserveLocked(per_segment);
  }
  // Relinking is bound by cache misses (the item, then its bucket), so the
  // walk runs ahead of itself: it prefetches the item kAhead * 2 places on,
  // hashes the one kAhead places on and prefetches its bucket.
  constexpr size_t kAhead = 8;
  for (List& l : lists) {
    Lru::Class& lc = lru_.cls(l.cls);
    std::vector<Item*>& v = l.items;
    std::reverse(v.begin(), v.end());  // tail first: each goes to the head
    const size_t n = v.size();
    std::vector<uint32_t> hashes(n);
    auto hash_ahead = [&](size_t j) {
      if (j >= n || !v[j]->has(Item::kLinked)) return;
      hashes[j] = HashTable::Hash(layout_.key_view(v[j]));
      HashTable::Segment& seg = table_.SegmentFor(hashes[j]);
      absl::MutexLock lock(&seg.mu());
      seg.PrefetchBucketLocked(hashes[j]);
    };
    for (size_t j = 0; j < std::min(n, 2 * kAhead); ++j) __builtin_prefetch(v[j]);
    for (size_t j = 0; j < kAhead; ++j) hash_ahead(j);
    for (size_t i = 0; i < n; ++i) {
      if (i + 2 * kAhead < n) __builtin_prefetch(v[i + 2 * kAhead]);
      hash_ahead(i + kAhead);
      Item* it = v[i];
      if (!it->has(Item::kLinked)) continue;
      const uint32_t hash = hashes[i];
      HashTable::Segment& seg = table_.SegmentFor(hash);
      const size_t bytes = MemcachedTotal(it->nkey, it->nbytes, it->flags, opts_.use_cas);
      absl::MutexLock seg_lock(&seg.mu());
      if (seg.FindLocked(hash, layout_.key_view(it), layout_) != nullptr) {
        // Cannot happen in a file this engine wrote (one item per key);
        // a duplicate key is dropped rather than linked twice.
        release(it);
        continue;
      }
      seg.InsertLocked(it, hash, layout_);
      {
        absl::MutexLock lru_lock(&lc.mu());
        lc.RestoreLocked(it, l.lru);
        lc.counters().mem_requested += bytes;
      }
      max_cas = std::max(max_cas, layout_.cas(it));
      max_version = std::max(max_version, layout_.version(it));
      bytes_.fetch_add(bytes, std::memory_order_relaxed);
      ++kept;
    }
  }
  slabs_.Restore(pages.layout(), [&](const char* chunk) { return used[index_of(chunk)]; });
  curr_items_.store(kept, std::memory_order_relaxed);
  total_items_.store(kept, std::memory_order_relaxed);
  if (!opts_.cas_from_version) cas_.store(max_cas, std::memory_order_relaxed);
  if (max_version != 0) hlc_.Observe(max_version);
  if (st.replicating && opts_.cas_from_version) RestoreConvergence(st);
  return kept;
}

void Engine::SaveWarm(WarmState* state) { impl_->SaveWarm(state); }
absl::StatusOr<size_t> Engine::RestoreWarm(const WarmState& state, RelTime now) {
  return impl_->RestoreWarm(state, now);
}

}  // namespace tandem::server::storage
