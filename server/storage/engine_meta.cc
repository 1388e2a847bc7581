// The meta-protocol verbs (mg, md, ma; ms is Store's body with `meta` set,
// in engine.cc) and MetaRef, the MetaItem a meta command gets to read and
// change under the item's lock.
//
// A meta verb looks up and locks the item exactly as its text twin does,
// then hands it to the caller's callback, which applies the request's flags
// in the order the client sent them (T sets a new TTL, N the TTL of a
// vivified item, t reads the TTL, and so on) while the segment lock is
// held. In mg the LRU bump and the hit counters come after the callback, so
// the callback sees the item's fetched mark and last access from before
// this request, as the h and l flags require. A callback that changed the
// TTL, or an item that was just vivified, is a write the peer must see: the
// observer gets the whole item (as for a touch: see Impl::Get), with a new
// version when the TTL changed.
#include <charconv>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "server/storage/engine_impl.h"
#include "server/storage/hash_table.h"
#include "server/storage/item.h"

namespace tandem::server::storage {

// ===========================================================================
// MetaItem over a locked item
// ===========================================================================

// A locked item opened by a meta command (MetaItem in engine.h).
class Engine::Impl::MetaRef final : public MetaItem {
 public:
  MetaRef(Impl* impl, Item* it, RelTime now, bool fetched_before, RelTime last_access)
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
  int64_t expires_at() const override { return impl_->expiry_.ToUnix(it_->exptime); }

  uint32_t rel_exptime() const override { return it_->exptime; }
  uint32_t rel_now() const override { return now_; }
  uint32_t rel_last_access() const override { return last_access_; }
  void SetExptime(int64_t exptime) override { it_->exptime = impl_->expiry_.ToRelTime(exptime); }
  bool ExpiresBefore(int64_t exptime) const override {
    return it_->exptime != 0 && it_->exptime < impl_->expiry_.ToRelTime(exptime);
  }
  bool stale() const override { return it_->has(Item::kStale); }
  bool token_sent() const override { return it_->has(Item::kTokenSent); }
  void MarkTokenSent() override { it_->set(Item::kTokenSent); }
  // memcached reports a chunked item in the largest class.
  int class_id() const override { return impl_->LruClass(it_); }
  bool key_binary() const override { return (it_->clsid & Item::kKeyBinary) != 0; }
  size_t total_size() const override {
    return MemcachedTotal(it_->nkey, it_->nbytes, it_->flags, impl_->opts_.use_cas);
  }

 private:
  Impl* impl_;
  Item* it_;
  RelTime now_;
  bool fetched_before_;
  RelTime last_access_;
};

// ===========================================================================
// Meta protocol commands
// ===========================================================================

bool Engine::Impl::MetaGet(std::string_view key, const MetaGetOptions& o,
                           absl::FunctionRef<void(MetaItem&, bool)> fn, WriteReceipt* receipt) {
  const uint32_t hash = HashTable::Hash(key);
  HashTable::Segment& seg = table_.SegmentFor(hash);
  absl::MutexLock lock(&seg.mu());
  Item* it = FindLiveLocked(seg, hash, key);
  bool created = false;
  if (it == nullptr) {
    if (!o.vivify || key.size() > 255) return false;
    // memcached links an empty item with exptime 0; N sets its TTL in fn.
    it = AllocItem(key, 0, 0, 0);
    if (it == nullptr) return false;
    layout_.set_cas(it, NextCas());
    layout_.set_version(it, NextVersion());
    LinkLocked(seg, it, hash);
    created = true;
  }
  const RelTime old_exptime = it->exptime;
  const LruId lru = it->lru();
  MetaRef ref(this, it, clock_->Now(), it->has(Item::kFetched),
              it->time.load(std::memory_order_relaxed));
  fn(ref, created);
  if (o.bump) BumpLocked(seg, it);
  if (o.count) {
    if (o.touch) {
      Count(hash, LruClass(it), kTouchHits);
    } else {
      switch (lru) {
        case LruId::kHot: Count(hash, LruClass(it), kHitsToHot); break;
        case LruId::kWarm: Count(hash, LruClass(it), kHitsToWarm); break;
        case LruId::kCold:
        case LruId::kNone: Count(hash, LruClass(it), kHitsToCold); break;
      }
    }
  }
  if (created) {
    NotifyStoreLocked(seg, it, receipt);
  } else if (it->exptime != old_exptime) {
    NotifyTouchLocked(seg, it, receipt);  // keeps the value's version (engine.cc, Get)
  }
  return true;
}

MetaDeleteOutcome Engine::Impl::MetaDelete(std::string_view key, const MetaDeleteOptions& o,
                                           WriteReceipt* receipt) {
  const uint32_t hash = HashTable::Hash(key);
  HashTable::Segment& seg = table_.SegmentFor(hash);
  absl::MutexLock lock(&seg.mu());
  Item* it = FindLiveLocked(seg, hash, key);
  if (it == nullptr) return MetaDeleteOutcome::kNotFound;
  if (o.has_cas && layout_.cas(it) != o.cas) return MetaDeleteOutcome::kExists;
  if (o.invalidate) {
    // memcached keeps the item: stale, a new CAS, the token free again.
    if (o.has_exptime) it->exptime = expiry_.ToRelTime(o.exptime);
    it->set(Item::kStale);
    it->clear(Item::kTokenSent);
    layout_.set_cas(it, NextCas());
    layout_.set_version(it, NextVersion());
    NotifyStoreLocked(seg, it, receipt);
    return MetaDeleteOutcome::kInvalidated;
  }
  Count(hash, LruClass(it), kDeleteHits);
  UnlinkLocked(seg, it, hash);
  NotifyDeleteLocked(seg, hash, key, receipt);
  return MetaDeleteOutcome::kDeleted;
}

// incr/decr with ma's additions: a CAS to match, and autovivify (a miss
// creates the key holding `initial`, flags 0, exptime 0; N sets its TTL in
// fn). fn sees the resulting item under its lock.
ArithResult Engine::Impl::Arith(std::string_view key, const ArithOptions& o,
                                absl::FunctionRef<void(MetaItem&, bool created)> fn,
                                WriteReceipt* receipt) {
  const uint32_t hash = HashTable::Hash(key);
  HashTable::Segment& seg = table_.SegmentFor(hash);
  absl::MutexLock lock(&seg.mu());
  Item* it = FindLiveLocked(seg, hash, key);
  Item* result = nullptr;
  ArithResult r{ArithOutcome::kOk};
  if (it == nullptr) {
    if (!o.vivify) return {ArithOutcome::kNotFound};
    // memcached adds the initial value as a new item (flags 0, exptime 0;
    // N sets the TTL in fn).
    char buf[24];
    const size_t len =
        static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, o.initial).ptr - buf);
    if (key.size() > 255) return {ArithOutcome::kNotStored};
    result = AllocItem(key, len, 0, 0);
    if (result == nullptr) return {ArithOutcome::kNotStored};
    WriteValue(result, 0, std::string_view(buf, len));
    layout_.set_cas(result, NextCas());
    layout_.set_version(result, NextVersion());
    LinkLocked(seg, result, hash);
    r = {ArithOutcome::kCreated, o.initial};
  } else {
    if (it->nbytes == 0 || Chunked(it->nkey, it->nbytes, it->flags)) {
      return {ArithOutcome::kNonNumeric};
    }
    if (o.cas != 0 && layout_.cas(it) != o.cas) return {ArithOutcome::kExists};
    r = ArithLocked(seg, hash, key, it, o.incr, o.delta, &result, receipt);
    if (r.outcome != ArithOutcome::kOk) return r;
  }
  const RelTime old_exptime = result->exptime;
  MetaRef ref(this, result, clock_->Now(), result->has(Item::kFetched),
              result->time.load(std::memory_order_relaxed));
  fn(ref, r.outcome == ArithOutcome::kCreated);
  if (result->exptime != old_exptime || r.outcome == ArithOutcome::kCreated) {
    layout_.set_version(result, NextVersion());
    NotifyStoreLocked(seg, result, receipt);
  }
  return r;
}

// ===========================================================================
// Engine: the public face forwards to Impl.
// ===========================================================================

bool Engine::MetaGet(std::string_view key, const MetaGetOptions& o,
                     absl::FunctionRef<void(MetaItem&, bool)> fn, WriteReceipt* receipt) {
  return impl_->MetaGet(key, o, fn, receipt);
}
MetaDeleteOutcome Engine::MetaDelete(std::string_view key, const MetaDeleteOptions& o,
                                     WriteReceipt* receipt) {
  return impl_->MetaDelete(key, o, receipt);
}

ArithResult Engine::Arith(std::string_view key, const ArithOptions& o,
                          absl::FunctionRef<void(MetaItem&, bool created)> fn,
                          WriteReceipt* receipt) {
  return impl_->Arith(key, o, fn, receipt);
}

}  // namespace tandem::server::storage
