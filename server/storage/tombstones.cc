// TombstoneSet (see tombstones.h): a map from key to the newest delete
// version, plus a queue of (key, version) in arrival order that drives
// pruning and the byte bound.
//
// The queue may hold entries the map no longer agrees with: a key deleted
// again gets a second entry (the map keeps the newer version), and Erase (a
// newer replicated store of the key won) removes only the map entry. Prune
// therefore erases a map entry only when the queue entry it pops carries the
// same version, and the bytes of a stale entry stay charged until it reaches
// the front. Pruning pops from the front while the set is over its byte
// budget or the front has expired; deletes arrive roughly in version order,
// so the front is (nearly) always the first to expire. A tombstone that
// expired behind a younger front stays in the map until popped; Find
// treats it as absent, Newest does not (it still buries older stores until
// the forget callback has raised the floor). Tombstones dropped before
// their window ends (for room) are counted as evicted.
#include "server/storage/tombstones.h"

#include "server/storage/version.h"

namespace tandem::server::storage {
namespace {
// Debian's Abseil has its own string_view; the map's heterogeneous lookup wants it.
absl::string_view Key(std::string_view k) { return absl::string_view(k.data(), k.size()); }
}  // namespace

bool TombstoneSet::Expired(uint64_t version, uint64_t now_ms) const {
  const uint64_t at = Hlc::PhysicalMs(version);
  return now_ms > at && now_ms - at >= static_cast<uint64_t>(window_ms_);
}

void TombstoneSet::Record(std::string_view key, uint64_t version, uint64_t now_ms) {
  if (max_bytes_ == 0 || Expired(version, now_ms)) {
    Forget(key, version);
    return;
  }
  auto [it, inserted] = by_key_.try_emplace(Key(key), version);
  if (!inserted) {
    if (it->second >= version) return;
    it->second = version;
  }
  order_.emplace_back(std::string(key), version);
  bytes_ += key.size() + kOverhead;
  Prune(now_ms);
}

uint64_t TombstoneSet::Find(std::string_view key, uint64_t now_ms) const {
  auto it = by_key_.find(Key(key));
  if (it == by_key_.end() || Expired(it->second, now_ms)) return 0;
  return it->second;
}

uint64_t TombstoneSet::Newest(std::string_view key) const {
  auto it = by_key_.find(Key(key));
  return it == by_key_.end() ? 0 : it->second;
}

void TombstoneSet::Erase(std::string_view key) { by_key_.erase(Key(key)); }

void TombstoneSet::Prune(uint64_t now_ms) {
  while (!order_.empty()) {
    const auto& [key, version] = order_.front();
    const bool over = bytes_ > max_bytes_;
    if (!over && !Expired(version, now_ms)) break;
    auto it = by_key_.find(key);
    if (it != by_key_.end() && it->second == version) {
      if (!Expired(version, now_ms)) ++evicted_;
      by_key_.erase(it);
      Forget(key, version);
    }
    bytes_ -= key.size() + kOverhead;
    order_.pop_front();
  }
}

}  // namespace tandem::server::storage
