// Engine: the storage API the executor (server/executor.h) calls. It owns the slab allocator,
// the hash table, the per-class segmented LRUs and the expiry rules, and it
// is safe to call from every worker thread at once (striped item locks).
//
// Keys and values cross this API as string_views; nothing here knows about
// protocols or sockets. Exptimes arrive exactly as the client sent them and
// are converted by the expiry rules (relative up to 30 days, absolute after,
// negative = already expired).
#ifndef TANDEM_SERVER_STORAGE_ENGINE_H_
#define TANDEM_SERVER_STORAGE_ENGINE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/storage/clock.h"
#include "server/storage/mutation.h"
#include "server/storage/slab_automove.h"
#include "server/storage/write_receipt.h"

namespace tandem::server::storage {

class MutationObserver;
struct WarmState;

// Told of every eviction (memcached's `watch evictions`), under the
// class's LRU lock: OnEviction must only record, never call the engine.
class EvictionListener {
 public:
  virtual ~EvictionListener() = default;
  virtual bool Wants() const = 0;  // cheap: checked before anything is gathered
  // ttl: seconds left, -1 = never; last_access: seconds since.
  virtual void OnEviction(std::string_view key, bool fetched, int64_t ttl, int64_t last_access, int class_id,
                          size_t value_size) = 0;
};

struct EngineOptions {
  size_t memory_limit = 64u << 20;  // -m, bytes of item memory
  double growth_factor = 1.25;      // -f
  size_t min_item_space = 48;       // -n: minimum key+value+flags space
  size_t item_size_max = 1u << 20;  // -I
  size_t slab_page_size = 1u << 20;
  size_t slab_chunk_max = 512u << 10;  // -o slab_chunk_max (default page/2)
  std::vector<uint32_t> slab_sizes;    // -o slab_sizes: explicit chunk sizes instead of -n/-f
  bool evict_to_free = true;        // false with -M
  bool use_cas = true;              // false with -C
  // A replicating node's CAS is derived from the item's hybrid clock
  // (version.h) and this node's place in the pair, so tokens are unique
  // across both nodes (SetCasNodeBit); otherwise memcached's 1, 2, 3...
  bool cas_from_version = false;
  int hashpower = 16;               // -o hashpower: initial 2^n buckets
  bool segmented_lru = true;        // -o modern (default) / no_modern
  // -o hot_lru_pct, warm_lru_pct, hot_max_factor, warm_max_factor.
  int hot_lru_pct = 20;
  int warm_lru_pct = 40;
  double hot_max_factor = 0.2;
  double warm_max_factor = 2.0;
  const Clock* clock = nullptr;     // required
  // Replication's delete tombstones (tombstones.h): kept this long after
  // the delete, in at most this many bytes. Only a node with an observer
  // records them.
  int64_t tombstone_window_ms = 60000;  // --repl-tombstone-ms
  size_t tombstone_bytes = 16u << 20;   // --repl-tombstone-mb
  // How far ahead of this node's wall clock a peer's version may pull the
  // hybrid clock (version.h); --repl-max-skew-ms.
  int64_t max_skew_ms = 1000;
  // -e: item memory comes from this shared mapping (memory_file.h) instead
  // of anonymous memory, so SaveWarm/RestoreWarm can carry items across a
  // restart. Null: anonymous memory.
  char* arena_base = nullptr;
  size_t arena_size = 0;
};

enum class StoreMode : uint8_t { kSet, kAdd, kReplace, kAppend, kPrepend, kCas };

// Normal outcomes of a store; memcached's store_item_type.
enum class StoreOutcome : uint8_t {
  kStored,
  kNotStored,    // add on existing, replace/append/prepend on missing
  kExists,       // cas mismatch
  kNotFound,     // cas on missing
  kTooLarge,     // larger than -I: "SERVER_ERROR object too large for cache"
  kOutOfMemory,  // -M, or nothing evictable: "SERVER_ERROR out of memory storing object"
};

// What applying one of the peer's mutations came to (Engine::ApplyReplicatedResult).
// kSuperseded is a normal outcome (the local item or a delete is newer);
// kTooLarge and kOutOfMemory mean this node could not hold the write at all,
// which the applier reports back to the origin (a NACK, for --repl-sync).
enum class ApplyResult : uint8_t { kApplied, kSuperseded, kTooLarge, kOutOfMemory };

struct StoreResult {
  StoreOutcome outcome;
  uint64_t cas = 0;  // CAS of the stored item when kStored
};

// What a store does beyond writing the value.
struct StoreOptions {
  StoreMode mode = StoreMode::kSet;
  uint32_t flags = 0;
  int64_t exptime = 0;  // as the client sent it
  uint64_t cas_in = 0;  // kCas; append/prepend check it when nonzero
  // The meta protocol's store (ms): a refused store drops the old item
  // whatever the mode (the classic protocols drop it only for kSet).
  bool meta = false;
  // ms I: a kCas whose cas_in is below the item's CAS still stores, marked
  // stale, keeping the old exptime and recache token.
  bool invalidate = false;
  // ms b: the item remembers its key was binary (mg k and me send it base64).
  bool key_binary = false;
};

// Get-family options: gat/gats also set a new exptime.
struct GetOptions {
  bool touch = false;
  int64_t exptime = 0;
};

enum class ArithOutcome : uint8_t {
  kOk,
  kCreated,      // a miss created with `initial` (ArithOptions::vivify)
  kNotFound,
  kExists,       // ArithOptions::cas did not match
  kNonNumeric,   // "CLIENT_ERROR cannot increment or decrement non-numeric value"
  kOutOfMemory,  // "SERVER_ERROR out of memory"
  kNotStored,    // the item to create could not be allocated
};

struct ArithOptions {
  bool incr = true;
  uint64_t delta = 1;
  uint64_t cas = 0;     // nonzero must match (memcached ignores C0)
  bool vivify = false;  // ma N: create with `initial` on a miss
  uint64_t initial = 0;
};

struct ArithResult {
  ArithOutcome outcome;
  uint64_t value = 0;  // the new value (kOk) or the initial one (kCreated)
};

// A read-only look at a stored item, valid only inside the callback that
// receives it (the item's lock is held meanwhile).
class ItemView {
 public:
  virtual std::string_view key() const = 0;
  virtual uint32_t flags() const = 0;
  virtual uint64_t cas() const = 0;
  virtual size_t value_size() const = 0;
  // Appends the value bytes (all chunks, without "\r\n") to *out.
  virtual void AppendValueTo(std::string* out) const = 0;

  // Added for the meta protocol (mg flags t, l, h). Defaults keep fakes
  // that implement only the members above compiling.
  // Seconds until expiry, -1 when the item never expires (mg "t").
  virtual int64_t ttl_remaining() const { return -1; }
  // Seconds since the item was last accessed, before this access (mg "l").
  virtual uint32_t seconds_since_access() const { return 0; }
  // Whether the item had been fetched before this access (mg "h").
  virtual bool fetched_before() const { return false; }
  // The value as one view when it is stored contiguously (not chunked):
  // lets a caller copy it without a std::string; false when chunked.
  virtual bool contiguous_value(std::string_view* out) const {
    (void)out;
    return false;
  }
  // Replication: the item's HLC version (version.h) and its expiry as unix
  // seconds (0 = never).
  virtual uint64_t version() const { return 0; }
  // The item's slab class (its LRU's), for `watch fetchers`' clsid.
  virtual int class_id() const { return 0; }
  virtual int64_t expires_at() const { return 0; }

 protected:
  ~ItemView() = default;
};

// ---- Meta protocol support (added) ---------------------------------------
// An item opened by a meta command with its lock held: readable like an
// ItemView, plus the raw memcached times and the few changes mg/ma make
// flag by flag, in the order the client sent the flags (memcached applies
// `T`, `N` and prints `t` as it walks them, so the order shows in replies).
class MetaItem : public ItemView {
 public:
  // memcached's rel_time_t values: exptime (0 = never), now, last access.
  virtual uint32_t rel_exptime() const = 0;
  virtual uint32_t rel_now() const = 0;
  virtual uint32_t rel_last_access() const = 0;
  // Sets the exptime from a client exptime (relative/absolute/negative).
  virtual void SetExptime(int64_t exptime) = 0;
  // mg R: the item expires (exptime != 0) before the client exptime.
  virtual bool ExpiresBefore(int64_t exptime) const = 0;
  virtual bool stale() const = 0;       // marked by md I / ms I
  virtual bool token_sent() const = 0;  // a W was handed out already
  virtual void MarkTokenSent() = 0;
  // memcached's slab class id and ITEM_ntotal (me cls= size=).
  virtual int class_id() const = 0;
  virtual size_t total_size() const = 0;
  // Stored by `ms ... b` (memcached ITEM_KEY_BINARY): k and me send the
  // key base64-encoded, whatever the request said.
  virtual bool key_binary() const { return false; }

 protected:
  ~MetaItem() = default;
};

struct MetaGetOptions {
  bool bump = true;          // false with mg u: no LRU bump, no fetched mark
  bool touch = false;        // mg T: counted as a touch, not a get
  bool vivify = false;       // mg N: create an empty item on a miss
  bool count = true;         // false for me: no hit/miss counters
};

enum class MetaDeleteOutcome : uint8_t { kDeleted, kInvalidated, kNotFound, kExists };

struct MetaDeleteOptions {
  bool has_cas = false;   // C: only if the CAS matches
  uint64_t cas = 0;
  bool invalidate = false;  // I: mark stale with a new CAS instead of deleting
  bool has_exptime = false;  // T (with I only)
  int64_t exptime = 0;
};


// `slabs reassign` outcomes, memcached's reassign_result_type.
enum class ReassignOutcome : uint8_t {
  kOk,        // the move is queued; the rebalancer carries it out
  kBusy,      // a move is queued or running
  kBadClass,  // src or dst outside 0..SizeClassCount() (or no source found for -1)
  kNoSpare,   // src has fewer than two pages
  kSame,      // src == dst
};

// name/value pairs for the `stats` family; server/stats formats them.
using StatList = std::vector<std::pair<std::string, std::string>>;

class Engine {
 public:
  explicit Engine(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Every call that can change an item takes an optional WriteReceipt,
  // filled with where its replication records end.

  // Calls fn under the item's lock and returns true on a hit. A hit marks the
  // item as fetched and active for the LRU (and with o.touch sets the new
  // exptime).
  bool Get(std::string_view key, const GetOptions& o, absl::FunctionRef<void(const ItemView&)> fn,
           WriteReceipt* receipt = nullptr);
  bool Get(std::string_view key, absl::FunctionRef<void(const ItemView&)> fn) {
    return Get(key, GetOptions{}, fn);
  }
  // Looks up every key in order, calling fn(i, item) for a hit on keys[i]
  // and fn(i, nullptr) for a miss. Same semantics as Get, but the cache
  // misses of several keys overlap.
  void GetMany(std::span<const std::string_view> keys, const GetOptions& o,
               absl::FunctionRef<void(size_t, const ItemView*)> fn, WriteReceipt* receipt = nullptr);

  StoreResult Store(std::string_view key, std::string_view value, const StoreOptions& o,
                    WriteReceipt* receipt = nullptr);
  // The classic store, for callers with nothing more to say.
  StoreResult Store(StoreMode mode, std::string_view key, uint32_t flags, int64_t exptime,
                    std::string_view value, uint64_t cas_in = 0) {
    return Store(key, value, StoreOptions{mode, flags, exptime, cas_in});
  }
  bool Delete(std::string_view key, WriteReceipt* receipt = nullptr);
  // incr/decr (memcached do_add_delta), with ma's CAS check and autovivify;
  // on kOk/kCreated fn runs under the item's lock with the resulting item
  // (ma's c, t, T, N) and whether it was just created.
  ArithResult Arith(std::string_view key, const ArithOptions& o,
                    absl::FunctionRef<void(MetaItem&, bool created)> fn,
                    WriteReceipt* receipt = nullptr);
  ArithResult Arith(std::string_view key, const ArithOptions& o) {
    return Arith(key, o, [](MetaItem&, bool) {});
  }
  bool Touch(std::string_view key, int64_t exptime, WriteReceipt* receipt = nullptr);
  // Invalidates every item stored before now + delay (delay <= 0: now).
  void FlushAll(int64_t delay, WriteReceipt* receipt = nullptr);

  // cache_memlimit: change -m at run time (memcached only grows the pool).
  absl::Status SetMemoryLimit(size_t bytes);

  // One bounded step of the background crawler: reclaims up to `budget`
  // expired or flushed items. Returns how many it reclaimed.
  size_t CrawlStep(size_t budget);

  // `stats` fragments with memcached's field names.
  void GeneralStats(StatList* out) const;  // curr_items total_items bytes evictions ...
  void SlabsStats(StatList* out) const;    // stats slabs
  void ItemsStats(StatList* out) const;    // stats items
  void SizesStats(StatList* out) const;    // stats sizes
  // `stats sizes_enable` / `stats sizes_disable` (and -o track_sizes at
  // start): memcached's histogram of item sizes in 32-byte buckets. Items
  // stored before enabling are not counted (memcached's cas_min rule; with
  // -C enabling fails as in memcached). Each appends the reply's STAT pairs.
  void EnableSizes(StatList* out);
  void DisableSizes(StatList* out);

  // Number of slab classes; valid class ids are 1..SizeClassCount().
  int SizeClassCount() const;

  // ---- Slab page moves (engine_rebalance.cc) ----------------------------
  // `slabs reassign SRC DST`: queues moving one page of class src (-1: any
  // class with a page to spare, round robin; 0: the global page pool) to
  // class dst (0: the pool). Replies as memcached does; the move itself
  // happens in RebalanceStep.
  ReassignOutcome SlabsReassign(int src, int dst);
  // The rebalancer's work: starts the queued move, or goes once more over
  // the page being emptied, evicting what lives there (an item in use by a
  // concurrent request is waited for). True while a move is unfinished
  // (call again soon); false when idle.
  bool RebalanceStep();
  // Blocks until a move is queued or `timeout_ms` passes.
  void WaitForRebalanceWork(int timeout_ms);
  // Per-class samples for the automover (index = class id) and whether all
  // of -m has been malloced.
  void SlabClassSamples(std::vector<SlabClassSample>* out, bool* limit_reached);
  // `lru mode flat|segmented` at run time.
  void SetSegmentedLru(bool on);
  // `lru tune HOT_PCT WARM_PCT HOT_FACTOR WARM_FACTOR` at run time.
  void SetLruTuning(int hot_pct, int warm_pct, double hot_max_factor, double warm_max_factor);

  // `stats reset`: zeroes the engine's counters as memcached does (per-class
  // hits, itemstats such as evictions/reclaimed, total_items, get_expired,
  // get_flushed); gauges (curr_items, bytes, pages) are kept.
  void ResetStats();

  // `stats cachedump <class> <limit>`: the items of one class's COLD list,
  // newest first (as memcached 1.6 walks it), at most `limit` (0 = all).
  // expires_at is unix seconds, 0 = never. False for a class id outside
  // 1..SizeClassCount() ("CLIENT_ERROR Illegal slab id"). Runs under the
  // class's LRU lock: fn must not call back into the engine.
  bool CacheDump(int class_id, unsigned limit,
                 absl::FunctionRef<void(std::string_view key, size_t value_size,
                                        int64_t expires_at)> fn);

  // `lru_crawler metadump`: one entry per live item (expired and flushed
  // ones skipped, as memcached does) whose LRU class is in `classes`
  // (indexed by class id; empty: every class). Walks the hash table one
  // segment lock at a time; fn must not call back into the engine.
  struct DumpEntry {
    std::string_view key;
    int64_t expires_at;     // unix seconds, 0 = never
    int64_t last_access;    // unix seconds
    uint64_t cas;
    bool fetched;
    int class_id;
    size_t total_size;      // memcached's ITEM_ntotal
  };
  void MetaDump(const std::vector<bool>& classes, absl::FunctionRef<void(const DumpEntry&)> fn);
  // The slab class memcached would put an item of these sizes in (chunked
  // items: the largest), for `watch mutations`' clsid.
  int ClassForItem(size_t key_size, size_t value_size, uint32_t flags) const;
  // Set before serving; null: none.
  void SetEvictionListener(EvictionListener* listener);

  // ---- Meta protocol (added) --------------------------------------------
  // mg: looks the key up (creating an empty item with exptime 0 on a miss
  // when o.vivify); fn gets the item under its lock and whether it was just
  // created; the LRU bump (unless !o.bump) comes after fn, so fn sees the
  // fetched mark and last access from before this request. False on a miss.
  bool MetaGet(std::string_view key, const MetaGetOptions& o,
               absl::FunctionRef<void(MetaItem&, bool created)> fn,
               WriteReceipt* receipt = nullptr);
  // md: delete, or with I mark stale (new CAS, token cleared, optional TTL).
  MetaDeleteOutcome MetaDelete(std::string_view key, const MetaDeleteOptions& o,
                               WriteReceipt* receipt = nullptr);

  // Replication hooks in here; may be null. Set before serving.
  void SetObserver(MutationObserver* observer);
  // With cas_from_version: which of the pair's two nodes this is (0 or 1,
  // the order of the node ids), the low bit of every CAS this node hands
  // out. Thread-safe; changing it never makes a token repeat (the clock
  // part moves on).
  void SetCasNodeBit(unsigned bit);

  // ---- Replication support (added; see design.md) ----------------------
  // Every applied local mutation is stamped with a hybrid logical clock
  // version (version.h), kept in the item and passed in Mutation::version.
  //
  // Applies a mutation that originated on the peer when m.version is newer
  // than the local item's version (equal or older: dropped, so both nodes
  // converge). Deletes leave tombstones (tombstones.h): a kDelete is
  // remembered even when the key is absent, and a kStore no newer than a
  // remembered delete is dropped; on equal versions the delete wins, on
  // both nodes. A local delete on a node with an observer leaves one too.
  // kStore uses m.flags,
  // m.expires_at (unix seconds on this node's clock, 0 = never) and m.value;
  // kTouch m.expires_at; kFlushAll m.flush_delay_ms after m.origin_ms (this
  // node's clock): once due it removes the items older than its threshold
  // (flush_mark.h), and later stores older than it are dropped. A store of
  // an absent key no newer than what this node forgot in the key's slot
  // (version_floor.h) is dropped, and the key is deleted on both nodes (the
  // only call that tells the observer: a fresh delete). The peer's version
  // advances the local clock at most max_skew_ms past the wall clock.
  // True if applied.
  bool ApplyReplicated(const Mutation& m);
  // The same, saying why a mutation was not applied.
  ApplyResult ApplyReplicatedResult(const Mutation& m);
  // A run of the peer's stores (every one Mutation::Kind::kStore), applied
  // in order exactly as ApplyReplicatedResult would one by one; results[i]
  // is ms[i]'s (results.size() >= ms.size()). The run's hash-table misses
  // overlap instead of coming one after another: what a full copy's
  // receiver spends most of its time on.
  void ApplyReplicatedStores(std::span<const Mutation> ms, std::span<ApplyResult> results);

  // Full sync: visits live items a few buckets at a time. *cursor starts at
  // 0; returns false once the walk is complete. `budget` bounds the items
  // looked at per call. Growth of the table may show an item twice, never
  // hides one. fn runs under the item's lock (ItemView::version/expires_at).
  bool SnapshotStep(uint64_t* cursor, size_t budget,
                    absl::FunctionRef<void(const ItemView&)> fn);
  // The same, also passing each segment's live tombstones (key, version of
  // the delete) to tombstone_fn once the walk has passed the segment, and
  // also stopping (after the bucket that crossed it) once the live items
  // shown add up to `byte_budget` bytes of key and value, so one call never
  // holds a segment lock over more than about that much data.
  bool SnapshotStep(uint64_t* cursor, size_t budget,
                    absl::FunctionRef<void(const ItemView&)> fn,
                    absl::FunctionRef<void(std::string_view key, uint64_t version)> tombstone_fn,
                    size_t byte_budget = SIZE_MAX);
  // Every flush_all this replicating node knows of that still matters (the
  // one in effect and those still pending, flush_mark.h), for a full copy
  // to pass on: its version, its delay (ms after the version's origin
  // time) and when it takes effect on this node's wall clock.
  void ForEachFlush(
      absl::FunctionRef<void(uint64_t version, int64_t delay_ms, int64_t due_ms)> fn) const;
  // This node's wall clock in ms (clock.h; shifted by --debug-clock-offset-ms).
  int64_t WallMs() const;
  // The peer's wall clock minus ours, as replication measured it; local
  // versions are stamped on the later of the two clocks (up to
  // max_skew_ms ahead).
  void SetPeerClockOffset(int64_t ms);
  int64_t max_skew_ms() const;
  // `stats replication` rows: tombstones, tombstone_bytes, tombstones_evicted.
  void TombstoneStats(StatList* out);
  // No item (live or not yet reclaimed), no tombstone and no flush mark:
  // a full copy from this node would carry nothing. Every write whose
  // observer call returned before this call is seen (each segment's lock
  // is taken in turn). Takes every segment lock once: not for a hot path.
  bool HoldsNothing();
  // Items stored now (curr_items).
  uint64_t ItemCount() const;
  // About `items` are about to arrive at once (a full copy): each empty
  // hash segment gets its buckets up front instead of growing under ever
  // longer chains. Bounded by what -m can hold (one item per 64 bytes).
  void ReserveForItems(uint64_t items);

  // ---- Warm restart (-e; engine_warm.cc) ---------------------------------
  // Fills the engine's part of *state (pages, LRU lists, CAS, flush state).
  // Only with an arena, and only once nothing else calls the engine.
  void SaveWarm(WarmState* state);
  // On a fresh engine (nothing stored yet) whose arena holds the pages
  // `state` describes: checks every page, list and item against the
  // layout first, changing nothing, and returns InvalidArgument saying
  // what did not hold; then takes every item back into the hash table and
  // its LRU list, in its old order, fixing the pointers by how far the
  // mapping moved. Items dead at `now` (the restored clock: expired, or
  // flushed) are freed instead. Returns how many items came back.
  absl::StatusOr<size_t> RestoreWarm(const WarmState& state, RelTime now);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_ENGINE_H_
