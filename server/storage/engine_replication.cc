// The replication side of the engine: applying the peer's writes, walking
// the table for a full copy, and the tombstones and flush marks that keep
// late writes from undoing newer ones. The local side (stamping versions,
// telling the observer) stays with the storage verbs: NotifyStoreLocked and
// NotifyTouchLocked in engine.cc, NotifyDeleteLocked in engine_impl.h.
//
// Which write wins. Every item carries the hybrid logical clock version
// (version.h) of the write that made it. A peer's store replaces the local
// item only when its version is newer. On equal versions (both nodes wrote
// in the same HLC tick) a store is decided by TieWins, which compares
// content, so both nodes keep the same item. A touch keeps the value's
// version and travels as "this expiry for the value of version V": it
// applies only to an item holding that same value, so a touch crossing a
// newer write never brings the older value back (the toucher takes the
// newer write when it arrives), and a miss stays a miss.
// Applying a mutation first folds its version into the local clock, so
// this node's later writes are newer than anything it has seen (but never
// more than --repl-max-skew-ms past the wall clock: version.h).
//
// Deletes. A delete leaves no item to carry its version, so it leaves a
// tombstone (tombstones.h): key and delete version, per hash-table segment
// under that segment's lock, for a bounded time and size. A peer's delete
// is remembered even when the key is absent here, and removes the local
// item unless that is newer (a tie goes to the delete). A peer's store no
// newer than a remembered delete of an absent key is dropped; a store that
// wins erases the tombstone.
//
// Forgotten versions. An item that expired, was flushed or evicted, and a
// tombstone that aged out, leave their version in the floor of their hash
// slot (version_floor.h). A peer's store of an absent key at or below that
// floor may be older than what was forgotten: it is dropped and the key is
// deleted on both nodes with a fresh local delete, so the pair agrees on a
// miss instead of one node serving the older value.
//
// flush_all. memcached's flush goes by local store time, which a copy of
// an item made on the peer does not share, so a replicating node
// flushes by version marks instead (flush_mark.h): once a mark is due
// (flush_all may be delayed; its time arrives already translated to this
// node's clock), an item whose version is below it counts as flushed
// (Impl::Flushed), and a peer's store the mark covers is dropped on
// arrival. The peer's own flush is applied by version only, so this
// node's writes newer than it stay.
//
// The full-copy cursor. SnapshotStep's cursor is (segment << 32) | bucket:
// it walks the 256 segments in order and each segment's buckets in order,
// holding one segment lock at a time, and returns once it has looked at
// `budget` items or shown `byte_budget` bytes of key and value (whole
// buckets at a time, so a step shows at most one bucket past either
// bound: with 1 MB items a step is one or two items, not 256 of them, and
// the lock is held over that much encoding only); false once the walk is done. A
// segment that is growing is walked through both its tables
// (HashTable::Segment::ForEachInBucketLocked), so growth can show an item
// twice but never hides one. When the walk leaves a segment it passes on
// that segment's live tombstones, so the receiver also keeps deleted keys
// deleted. Dead (expired or flushed) items are counted but not shown.
#include <algorithm>
#include <cstdint>
#include <span>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/engine_impl.h"
#include "server/storage/hash_table.h"
#include "server/storage/item.h"
#include "server/storage/mutation.h"
#include "server/storage/tombstones.h"

namespace tandem::server::storage {

// ===========================================================================
// Replication
// ===========================================================================

ApplyResult Engine::Impl::ApplyReplicated(const Mutation& m) {
  ObservePeer(m.version);
  if (m.kind == Mutation::Kind::kFlushAll) {
    // By version only: this node's writes newer than the peer's flush stay.
    flush_marks_.Record({m.version, m.flush_delay_ms, m.origin_ms + m.flush_delay_ms}, clock_->WallMs());
    return ApplyResult::kApplied;
  }
  if (m.kind == Mutation::Kind::kStore) return ApplyStore(m);
  const uint32_t hash = HashTable::Hash(m.key);
  HashTable::Segment& seg = table_.SegmentFor(hash);
  absl::MutexLock lock(&seg.mu());
  Item* old = FindLiveLocked(seg, hash, m.key);
  if (m.kind == Mutation::Kind::kDelete) {
    // Equal versions: the delete wins, as a store meeting a tombstone loses.
    if (old != nullptr && layout_.version(old) > m.version) return ApplyResult::kSuperseded;
    TombstonesLocked(seg, hash).Record(m.key, m.version, WallMs());
    if (old == nullptr) return ApplyResult::kSuperseded;
    UnlinkLocked(seg, old, hash);
    return ApplyResult::kApplied;
  }
  // kTouch: m.version is the version of the value the peer touched. Only
  // that same value takes the new expiry: a newer value here (a write
  // crossing the touch) ignores it, and the peer takes that value in turn;
  // a miss stays a miss.
  if (old == nullptr || layout_.version(old) != m.version) return ApplyResult::kSuperseded;
  old->exptime = expiry_.FromUnix(m.expires_at);
  return ApplyResult::kApplied;
}

ApplyResult Engine::Impl::ApplyStore(const Mutation& m) {
  Item* it = nullptr;
  const ApplyResult prepared = PrepareStore(m, &it);
  if (prepared != ApplyResult::kApplied) return prepared;
  return CommitStore(m, HashTable::Hash(m.key), it);
}

ApplyResult Engine::Impl::PrepareStore(const Mutation& m, Item** it) {
  *it = nullptr;
  if (m.key.size() > 255 || TooLarge(m.key.size(), m.value.size(), m.flags)) return ApplyResult::kTooLarge;
  if (flush_marks_.Covers(m.version, [this] { return clock_->WallMs(); })) {
    return ApplyResult::kSuperseded;  // written before a known flush_all
  }
  *it = AllocItem(m.key, m.value.size(), m.flags, expiry_.FromUnix(m.expires_at));
  if (*it == nullptr) return ApplyResult::kOutOfMemory;
  WriteValue(*it, 0, m.value);
  return ApplyResult::kApplied;
}

ApplyResult Engine::Impl::CommitStore(const Mutation& m, uint32_t hash, Item* it) {
  HashTable::Segment& seg = table_.SegmentFor(hash);
  absl::MutexLock lock(&seg.mu());
  Item* old = FindLiveLocked(seg, hash, m.key);
  TombstoneSet& tombs = TombstonesLocked(seg, hash);
  if (old == nullptr) {
    // A store no newer than a remembered delete of the key stays deleted
    // (the delete wins a tie, on both nodes).
    const bool buried = !tombs.empty() && tombs.Newest(m.key) >= m.version;
    if (!buried && floor_.Below(hash, m.version)) {
      // Older than something this node forgot in the key's slot: it
      // cannot tell whether the key's own newer copy is among it, so
      // the key goes on both nodes (version_floor.h).
      FreeItem(it);
      NotifyDeleteLocked(seg, hash, m.key, nullptr);
      return ApplyResult::kSuperseded;
    }
    if (buried) {
      FreeItem(it);
      return ApplyResult::kSuperseded;
    }
  } else if (layout_.version(old) > m.version ||
             (layout_.version(old) == m.version && !TieWins(old, m))) {
    FreeItem(it);
    return ApplyResult::kSuperseded;
  }
  if (!tombs.empty()) tombs.Erase(m.key);
  layout_.set_cas(it, AdoptCas(m.cas));
  layout_.set_version(it, m.version);
  if (old != nullptr) {
    ReplaceLocked(seg, old, it, hash);
  } else {
    LinkLocked(seg, it, hash);
  }
  return ApplyResult::kApplied;
}

// A run of stores, kStoreGroup at a time, in four passes: hash each key and
// prefetch its bucket slot; fill each item (allocation and copy, while
// those lines arrive); prefetch each chain's head item; then the real
// lookups and links, in order, on warm lines. Items are filled before the
// earlier ones of the group are linked, which changes nothing: filling
// touches only the new item, and a flush_all (which the filling checks)
// never comes in a run of stores. The HLC sees the group's newest version
// once, with one clock reading.
void Engine::Impl::ApplyStores(std::span<const Mutation> ms, std::span<ApplyResult> results) {
  constexpr size_t kStoreGroup = 16;
  uint32_t hashes[kStoreGroup];
  Item* items[kStoreGroup];
  for (size_t base = 0; base < ms.size(); base += kStoreGroup) {
    const size_t n = std::min(kStoreGroup, ms.size() - base);
    uint64_t newest = 0;
    for (size_t i = 0; i < n; ++i) {
      const Mutation& m = ms[base + i];
      newest = std::max(newest, m.version);
      hashes[i] = HashTable::Hash(m.key);
      HashTable::Segment& seg = table_.SegmentFor(hashes[i]);
      absl::MutexLock lock(&seg.mu());
      seg.PrefetchBucketLocked(hashes[i]);
    }
    ObservePeer(newest);
    for (size_t i = 0; i < n; ++i) results[base + i] = PrepareStore(ms[base + i], &items[i]);
    for (size_t i = 0; i < n; ++i) {
      if (items[i] == nullptr) continue;
      HashTable::Segment& seg = table_.SegmentFor(hashes[i]);
      absl::MutexLock lock(&seg.mu());
      seg.PrefetchChainLocked(hashes[i]);
    }
    for (size_t i = 0; i < n; ++i) {
      if (items[i] != nullptr) results[base + i] = CommitStore(ms[base + i], hashes[i], items[i]);
    }
  }
}

// The walk's misses: each item it shows is a random address. Prefetching
// the head item of the bucket kWalkPrefetchAhead on (header, key and a
// short value: kWalkPrefetchLines lines) keeps several in flight; the
// rest of a chain, and the first buckets of a step, still miss one by one.
namespace {
constexpr size_t kWalkPrefetchAhead = 6;
constexpr int kWalkPrefetchLines = 3;
}  // namespace

bool Engine::Impl::SnapshotStep(uint64_t* cursor, size_t budget, size_t byte_budget,
                                absl::FunctionRef<void(const ItemView&)> fn,
                                absl::FunctionRef<void(std::string_view, uint64_t)> tombstone_fn) {
  size_t segment = static_cast<size_t>(*cursor >> 32);
  size_t bucket = static_cast<size_t>(*cursor & 0xffffffffu);
  size_t seen = 0;
  size_t shown_bytes = 0;
  const RelTime now = clock_->Now();
  auto room = [&] { return seen < budget && shown_bytes < byte_budget; };
  while (segment < HashTable::kSegments && room()) {
    HashTable::Segment& seg = table_.segment(segment);
    absl::MutexLock lock(&seg.mu());
    while (room()) {
      seg.PrefetchBucketItemsLocked(bucket + kWalkPrefetchAhead, kWalkPrefetchLines);
      const bool ok = seg.ForEachInBucketLocked(bucket, [&](Item* it) {
        ++seen;
        if (Dead(it, now)) return;
        const Ref view(this, it, now, it->has(Item::kFetched), it->time.load());
        shown_bytes += view.key().size() + view.value_size();
        fn(view);
      });
      if (!ok) {
        // The segment's tombstones travel with its items, so the receiver
        // also forgets keys deleted here (and keeps them deleted).
        tombstones_[segment].ForEach(WallMs(), tombstone_fn);
        ++segment;
        bucket = 0;
        break;
      }
      ++bucket;
    }
  }
  *cursor = (static_cast<uint64_t>(segment) << 32) | bucket;
  return segment < HashTable::kSegments;
}

void Engine::Impl::TombstoneStats(StatList* out) {
  size_t count = 0, bytes = 0;
  uint64_t evicted = 0;
  const uint64_t now = WallMs();
  for (size_t i = 0; i < HashTable::kSegments; ++i) {
    absl::MutexLock lock(&table_.segment(i).mu());
    tombstones_[i].Prune(now);
    count += tombstones_[i].size();
    bytes += tombstones_[i].bytes();
    evicted += tombstones_[i].evicted();
  }
  out->emplace_back("tombstones", absl::StrCat(count));
  out->emplace_back("tombstone_bytes", absl::StrCat(bytes));
  out->emplace_back("tombstones_evicted", absl::StrCat(evicted));
}

// Each segment's lock is taken in turn, so every write whose record entered
// the stream before this call has finished linking its item (the record is
// appended under that lock): the count read after the walk includes it.
bool Engine::Impl::HoldsNothing() {
  const uint64_t now = WallMs();
  for (size_t i = 0; i < HashTable::kSegments; ++i) {
    absl::MutexLock lock(&table_.segment(i).mu());
    tombstones_[i].Prune(now);
    if (tombstones_[i].size() > 0) return false;
  }
  if (curr_items_.load(std::memory_order_acquire) != 0) return false;
  bool flushes = false;
  ForEachFlush([&](uint64_t, int64_t, int64_t) { flushes = true; });
  return !flushes;
}

// ===========================================================================
// Engine: the public face forwards to Impl.
// ===========================================================================

void Engine::SetObserver(MutationObserver* observer) { impl_->SetObserver(observer); }
bool Engine::ApplyReplicated(const Mutation& m) { return impl_->ApplyReplicated(m) == ApplyResult::kApplied; }
ApplyResult Engine::ApplyReplicatedResult(const Mutation& m) { return impl_->ApplyReplicated(m); }
void Engine::ApplyReplicatedStores(std::span<const Mutation> ms, std::span<ApplyResult> results) {
  impl_->ApplyStores(ms, results);
}
void Engine::TombstoneStats(StatList* out) { impl_->TombstoneStats(out); }
bool Engine::HoldsNothing() { return impl_->HoldsNothing(); }

uint64_t Engine::ItemCount() const { return impl_->ItemCount(); }

void Engine::ReserveForItems(uint64_t items) { impl_->ReserveForItems(items); }

void Engine::Impl::ReserveForItems(uint64_t items) {
  items = std::min<uint64_t>(items, opts_.memory_limit / 64);
  const size_t per_segment = static_cast<size_t>(items / HashTable::kSegments) + 1;
  for (size_t i = 0; i < HashTable::kSegments; ++i) {
    HashTable::Segment& seg = table_.segment(i);
    absl::MutexLock lock(&seg.mu());
    seg.ReserveLocked(per_segment);
  }
}

void Engine::ForEachFlush(
    absl::FunctionRef<void(uint64_t version, int64_t delay_ms, int64_t due_ms)> fn) const {
  impl_->ForEachFlush(fn);
}
int64_t Engine::WallMs() const { return impl_->WallClockMs(); }
void Engine::SetPeerClockOffset(int64_t ms) { impl_->SetPeerClockOffset(ms); }
int64_t Engine::max_skew_ms() const { return impl_->max_skew_ms(); }

bool Engine::SnapshotStep(uint64_t* cursor, size_t budget,
                          absl::FunctionRef<void(const ItemView&)> fn) {
  return impl_->SnapshotStep(cursor, budget, SIZE_MAX, fn, [](std::string_view, uint64_t) {});
}

bool Engine::SnapshotStep(uint64_t* cursor, size_t budget,
                          absl::FunctionRef<void(const ItemView&)> fn,
                          absl::FunctionRef<void(std::string_view, uint64_t)> tombstone_fn,
                          size_t byte_budget) {
  return impl_->SnapshotStep(cursor, budget, byte_budget, fn, tombstone_fn);
}

}  // namespace tandem::server::storage
