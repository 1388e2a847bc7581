// Lru (see lru.h): the three intrusive doubly linked lists of a slab class
// and the tail juggling that keeps HOT and WARM within their shares.
//
// JuggleLocked looks at tails only, as memcached's lru_pull_tail does: one
// step moves at most one item out of HOT and one out of WARM, and stops as
// soon as neither tail had to move (so the common call is two tail checks).
// The shares are of the class's current item count, and the age limits are
// multiples of the age of COLD's tail item, read once per call: when COLD
// is empty its age is 0, so any inactive HOT or WARM tail item at least a
// second old flows to COLD. An ACTIVE item at WARM's tail goes back to WARM's
// head with its bit cleared (moves_within_lru); at HOT's tail it is
// promoted to WARM. Reads never come here: they only set ACTIVE (item.h),
// which is why a get needs no LRU lock.
//
// LinkLocked runs one step per new item so the lists stay in shape under a
// pure write load; the crawler runs more steps on an idle server. ForceToCold
// is the allocator's fallback when the COLD tail gave nothing to evict
// (engine_alloc.cc). Every function here needs the class mutex; none takes a
// segment lock.
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

void Lru::Class::LinkLocked(Item* it, bool segmented, RelTime now, const Tuning& tuning) {
  PushHeadLocked(it, segmented ? LruId::kHot : LruId::kCold);
  // One step per link keeps HOT and WARM within their shares: each link adds
  // one item and a step can move one out of each. Every step touches tail
  // items (cache misses), so no more than needed.
  if (segmented) JuggleLocked(1, now, tuning);
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

void Lru::Class::ReplaceLocked(Item* it, Item* copy) {
  const int i = static_cast<int>(it->lru());
  if (copy->prev != nullptr) {
    copy->prev->next = copy;
  } else {
    head_[i] = copy;
  }
  if (copy->next != nullptr) {
    copy->next->prev = copy;
  } else {
    tail_[i] = copy;
  }
}

int Lru::Class::JuggleLocked(int steps, RelTime now, const Tuning& tuning) {
  // Shares are of the items the class holds now, as memcached's are of its
  // item bytes: a lone new item goes straight to COLD, where `stats
  // cachedump` (which lists COLD) shows it.
  const size_t base = total();
  const Item* cold_tail = tail(LruId::kCold);
  const RelTime cold_age =
      cold_tail != nullptr ? now - std::min(now, cold_tail->time.load(std::memory_order_relaxed)) : 0;
  const auto hot_max_age = static_cast<RelTime>(cold_age * tuning.hot_max_factor);
  const auto warm_max_age = static_cast<RelTime>(cold_age * tuning.warm_max_factor);
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
      } else if (count(LruId::kHot) * 100 > base * static_cast<size_t>(tuning.hot_pct) || age(it) > hot_max_age) {
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
      } else if (count(LruId::kWarm) * 100 > base * static_cast<size_t>(tuning.warm_pct) || age(it) > warm_max_age) {
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
