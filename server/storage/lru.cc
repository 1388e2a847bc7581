// Lru: see lru.h.
#include "server/storage/lru.h"

#include <algorithm>

namespace tandem::server::storage {

void Lru::Class::PushHeadLocked(Item* it, LruId id) {
  const int i = static_cast<int>(id);
  it->set_lru(id);
  it->prev = nullptr;
  it->next = head_[i];
  if (head_[i] != nullptr) head_[i]->prev = it;
  head_[i] = it;
  if (tail_[i] == nullptr) tail_[i] = it;
  ++count_[i];
}

void Lru::Class::LinkLocked(Item* it, bool segmented, RelTime now) {
  PushHeadLocked(it, segmented ? LruId::kHot : LruId::kCold);
  // One step per link keeps HOT and WARM within their shares: each link adds
  // one item and a step can move one out of each. Every step touches tail
  // items (cache misses), so no more than needed.
  if (segmented) JuggleLocked(1, now);
}

void Lru::Class::UnlinkLocked(Item* it) {
  const int i = static_cast<int>(it->lru());
  if (it->prev != nullptr) {
    it->prev->next = it->next;
  } else {
    head_[i] = it->next;
  }
  if (it->next != nullptr) {
    it->next->prev = it->prev;
  } else {
    tail_[i] = it->prev;
  }
  it->prev = it->next = nullptr;
  it->set_lru(LruId::kNone);
  --count_[i];
}

void Lru::Class::MoveLocked(Item* it, LruId to) {
  UnlinkLocked(it);
  PushHeadLocked(it, to);
}

int Lru::Class::JuggleLocked(int steps, RelTime now) {
  // Shares are of the items the class holds now, as memcached's are of its
  // item bytes: a lone new item goes straight to COLD, where `stats
  // cachedump` (which lists COLD) shows it.
  const size_t base = total();
  const Item* cold_tail = tail(LruId::kCold);
  const RelTime cold_age =
      cold_tail != nullptr ? now - std::min(now, cold_tail->time.load(std::memory_order_relaxed)) : 0;
  const auto hot_max_age = static_cast<RelTime>(cold_age * kHotMaxFactor);
  const auto warm_max_age = static_cast<RelTime>(cold_age * kWarmMaxFactor);
  auto age = [now](const Item* it) {
    const RelTime t = it->time.load(std::memory_order_relaxed);
    return now > t ? now - t : 0;
  };
  int moves = 0;
  for (int s = 0; s < steps; ++s) {
    bool moved = false;
    if (Item* it = tail(LruId::kHot)) {
      if (it->has(Item::kActive)) {
        it->clear(Item::kActive);
        MoveLocked(it, LruId::kWarm);
        ++counters_.moves_to_warm;
        moved = true;
      } else if (count(LruId::kHot) * 100 > base * kHotPct || age(it) > hot_max_age) {
        MoveLocked(it, LruId::kCold);
        ++counters_.moves_to_cold;
        moved = true;
      }
    }
    if (Item* it = tail(LruId::kWarm)) {
      if (it->has(Item::kActive)) {
        it->clear(Item::kActive);
        MoveLocked(it, LruId::kWarm);
        ++counters_.moves_within_lru;
        moved = true;
      } else if (count(LruId::kWarm) * 100 > base * kWarmPct || age(it) > warm_max_age) {
        MoveLocked(it, LruId::kCold);
        ++counters_.moves_to_cold;
        moved = true;
      }
    }
    if (!moved) break;
    ++moves;
  }
  return moves;
}

bool Lru::Class::ForceToColdLocked() {
  for (LruId id : {LruId::kHot, LruId::kWarm}) {
    if (Item* it = tail(id)) {
      MoveLocked(it, LruId::kCold);
      ++counters_.moves_to_cold;
      return true;
    }
  }
  return false;
}

}  // namespace tandem::server::storage
