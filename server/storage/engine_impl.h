// Engine::Impl: the engine's state and the members its files share.
//
// The engine is one object whose code is split by concern: engine.cc has
// construction, linking and the storage verbs; engine_alloc.cc item memory
// and eviction; engine_meta.cc the meta-protocol verbs;
// engine_replication.cc the peer's writes and full copies; engine_stats.cc
// the `stats` family and cachedump; engine_crawler.cc the background
// crawler; engine_rebalance.cc slab page moves. They all work on the same
// tables, counters and locks, so the class is declared once, here. engine.h keeps its pImpl: its callers never
// see the hash table, the LRUs or the slab allocator, and the public API did
// not change when the engine was split.
//
// Internal to server/storage/: include it from the engine's own files (and
// from tests that need to look inside), never from the rest of the server.
// The lock order, and the rule for who may free an item, head engine.cc.
#ifndef TANDEM_SERVER_STORAGE_ENGINE_IMPL_H_
#define TANDEM_SERVER_STORAGE_ENGINE_IMPL_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"
#include "server/storage/expiry.h"
#include "server/storage/flush_mark.h"
#include "server/storage/hash_table.h"
#include "server/storage/item.h"
#include "server/storage/lru.h"
#include "server/storage/mutation.h"
#include "server/storage/mutation_observer.h"
#include "server/storage/size_classes.h"
#include "server/storage/slab_allocator.h"
#include "server/storage/tombstones.h"
#include "server/storage/version.h"
#include "server/storage/version_floor.h"
#include "server/storage/warm_state.h"

namespace tandem::server::storage {

class Engine::Impl {
 public:
  explicit Impl(const EngineOptions& o);

  // Items need no destruction: the slab allocator frees whole pages.

  // The storage verbs (see engine.h); `receipt` may be null.
  void GetMany(std::span<const std::string_view> keys, const GetOptions& o,
               absl::FunctionRef<void(size_t, const ItemView*)> fn, WriteReceipt* receipt);
  bool Get(std::string_view key, const GetOptions& o, absl::FunctionRef<void(const ItemView&)> fn,
           WriteReceipt* receipt);
  StoreResult Store(std::string_view key, std::string_view value, const StoreOptions& o,
                    WriteReceipt* receipt);
  bool Delete(std::string_view key, WriteReceipt* receipt);
  ArithResult Arith(std::string_view key, const ArithOptions& o,
                    absl::FunctionRef<void(MetaItem&, bool created)> fn, WriteReceipt* receipt);
  void FlushAll(int64_t delay, WriteReceipt* receipt);
  absl::Status SetMemoryLimit(size_t bytes);
  size_t CrawlStep(size_t budget);
  void GeneralStats(StatList* out);
  int SizeClassCount() const { return classes_.count(); }
  int ClassForItem(size_t nkey, size_t nbytes, uint32_t flags) const {
    const int id = classes_.ClassFor(MemcachedTotal(nkey, nbytes, flags, opts_.use_cas));
    return id == 0 ? classes_.count() : id;
  }
  void ResetStats();
  bool CacheDump(int class_id, unsigned limit,
                 absl::FunctionRef<void(std::string_view, size_t, int64_t)> fn);
  void MetaDump(const std::vector<bool>& classes, absl::FunctionRef<void(const Engine::DumpEntry&)> fn);
  void SizesStats(StatList* out);
  void EnableSizes(StatList* out);
  void DisableSizes(StatList* out);
  void SlabsStats(StatList* out);
  void ItemsStats(StatList* out);
  void SetObserver(MutationObserver* o) { observer_ = o; }
  void SetEvictionListener(EvictionListener* l) { eviction_listener_ = l; }
  void SetCasNodeBit(unsigned bit) { cas_node_bit_.store(bit & 1, std::memory_order_relaxed); }
  ApplyResult ApplyReplicated(const Mutation& m);
  ApplyResult ApplyStore(const Mutation& m);
  void ApplyStores(std::span<const Mutation> ms, std::span<ApplyResult> results);
  bool SnapshotStep(uint64_t* cursor, size_t budget, size_t byte_budget,
                    absl::FunctionRef<void(const ItemView&)> fn,
                    absl::FunctionRef<void(std::string_view, uint64_t)> tombstone_fn);
  void TombstoneStats(StatList* out);
  bool HoldsNothing();
  uint64_t ItemCount() const { return curr_items_.load(std::memory_order_relaxed); }
  void ReserveForItems(uint64_t items);
  void ForEachFlush(absl::FunctionRef<void(uint64_t version, int64_t delay_ms, int64_t due_ms)> fn) const {
    flush_marks_.ForEach([&](const FlushMarks::Mark& m) { fn(m.version, m.delay_ms, m.due_ms); });
  }
  int64_t WallClockMs() const { return clock_->WallMs(); }
  void SetPeerClockOffset(int64_t ms) { peer_offset_ms_.store(ms, std::memory_order_relaxed); }
  int64_t max_skew_ms() const { return opts_.max_skew_ms; }
  // Warm restart (engine_warm.cc).
  void SaveWarm(WarmState* state);
  absl::StatusOr<size_t> RestoreWarm(const WarmState& state, RelTime now);
  void SaveConvergence(WarmState* state);
  void RestoreConvergence(const WarmState& state);
  // Slab page moves (engine_rebalance.cc).
  ReassignOutcome SlabsReassign(int src, int dst);
  bool RebalanceStep();
  void WaitForRebalanceWork(int timeout_ms);
  void SlabClassSamples(std::vector<SlabClassSample>* out, bool* limit_reached);
  void SetSegmentedLru(bool on) { segmented_.store(on, std::memory_order_relaxed); }
  bool segmented() const { return segmented_.load(std::memory_order_relaxed); }
  void SetLruTuning(const Lru::Tuning& t) {
    hot_pct_.store(t.hot_pct, std::memory_order_relaxed);
    warm_pct_.store(t.warm_pct, std::memory_order_relaxed);
    hot_factor_.store(t.hot_max_factor, std::memory_order_relaxed);
    warm_factor_.store(t.warm_max_factor, std::memory_order_relaxed);
  }
  Lru::Tuning tuning() const {
    return {hot_pct_.load(std::memory_order_relaxed), warm_pct_.load(std::memory_order_relaxed),
            hot_factor_.load(std::memory_order_relaxed), warm_factor_.load(std::memory_order_relaxed)};
  }
  // Meta protocol (see engine.h).
  bool MetaGet(std::string_view key, const MetaGetOptions& o,
               absl::FunctionRef<void(MetaItem&, bool)> fn, WriteReceipt* receipt);
  MetaDeleteOutcome MetaDelete(std::string_view key, const MetaDeleteOptions& o,
                               WriteReceipt* receipt);

 private:
  // ---- shared helpers ---------------------------------------------------
  // Private members rather than namespace-scope names, so every file of
  // the engine sees them without putting them in the storage namespace.

  // Per-class operation counters for `stats slabs` / `stats items`, sharded by
  // segment so concurrent gets on one class do not fight over a cache line.
  enum Op : int {
    kCmdSet,
    kDeleteHits,
    kIncrHits,
    kDecrHits,
    kCasHits,
    kCasBadval,
    kTouchHits,
    kHitsToHot,
    kHitsToWarm,
    kHitsToCold,
    kGetExpired,  // global, kept in class 0
    kGetFlushed,  // global, kept in class 0
    kOpCount
  };
  static constexpr size_t kOpShards = 16;
  static constexpr int kMaxRescues = 256;  // ACTIVE items moved to WARM per eviction
  static constexpr int kMaintainerSteps = 100;  // LRU moves per class per CrawlStep

  struct alignas(64) OpShard {
    std::array<std::array<std::atomic<uint64_t>, kOpCount>, SizeClasses::kMaxClasses + 1> v{};
  };

  static size_t MemcachedTotal(size_t nkey, size_t nbytes, uint32_t flags, bool use_cas) {
    return MemcachedSizes::Total(nkey, nbytes, flags, use_cas);
  }

  uint64_t WallMs() const { return static_cast<uint64_t>(clock_->WallMs()); }

  class Ref;
  class MetaRef;
  // incr/decr of a live item; *result receives the item now holding the
  // value (it, or its replacement).
  ArithResult ArithLocked(HashTable::Segment& seg, uint32_t hash, std::string_view key, Item* it,
                          bool incr, uint64_t delta, Item** result, WriteReceipt* receipt)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu());

  // A peer's store in two halves (engine_replication.cc): the checks and a
  // filled item, outside any lock; then, under the segment lock, the
  // version check against the local item and the link. *it is null unless
  // the first half returned kApplied.
  ApplyResult PrepareStore(const Mutation& m, Item** it);
  ApplyResult CommitStore(const Mutation& m, uint32_t hash, Item* it);

  // ---- allocation -------------------------------------------------------
  void* AllocChunk(int id);
  // *busy is set when a candidate was skipped because its segment was locked.
  bool EvictOne(int id, bool* busy);
  // The LRU maintainer's reclaim: dead items off one list's tail, at most
  // `budget`; counted as `reclaimed` (engine_crawler.cc).
  size_t ReclaimTail(int id, LruId list, RelTime now, size_t budget);
  Item* AllocItem(std::string_view key, size_t nbytes, uint32_t flags, RelTime exptime);
  void FreeItem(Item* it);
  // Copies src into the item's value starting at byte `offset`.
  void WriteValue(Item* it, size_t offset, std::string_view src);
  void AppendValue(const Item* it, std::string* out) const;
  // Calls fn(piece) for each contiguous piece of the value.
  template <typename Fn>
  void ForEachPiece(const Item* it, Fn&& fn) const;

  // ---- linking (segment lock held) ---------------------------------------
  void LinkLocked(HashTable::Segment& seg, Item* it, uint32_t hash)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu());
  // A dead or evicted item taken off an LRU tail (the LRU lock `lc` and the
  // item's segment lock held): its version raises the floor, and it leaves
  // the table, the list and the counts. The eviction pass and the crawler's
  // tail reclaim share it.
  void DropFromTailLocked(HashTable::Segment& seg, Lru::Class& lc, Item* it, uint32_t hash);
  void UnlinkLocked(HashTable::Segment& seg, Item* it, uint32_t hash)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu());
  void ReplaceLocked(HashTable::Segment& seg, Item* old_it, Item* new_it, uint32_t hash)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu());
  // Lookup with lazy expiry / flush reclaim (counts get_expired/get_flushed).
  Item* FindLiveLocked(HashTable::Segment& seg, uint32_t hash, std::string_view key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu());
  void BumpLocked(HashTable::Segment& seg, Item* it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu());
  // Tell the observer (if any) of a change; the receipt (if any) records
  // where the change's record ends in the stream.
  void NotifyStoreLocked(HashTable::Segment& seg, const Item* it, WriteReceipt* receipt)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu());
  // A touch: the new expiry of the value stamped with the item's version
  // (a touch keeps the version: it is the value's, engine_replication.cc).
  void NotifyTouchLocked(HashTable::Segment& seg, const Item* it, WriteReceipt* receipt)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu());
  // A local delete on a replicating node also leaves a tombstone (tombstones.h).
  void NotifyDeleteLocked(HashTable::Segment& seg, uint32_t hash, std::string_view key,
                          WriteReceipt* receipt) ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu()) {
    if (observer_ == nullptr) return;
    Mutation m{};
    m.kind = Mutation::Kind::kDelete;
    m.key = key;
    m.version = NextVersion();
    m.origin_ms = clock_->WallMs();
    TombstonesLocked(seg, hash).Record(key, m.version, WallMs());
    Receive(receipt, observer_->OnMutation(m));
  }
  // The tombstones of the segment `hash` falls in; guarded by that segment's lock.
  TombstoneSet& TombstonesLocked(HashTable::Segment& seg, uint32_t hash)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu()) {
    (void)seg;
    return tombstones_[hash >> (32 - HashTable::kSegmentBits)];
  }

  // The LRU (and stats) class: chunked items count in the largest class.
  int LruClass(const Item* it) const {
    return it->has(Item::kChunked) ? classes_.count() : it->class_id();
  }
  // The HLC runs on the later of the two clocks of the pair (this one and
  // the peer's, as measured, up to --repl-max-skew-ms ahead), so versions
  // stamped on either node order the way the writes happened.
  uint64_t NextVersion() { return hlc_.Now(VersionClockMs()); }
  // The milliseconds versions are stamped on: the later of this node's
  // clock and the peer's, up to --repl-max-skew-ms ahead.
  uint64_t VersionClockMs() const {
    const int64_t ahead = std::clamp<int64_t>(peer_offset_ms_.load(std::memory_order_relaxed), 0,
                                              opts_.max_skew_ms);
    return WallMs() + static_cast<uint64_t>(ahead);
  }
  // Returns once the version clock has left `version`'s millisecond (at
  // most a few ms): see FlushAll.
  void WaitOutMillisecondOf(uint64_t version) const;
  // Folds a peer's version into the HLC, at most --repl-max-skew-ms ahead
  // of the wall clock; true when it was further ahead (version.h).
  bool ObservePeer(uint64_t version) {
    return hlc_.Observe(version, Hlc::Make(WallMs() + static_cast<uint64_t>(opts_.max_skew_ms), Hlc::kLogicalMask));
  }
  // An item (or a tombstone) of `hash`'s slot is gone: remember its version
  // (version_floor.h). Only a replicating node needs it; the test is cheap.
  void ForgetLocked(HashTable::Segment& seg, uint32_t hash, uint64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu()) {
    (void)seg;
    floor_.Raise(hash, version);
  }
  // CAS. A single node counts 1, 2, 3... as memcached does (the
  // differential tests compare exact values). A replicating node makes the
  // CAS from a fresh hybrid-clock tick and its node bit, (hlc << 1) | bit:
  // unique across the pair (the bit differs, and each node's clock never
  // repeats) and still increasing, since the clock folds in every version
  // the peer sends. The clock needs 57 bits until the year 6000, so the
  // token stays a memcached-compatible 64-bit number.
  uint64_t NextCas() {
    if (!opts_.use_cas) return 0;
    if (opts_.cas_from_version) {
      return (NextVersion() << 1) | cas_node_bit_.load(std::memory_order_relaxed);
    }
    return cas_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  // A replicated item keeps its origin's CAS (so `gets` on one node and `cas`
  // on the other works); the local counter moves past it so later local CAS
  // values stay above every value this node has handed out.
  // Equal versions (both nodes wrote the key in the same HLC tick): both
  // nodes must keep the same item, so the tie goes to the larger (cas, flags,
  // value), an order on content that both sides see alike.
  bool TieWins(const Item* old, const Mutation& m) const {
    const uint64_t old_cas = layout_.cas(old);
    if (m.cas != old_cas) return m.cas > old_cas;
    if (m.flags != old->flags) return m.flags > old->flags;
    std::string value;
    AppendValue(old, &value);
    return m.value > std::string_view(value);
  }
  uint64_t AdoptCas(uint64_t cas) {
    if (!opts_.use_cas) return 0;
    if (cas == 0) return NextCas();
    if (opts_.cas_from_version) {
      hlc_.Observe(cas >> 1);  // later local tokens order after it
      return cas;
    }
    uint64_t cur = cas_.load(std::memory_order_relaxed);
    while (cur < cas && !cas_.compare_exchange_weak(cur, cas, std::memory_order_relaxed)) {
    }
    return cas;
  }
  bool TooLarge(size_t nkey, size_t nbytes, uint32_t flags) const {
    return MemcachedTotal(nkey, nbytes, flags, opts_.use_cas) > opts_.item_size_max;
  }
  // memcached chunks an item whose ITEM_ntotal exceeds slab_chunk_max.
  bool Chunked(size_t nkey, size_t nbytes, uint32_t flags) const {
    return MemcachedTotal(nkey, nbytes, flags, opts_.use_cas) > classes_.largest();
  }
  // flush_all: by local store time and CAS (memcached's rule), or on a
  // replicating node by version only (flush_mark.h): store times and CAS
  // values are not shared by the pair, versions are.
  bool Flushed(const Item* it, RelTime now) const {
    if (observer_ == nullptr) return expiry_.IsFlushed(it, layout_.cas(it), now);
    return flush_marks_.Covers(layout_.version(it), [this] { return clock_->WallMs(); });
  }
  // A flush's delay as memcached reads it (relative seconds, or an
  // absolute unix time past 30 days), in ms after now_ms; 0: at once.
  static int64_t FlushDelayMs(int64_t delay, int64_t now_ms) {
    if (delay <= 0) return 0;
    if (delay <= Expiry::kMaxRelative) return delay * 1000;
    return std::max<int64_t>(0, delay * 1000 - now_ms);
  }
  bool Dead(const Item* it, RelTime now) const { return Expiry::IsExpired(it, now) || Flushed(it, now); }
  void Count(uint32_t hash, int cls, Op op) {
    shards_[(hash >> 24) % kOpShards].v[static_cast<size_t>(cls)][op].fetch_add(
        1, std::memory_order_relaxed);
  }
  uint64_t Sum(int cls, Op op) const {
    uint64_t n = 0;
    for (size_t s = 0; s < kOpShards; ++s)
      n += shards_[s].v[static_cast<size_t>(cls)][op].load(std::memory_order_relaxed);
    return n;
  }
  void DeleteExisting(std::string_view key, uint32_t hash, WriteReceipt* receipt);
  static void Receive(WriteReceipt* receipt, uint64_t stream_end) {
    if (receipt != nullptr) receipt->stream_end = stream_end;
  }

  const EngineOptions opts_;
  const Clock* clock_;
  const ItemLayout layout_;
  const SizeClasses classes_;
  EvictionListener* eviction_listener_ = nullptr;  // `watch evictions`; set before serving
  SlabAllocator slabs_;
  HashTable table_;
  Lru lru_;
  Expiry expiry_;
  std::unique_ptr<OpShard[]> shards_;
  std::unique_ptr<TombstoneSet[]> tombstones_;  // one per hash-table segment, under its lock
  MutationObserver* observer_ = nullptr;
  HlcClock hlc_;
  FlushMarks flush_marks_;  // recorded only on a replicating node
  VersionFloor floor_;      // raised only on a replicating node
  std::atomic<int64_t> peer_offset_ms_{0};  // the peer's wall clock minus ours

  std::atomic<uint64_t> cas_{0};
  std::atomic<unsigned> cas_node_bit_{0};  // cas_from_version: this node's place in the pair
  std::atomic<uint64_t> curr_items_{0};
  std::atomic<uint64_t> total_items_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> lrutail_reflocked_{0};
  std::atomic<uint64_t> crawler_items_checked_{0};

  // `stats sizes` histogram (memcached item_stats_sizes_*): only touched
  // when enabled, so the flag is checked before the lock.
  void SizesAdd(const Item* it, int delta);
  std::atomic<bool> sizes_on_{false};
  absl::Mutex sizes_mu_;
  std::unique_ptr<uint32_t[]> sizes_hist_ ABSL_GUARDED_BY(sizes_mu_);
  size_t sizes_buckets_ ABSL_GUARDED_BY(sizes_mu_) = 0;
  uint64_t sizes_cas_min_ ABSL_GUARDED_BY(sizes_mu_) = 0;

  // ---- slab page moves (engine_rebalance.cc) ----------------------------
  // Evicts every item whose header or chain chunk lies in the moving page;
  // returns how many chunks are still in use afterwards.
  size_t EmptyMovingPage();
  // Copies the key out of a chunk of the moving page without its lock;
  // returns its length, 0 if the chunk cannot hold a key (engine_rebalance.cc).
  size_t ReadKeyUnlocked(const char* chunk, size_t room, char* key) const;
  // The item at `it`, if it is still linked under `key`, is rescued into
  // another chunk of its class (when `rescue` and one is free) or unlinked.
  void EvictForMove(Item* it, std::string_view key, bool rescue);
  bool RescueLocked(HashTable::Segment& seg, Item* it, uint32_t hash)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seg.mu());

  std::atomic<bool> segmented_;  // -o modern / `lru mode`
  std::atomic<int> hot_pct_{20};  // -o / `lru tune` (Lru::Tuning)
  std::atomic<int> warm_pct_{40};
  std::atomic<double> hot_factor_{0.2};
  std::atomic<double> warm_factor_{2.0};
  absl::Mutex reassign_mu_;      // the queued request (taken alone)
  absl::CondVar reassign_cv_;
  bool reassign_queued_ ABSL_GUARDED_BY(reassign_mu_) = false;
  int reassign_src_ ABSL_GUARDED_BY(reassign_mu_) = 0;
  int reassign_dst_ ABSL_GUARDED_BY(reassign_mu_) = 0;
  int reassign_any_cursor_ ABSL_GUARDED_BY(reassign_mu_) = 0;
  absl::Mutex move_mu_;          // the rebalancer's own state (one mover at a time)
  bool moving_ ABSL_GUARDED_BY(move_mu_) = false;
  SlabAllocator::PageMove move_ ABSL_GUARDED_BY(move_mu_);
  std::atomic<bool> reassign_running_{false};
  std::atomic<uint64_t> slabs_moved_{0};
  std::atomic<uint64_t> reassign_evictions_nomem_{0};
  std::atomic<uint64_t> reassign_rescues_{0};
  std::atomic<uint64_t> reassign_busy_items_{0};

  absl::Mutex crawl_mu_;
  size_t crawl_segment_ ABSL_GUARDED_BY(crawl_mu_) = 0;
  size_t crawl_bucket_ ABSL_GUARDED_BY(crawl_mu_) = 0;
};

// ===========================================================================
// ItemView over a locked item
// ===========================================================================

class Engine::Impl::Ref final : public ItemView {
 public:
  Ref(const Impl* impl, const Item* it, RelTime now, bool fetched_before, RelTime last_access)
      : impl_(impl), it_(it), now_(now), fetched_before_(fetched_before),
        last_access_(last_access) {}
  std::string_view key() const override { return impl_->layout_.key_view(it_); }
  uint32_t flags() const override { return it_->flags; }
  uint64_t cas() const override { return impl_->layout_.cas(it_); }
  size_t value_size() const override { return it_->nbytes; }
  void AppendValueTo(std::string* out) const override { impl_->AppendValue(it_, out); }
  int64_t ttl_remaining() const override { return impl_->expiry_.Remaining(it_->exptime, now_); }
  uint32_t seconds_since_access() const override {
    return now_ > last_access_ ? now_ - last_access_ : 0;
  }
  bool fetched_before() const override { return fetched_before_; }
  bool contiguous_value(std::string_view* out) const override {
    if (it_->has(Item::kChunked)) return false;
    *out = std::string_view(impl_->layout_.value(it_), it_->nbytes);
    return true;
  }
  uint64_t version() const override { return impl_->layout_.version(it_); }
  int class_id() const override { return impl_->LruClass(it_); }
  int64_t expires_at() const override { return impl_->expiry_.ToUnix(it_->exptime); }

 private:
  const Impl* impl_;
  const Item* it_;
  RelTime now_;
  bool fetched_before_;
  RelTime last_access_;
};

// Shared by engine_alloc.cc (AppendValue) and engine.cc (append/prepend),
// so the template body lives here.
template <typename Fn>
void Engine::Impl::ForEachPiece(const Item* it, Fn&& fn) const {
  if (!it->has(Item::kChunked)) {
    fn(std::string_view(layout_.value(it), it->nbytes));
    return;
  }
  for (const Chunk* c = layout_.first_chunk(it); c != nullptr; c = c->next) {
    fn(std::string_view(c->data(), c->used));
  }
}

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_ENGINE_IMPL_H_
