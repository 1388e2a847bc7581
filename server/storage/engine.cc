// Engine: memcached's item semantics on top of the slab allocator, the
// segmented hash table, the per-class LRUs and the expiry rules.
//
// Lock order (never violated; the reverse direction only ever TryLocks):
//   crawl cursor, or the rebalancer's move_mu_ (engine_rebalance.cc)
//   ->  segment mutex (hash_table.h, "item lock")
//   ->  class LRU mutex (lru.h)  ->  slab class mutex (slab_allocator.h)
// plus two leaf locks taken last and alone: the sizes histogram and the
// slab allocator's page list. Stats take one lock at a time.
// A get takes only its segment mutex: it finds the item, sets FETCHED /
// ACTIVE bits with relaxed atomics and copies the value out inside the
// caller's callback. Nothing is reference counted: an item's memory is
// only freed by a thread holding its segment mutex, and readers hold it.
//
// Allocation happens before the key's segment is locked (set/add/replace/
// cas) or, when the new size depends on the old item (append, prepend, incr
// growing the number), under it. Either way the evictor, which holds a class
// LRU mutex, only TryLocks a victim's segment and skips it when busy (also
// when it is our own segment), as memcached's lru_pull_tail does.
//
// Sizes follow memcached's arithmetic (item.h, MemcachedSizes): the slab
// class, the chunked decision, "too large", `bytes` and mem_requested are
// all computed from memcached's ITEM_ntotal, and our item never needs more
// than that. Chunked items live in the largest class's LRU, as in memcached.
//
// This file holds the engine's construction, linking and unlinking, and the
// storage verbs (get, store, delete, incr/decr, touch, flush_all). The rest
// lives beside it, each on the Impl declared in engine_impl.h: item memory
// and eviction in engine_alloc.cc, the meta protocol in engine_meta.cc,
// replication in engine_replication.cc, stats in engine_stats.cc, the
// background crawler in engine_crawler.cc and slab page moves in
// engine_rebalance.cc.
#include "server/storage/engine.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/storage/engine_impl.h"
#include "server/storage/hash_table.h"
#include "server/storage/item.h"
#include "server/storage/lru.h"
#include "server/storage/mutation.h"
#include "server/storage/mutation_observer.h"

namespace tandem::server::storage {

namespace {

// strtoull as memcached's safe_strtoull applies it to "<value>\r\n": skip
// leading whitespace, optional sign, decimal digits, then the next byte must
// be whitespace or the end (the stored "\r\n"). Overflow and negative
// numbers are non-numeric.
bool ParseCounter(std::string_view s, uint64_t* out) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
  };
  size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    ++i;
  }
  const size_t digits_start = i;
  uint64_t v = 0;
  bool overflow = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) overflow = true;
    v = v * 10 + d;
    ++i;
  }
  if (i == digits_start || overflow) return false;
  if (i < s.size() && !is_space(s[i])) return false;
  if (negative) {
    // strtoull negates in unsigned arithmetic; safe_strtoull then rejects
    // results that are negative as signed ("-5"), so "-0" is 0.
    v = 0 - v;
    if (static_cast<int64_t>(v) < 0) return false;
  }
  *out = v;
  return true;
}

}  // namespace

// ===========================================================================
// Construction
// ===========================================================================

Engine::Impl::Impl(const EngineOptions& o)
    : opts_(o),
      clock_(o.clock),
      layout_(o.use_cas),
      classes_(o.min_item_space, o.growth_factor, o.slab_chunk_max, o.slab_page_size, o.slab_sizes),
      slabs_(classes_, o.memory_limit, o.arena_base, o.arena_size),
      table_(o.hashpower),
      lru_(classes_.count()),
      expiry_(o.clock),
      shards_(new OpShard[kOpShards]),
      tombstones_(new TombstoneSet[HashTable::kSegments]),
      segmented_(o.segmented_lru) {
  SetLruTuning({o.hot_lru_pct, o.warm_lru_pct, o.hot_max_factor, o.warm_max_factor});
  for (size_t i = 0; i < HashTable::kSegments; ++i) {
    // Called under the tombstone's segment lock, which also guards its floor slot.
    tombstones_[i].Configure(o.tombstone_bytes / HashTable::kSegments, o.tombstone_window_ms,
                             [this](std::string_view key, uint64_t version) {
                               floor_.Raise(HashTable::Hash(key), version);
                             });
  }
}

// Note: Debian's Abseil is built with mutex deadlock detection on, which
// costs 25-50% of a get or set (a process-wide spinlock per Lock). The
// process turns it off in server/main.cc; the engine leaves global state
// alone.
Engine::Engine(const EngineOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Engine::~Engine() = default;

// ===========================================================================
// Linking
// ===========================================================================

void Engine::Impl::LinkLocked(HashTable::Segment& seg, Item* it, uint32_t hash) {
  seg.InsertLocked(it, hash, layout_);
  it->set(Item::kLinked);
  const size_t total = MemcachedTotal(it->nkey, it->nbytes, it->flags, opts_.use_cas);
  {
    Lru::Class& lc = lru_.cls(LruClass(it));
    absl::MutexLock lock(&lc.mu());
    lc.LinkLocked(it, segmented(), clock_->Now(), tuning());
    lc.counters().mem_requested += total;
  }
  curr_items_.fetch_add(1, std::memory_order_relaxed);
  total_items_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(total, std::memory_order_relaxed);
  if (sizes_on_.load(std::memory_order_relaxed)) SizesAdd(it, +1);
}

void Engine::Impl::UnlinkLocked(HashTable::Segment& seg, Item* it, uint32_t hash) {
  seg.RemoveLocked(it, hash);
  it->clear(Item::kLinked);
  const size_t total = MemcachedTotal(it->nkey, it->nbytes, it->flags, opts_.use_cas);
  {
    Lru::Class& lc = lru_.cls(LruClass(it));
    absl::MutexLock lock(&lc.mu());
    lc.UnlinkLocked(it);
    lc.counters().mem_requested -= total;
  }
  curr_items_.fetch_sub(1, std::memory_order_relaxed);
  bytes_.fetch_sub(total, std::memory_order_relaxed);
  if (sizes_on_.load(std::memory_order_relaxed)) SizesAdd(it, -1);
  FreeItem(it);
}

void Engine::Impl::DropFromTailLocked(HashTable::Segment& seg, Lru::Class& lc, Item* it, uint32_t hash) {
  const size_t total = MemcachedTotal(it->nkey, it->nbytes, it->flags, opts_.use_cas);
  ForgetLocked(seg, hash, layout_.version(it));  // version_floor.h
  seg.RemoveLocked(it, hash);
  lc.UnlinkLocked(it);
  lc.counters().mem_requested -= total;
  curr_items_.fetch_sub(1, std::memory_order_relaxed);
  bytes_.fetch_sub(total, std::memory_order_relaxed);
  it->clear(Item::kLinked);
  if (sizes_on_.load(std::memory_order_relaxed)) SizesAdd(it, -1);
  FreeItem(it);
}

void Engine::Impl::ReplaceLocked(HashTable::Segment& seg, Item* old_it, Item* new_it,
                                 uint32_t hash) {
  UnlinkLocked(seg, old_it, hash);
  LinkLocked(seg, new_it, hash);
}

Item* Engine::Impl::FindLiveLocked(HashTable::Segment& seg, uint32_t hash,
                                   std::string_view key) {
  Item* it = seg.FindLocked(hash, key, layout_);
  if (it == nullptr) return nullptr;
  const RelTime now = clock_->Now();
  if (Flushed(it, now)) {
    Count(hash, 0, kGetFlushed);
    ForgetLocked(seg, hash, layout_.version(it));
    UnlinkLocked(seg, it, hash);
    return nullptr;
  }
  if (Expiry::IsExpired(it, now)) {
    Count(hash, 0, kGetExpired);
    ForgetLocked(seg, hash, layout_.version(it));
    UnlinkLocked(seg, it, hash);
    return nullptr;
  }
  return it;
}

// memcached do_item_bump: the first read marks FETCHED, later ones ACTIVE.
// Only relaxed bit operations; the LRU lock is never taken here.
void Engine::Impl::BumpLocked(HashTable::Segment&, Item* it) {
  const uint8_t f = it->iflags.load(std::memory_order_relaxed);
  if (f & Item::kActive) return;
  if (!(f & Item::kFetched)) {
    it->set(Item::kFetched);
  } else {
    it->set(Item::kActive);
    it->time.store(clock_->Now(), std::memory_order_relaxed);
  }
}

void Engine::Impl::NotifyStoreLocked(HashTable::Segment&, const Item* it, WriteReceipt* receipt) {
  if (observer_ == nullptr) return;
  Mutation m{};
  m.kind = Mutation::Kind::kStore;
  m.key = layout_.key_view(it);
  m.flags = it->flags;
  m.expires_at = expiry_.ToUnix(it->exptime);
  m.cas = layout_.cas(it);
  m.version = layout_.version(it);
  m.origin_ms = clock_->WallMs();
  if (it->has(Item::kChunked)) {
    thread_local std::string buf;
    buf.clear();
    AppendValue(it, &buf);
    m.value = buf;
  } else {
    m.value = std::string_view(layout_.value(it), it->nbytes);
  }
  Receive(receipt, observer_->OnMutation(m));
}

void Engine::Impl::NotifyTouchLocked(HashTable::Segment&, const Item* it, WriteReceipt* receipt) {
  if (observer_ == nullptr) return;
  Mutation m{};
  m.kind = Mutation::Kind::kTouch;
  m.key = layout_.key_view(it);
  m.expires_at = expiry_.ToUnix(it->exptime);
  m.version = layout_.version(it);
  m.origin_ms = clock_->WallMs();
  Receive(receipt, observer_->OnMutation(m));
}

// ===========================================================================
// Commands
// ===========================================================================

bool Engine::Impl::Get(std::string_view key, const GetOptions& o,
                       absl::FunctionRef<void(const ItemView&)> fn, WriteReceipt* receipt) {
  const uint32_t hash = HashTable::Hash(key);
  HashTable::Segment& seg = table_.SegmentFor(hash);
  absl::MutexLock lock(&seg.mu());
  Item* it = FindLiveLocked(seg, hash, key);
  if (it == nullptr) return false;
  const bool fetched_before = it->has(Item::kFetched);
  const RelTime last_access = it->time.load(std::memory_order_relaxed);
  BumpLocked(seg, it);
  if (o.touch) {
    it->exptime = expiry_.ToRelTime(o.exptime);
    Count(hash, LruClass(it), kTouchHits);
    // A touch keeps the value's version and travels as a touch of that
    // version: the peer applies it only to the same value, so it never
    // brings back a value that a newer write replaced (engine_replication.cc).
    NotifyTouchLocked(seg, it, receipt);
  } else {
    // One counter per hit: the class's get_hits is the sum of the three.
    switch (it->lru()) {
      case LruId::kHot: Count(hash, LruClass(it), kHitsToHot); break;
      case LruId::kWarm: Count(hash, LruClass(it), kHitsToWarm); break;
      case LruId::kCold:
      case LruId::kNone: Count(hash, LruClass(it), kHitsToCold); break;
    }
  }
  fn(Ref(this, it, clock_->Now(), fetched_before, last_access));
  return true;
}

// Multi-get: in groups of kPrefetchBatch keys, first prefetch each key's
// bucket slot, then each chain's head item, then do the real lookups. The
// independent misses of a group are in flight together instead of one after
// another; the two extra lock round trips per key cost far less.
void Engine::Impl::GetMany(std::span<const std::string_view> keys, const GetOptions& o,
                           absl::FunctionRef<void(size_t, const ItemView*)> fn,
                           WriteReceipt* receipt) {
  constexpr size_t kPrefetchBatch = 16;
  uint32_t hashes[kPrefetchBatch];
  for (size_t base = 0; base < keys.size(); base += kPrefetchBatch) {
    const size_t n = std::min(kPrefetchBatch, keys.size() - base);
    if (n > 1) {
      for (size_t i = 0; i < n; ++i) {
        hashes[i] = HashTable::Hash(keys[base + i]);
        HashTable::Segment& seg = table_.SegmentFor(hashes[i]);
        absl::MutexLock lock(&seg.mu());
        seg.PrefetchBucketLocked(hashes[i]);
      }
      for (size_t i = 0; i < n; ++i) {
        HashTable::Segment& seg = table_.SegmentFor(hashes[i]);
        absl::MutexLock lock(&seg.mu());
        seg.PrefetchChainLocked(hashes[i]);
      }
    }
    for (size_t i = 0; i < n; ++i) {
      const size_t index = base + i;
      bool hit = Get(keys[index], o, [&](const ItemView& item) { fn(index, &item); }, receipt);
      if (!hit) fn(index, nullptr);
    }
  }
}

void Engine::Impl::DeleteExisting(std::string_view key, uint32_t hash, WriteReceipt* receipt) {
  HashTable::Segment& seg = table_.SegmentFor(hash);
  absl::MutexLock lock(&seg.mu());
  if (Item* old = FindLiveLocked(seg, hash, key)) {
    UnlinkLocked(seg, old, hash);
    NotifyDeleteLocked(seg, hash, key, receipt);
  }
}

StoreResult Engine::Impl::Store(std::string_view key, std::string_view value,
                                const StoreOptions& o, WriteReceipt* receipt) {
  const StoreMode mode = o.mode;
  const uint32_t flags = o.flags;
  const uint64_t cas_in = o.cas_in;
  const uint32_t hash = HashTable::Hash(key);
  if (key.size() > 255 || TooLarge(key.size(), value.size(), flags)) {
    // memcached drops the old value on a failed set so it cannot go stale
    // (on a failed ms, whatever its mode).
    if (mode == StoreMode::kSet || o.meta) DeleteExisting(key, hash, receipt);
    return {StoreOutcome::kTooLarge};
  }
  const RelTime rel = expiry_.ToRelTime(o.exptime);
  HashTable::Segment& seg = table_.SegmentFor(hash);

  if (mode == StoreMode::kAppend || mode == StoreMode::kPrepend) {
    absl::MutexLock lock(&seg.mu());
    Item* old = FindLiveLocked(seg, hash, key);
    if (old == nullptr) return {StoreOutcome::kNotStored};
    Count(hash, LruClass(old), kCmdSet);
    if (cas_in != 0 && layout_.cas(old) != cas_in) return {StoreOutcome::kExists};
    const size_t total = size_t{old->nbytes} + value.size();
    if (TooLarge(key.size(), total, old->flags)) return {StoreOutcome::kNotStored};
    Item* it = AllocItem(key, total, old->flags, old->exptime);
    if (it == nullptr) return {StoreOutcome::kNotStored};
    size_t offset = 0;
    if (mode == StoreMode::kPrepend) {
      WriteValue(it, 0, value);
      offset = value.size();
    }
    ForEachPiece(old, [&](std::string_view piece) {
      WriteValue(it, offset, piece);
      offset += piece.size();
    });
    if (mode == StoreMode::kAppend) WriteValue(it, offset, value);
    const uint64_t cas = NextCas();
    layout_.set_cas(it, cas);
    layout_.set_version(it, NextVersion());
    ReplaceLocked(seg, old, it, hash);
    NotifyStoreLocked(seg, it, receipt);
    return {StoreOutcome::kStored, cas};
  }

  Item* it = AllocItem(key, value.size(), flags, rel);
  if (it == nullptr) {
    if (mode == StoreMode::kSet || o.meta) DeleteExisting(key, hash, receipt);
    return {StoreOutcome::kOutOfMemory};
  }
  if (o.key_binary) it->clsid |= Item::kKeyBinary;
  WriteValue(it, 0, value);

  StoreResult result{StoreOutcome::kNotStored};
  {
    absl::MutexLock lock(&seg.mu());
    Count(hash, LruClass(it), kCmdSet);
    Item* old = FindLiveLocked(seg, hash, key);
    bool store = false;
    switch (mode) {
      case StoreMode::kSet: store = true; break;
      case StoreMode::kAdd:
        if (old != nullptr) {
          // memcached refreshes the existing item's access time.
          old->time.store(clock_->Now(), std::memory_order_relaxed);
        }
        store = old == nullptr;
        break;
      case StoreMode::kReplace: store = old != nullptr; break;
      case StoreMode::kCas:
        if (old == nullptr) {
          result.outcome = StoreOutcome::kNotFound;
        } else if (o.invalidate && cas_in < layout_.cas(old)) {
          // ms I: an older CAS still stores, but as stale data that keeps
          // the old TTL and any recache token already handed out.
          it->exptime = old->exptime;
          it->set(Item::kStale);
          if (old->has(Item::kTokenSent)) it->set(Item::kTokenSent);
          store = true;
        } else if (cas_in == 0 || layout_.cas(old) != cas_in) {  // 0 never matches, even with -C
          Count(hash, LruClass(old), kCasBadval);
          result.outcome = StoreOutcome::kExists;
        } else {
          Count(hash, LruClass(old), kCasHits);
          store = true;
        }
        break;
      case StoreMode::kAppend:
      case StoreMode::kPrepend: break;  // handled above
    }
    if (store) {
      const uint64_t cas = NextCas();
      layout_.set_cas(it, cas);
      layout_.set_version(it, NextVersion());
      if (old != nullptr) {
        ReplaceLocked(seg, old, it, hash);
      } else {
        LinkLocked(seg, it, hash);
      }
      NotifyStoreLocked(seg, it, receipt);
      return {StoreOutcome::kStored, cas};
    }
  }
  FreeItem(it);
  return result;
}

bool Engine::Impl::Delete(std::string_view key, WriteReceipt* receipt) {
  const uint32_t hash = HashTable::Hash(key);
  HashTable::Segment& seg = table_.SegmentFor(hash);
  absl::MutexLock lock(&seg.mu());
  Item* it = FindLiveLocked(seg, hash, key);
  if (it == nullptr) return false;
  Count(hash, LruClass(it), kDeleteHits);
  UnlinkLocked(seg, it, hash);
  NotifyDeleteLocked(seg, hash, key, receipt);
  return true;
}

// memcached do_add_delta: incr wraps at 2^64, decr stops at 0; a result that
// fits in the old length is written in place and space padded ("10" decr 1
// is "9 "), otherwise a new item replaces the old one. CAS changes either way.
ArithResult Engine::Impl::ArithLocked(HashTable::Segment& seg, uint32_t hash,
                                      std::string_view key, Item* it, bool incr, uint64_t delta,
                                      Item** result, WriteReceipt* receipt) {
  std::string_view current;
  thread_local std::string copy;
  if (it->has(Item::kChunked)) {  // chunked here but not in memcached
    copy.clear();
    AppendValue(it, &copy);
    current = copy;
  } else {
    current = std::string_view(layout_.value(it), it->nbytes);
  }
  uint64_t value;
  if (!ParseCounter(current, &value)) return {ArithOutcome::kNonNumeric};
  if (incr) {
    value += delta;
  } else {
    value = delta > value ? 0 : value - delta;
  }
  Count(hash, LruClass(it), incr ? kIncrHits : kDecrHits);
  char buf[24];
  const size_t len = static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, value).ptr - buf);
  if (len <= it->nbytes) {
    if (!it->has(Item::kChunked)) {
      std::memcpy(layout_.value(it), buf, len);
      std::memset(layout_.value(it) + len, ' ', it->nbytes - len);
    } else {
      std::string padded(buf, len);
      padded.resize(it->nbytes, ' ');
      WriteValue(it, 0, padded);
    }
    layout_.set_cas(it, NextCas());
    layout_.set_version(it, NextVersion());
    it->time.store(clock_->Now(), std::memory_order_relaxed);
    NotifyStoreLocked(seg, it, receipt);
    *result = it;
    return {ArithOutcome::kOk, value};
  }
  Item* fresh = AllocItem(key, len, it->flags, it->exptime);
  if (fresh == nullptr) return {ArithOutcome::kOutOfMemory};
  WriteValue(fresh, 0, std::string_view(buf, len));
  layout_.set_cas(fresh, NextCas());
  layout_.set_version(fresh, NextVersion());
  ReplaceLocked(seg, it, fresh, hash);
  NotifyStoreLocked(seg, fresh, receipt);
  *result = fresh;
  return {ArithOutcome::kOk, value};
}

// A replicating node flushes by version marks alone (flush_mark.h) and
// spends no CAS value: a CAS floor would also hide the peer's newer writes,
// whose CAS values come from the peer's counter.
void Engine::Impl::FlushAll(int64_t delay, WriteReceipt* receipt) {
  if (observer_ == nullptr) {
    expiry_.Flush(delay, opts_.use_cas, [this] { return NextCas(); });
    return;
  }
  Mutation m{};
  m.kind = Mutation::Kind::kFlushAll;
  m.origin_ms = clock_->WallMs();
  m.flush_delay_ms = FlushDelayMs(delay, m.origin_ms);
  m.version = NextVersion();
  flush_marks_.Record({m.version, m.flush_delay_ms, m.origin_ms + m.flush_delay_ms}, m.origin_ms);
  Receive(receipt, observer_->OnMutation(m));
  WaitOutMillisecondOf(m.version);
}

// Versions count milliseconds, so a write the peer stamps in the flush's
// own millisecond, before the flush reaches it, could still order below
// the flush and be removed by it, although the client wrote it after this
// flush was answered. Holding the answer until the clock has left that
// millisecond (commit wait, at most about 1 ms, for a rare command) means a
// write made after the reply, on either node, is newer than the flush
// (with clocks within --repl-max-skew-ms). A version pulled further ahead
// by the peer's clock is not waited out beyond kMaxWait.
void Engine::Impl::WaitOutMillisecondOf(uint64_t version) const {
  constexpr absl::Duration kMaxWait = absl::Milliseconds(3);
  const absl::Time give_up = absl::Now() + kMaxWait;
  while (VersionClockMs() <= Hlc::PhysicalMs(version) && absl::Now() < give_up) {
    absl::SleepFor(absl::Microseconds(100));
  }
}

absl::Status Engine::Impl::SetMemoryLimit(size_t bytes) {
  if (bytes == 0) return absl::InvalidArgumentError("memory limit must be positive");
  // memcached refuses cache_memlimit with -e: the memory file is sized
  // for -m, and a warm restart checks -m against it.
  if (slabs_.arena_base() != nullptr) {
    return absl::FailedPreconditionError("the memory limit is fixed with a memory file");
  }
  slabs_.SetLimit(bytes);
  return absl::OkStatus();
}

// ===========================================================================
// Engine: the public face forwards to Impl.
// ===========================================================================

void Engine::GetMany(std::span<const std::string_view> keys, const GetOptions& o,
                     absl::FunctionRef<void(size_t, const ItemView*)> fn, WriteReceipt* receipt) {
  impl_->GetMany(keys, o, fn, receipt);
}
bool Engine::Get(std::string_view key, const GetOptions& o,
                 absl::FunctionRef<void(const ItemView&)> fn, WriteReceipt* receipt) {
  return impl_->Get(key, o, fn, receipt);
}
StoreResult Engine::Store(std::string_view key, std::string_view value, const StoreOptions& o,
                          WriteReceipt* receipt) {
  return impl_->Store(key, value, o, receipt);
}
bool Engine::Delete(std::string_view key, WriteReceipt* receipt) {
  return impl_->Delete(key, receipt);
}
bool Engine::Touch(std::string_view key, int64_t exptime, WriteReceipt* receipt) {
  return impl_->Get(key, GetOptions{true, exptime}, [](const ItemView&) {}, receipt);
}
void Engine::FlushAll(int64_t delay, WriteReceipt* receipt) { impl_->FlushAll(delay, receipt); }
void Engine::SetCasNodeBit(unsigned bit) { impl_->SetCasNodeBit(bit); }
absl::Status Engine::SetMemoryLimit(size_t bytes) { return impl_->SetMemoryLimit(bytes); }

}  // namespace tandem::server::storage
