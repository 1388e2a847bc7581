// Tombstones: keys deleted recently, each with the version (version.h) of
// its delete, so that a replicated store older than the delete (arriving late
// from the peer: in the stream, by a resync or in a full copy) is dropped
// instead of bringing the key back. Only a replicating node keeps them.
//
// A tombstone is invisible to clients: it is not an item, takes no slab
// memory and counts in no memcached stat. It lives until its delete is
// `window_ms` old (measured on the version's clock) or until the set needs
// its room: the set is bounded in bytes and drops the oldest tombstones
// first. The engine keeps one set per hash-table segment, guarded by that
// segment's lock, so the sets need no locking of their own.
//
// Forgetting is never silent: every tombstone the set drops (its window
// ended, the set needed its room, or it arrived already past its window)
// is handed to the forget callback, which raises the engine's version
// floor (version_floor.h) so that the store the delete had beaten still
// cannot come back. Until it is dropped, a tombstone past its window still
// buries older stores (Newest); Find and ForEach show live ones only.
#ifndef TANDEM_SERVER_STORAGE_TOMBSTONES_H_
#define TANDEM_SERVER_STORAGE_TOMBSTONES_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace tandem::server::storage {

class TombstoneSet {
 public:
  // Bytes charged per tombstone on top of its key (two copies: map + queue).
  static constexpr size_t kOverhead = 96;

  TombstoneSet() = default;
  using ForgetFn = std::function<void(std::string_view key, uint64_t version)>;
  void Configure(size_t max_bytes, int64_t window_ms, ForgetFn forget = nullptr) {
    max_bytes_ = max_bytes;
    window_ms_ = window_ms;
    forget_ = std::move(forget);
  }

  // Notes that `key` was deleted at `version`; an older version already
  // noted is replaced, a newer one kept.
  void Record(std::string_view key, uint64_t version, uint64_t now_ms);
  // The version of the live tombstone of `key`, 0 when there is none.
  uint64_t Find(std::string_view key, uint64_t now_ms) const;
  // The version of any delete of `key` still held, live or past its
  // window; 0 when none.
  uint64_t Newest(std::string_view key) const;
  // Forgets `key` (a newer item superseded the tombstone).
  void Erase(std::string_view key);

  // Calls fn(key, version) for every live tombstone (full copy).
  template <typename Fn>
  void ForEach(uint64_t now_ms, Fn&& fn) const {
    for (const auto& [key, version] : by_key_) {
      if (!Expired(version, now_ms)) fn(std::string_view(key), version);
    }
  }

  bool empty() const { return by_key_.empty(); }
  size_t size() const { return by_key_.size(); }
  size_t bytes() const { return bytes_; }
  // Tombstones dropped for room before their window ended.
  uint64_t evicted() const { return evicted_; }

  // Drops expired tombstones from the front, and the oldest while over
  // budget (Record does this itself; stats call it before counting).
  void Prune(uint64_t now_ms);

 private:
  bool Expired(uint64_t version, uint64_t now_ms) const;
  void Forget(std::string_view key, uint64_t version) const {
    if (forget_) forget_(key, version);
  }

  size_t max_bytes_ = 0;
  int64_t window_ms_ = 0;
  ForgetFn forget_;
  absl::flat_hash_map<std::string, uint64_t> by_key_;
  // Every Record in arrival order; an entry whose version no longer matches
  // by_key_ is stale (re-recorded or erased) and only waits to be popped.
  std::deque<std::pair<std::string, uint64_t>> order_;
  size_t bytes_ = 0;
  uint64_t evicted_ = 0;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_TOMBSTONES_H_
