// SlabAutomove (see slab_automove.h): memcached 1.6's window algorithm,
// written from its description. Ages are averaged over the whole window
// (slots not yet filled count as 0, as in memcached, which is why nothing
// moves between classes before the window has filled once).
#include "server/storage/slab_automove.h"

#include <algorithm>

namespace tandem::server::storage {
namespace {

constexpr uint64_t kMinPagesForSource = 2;   // a source keeps more than this
constexpr double kMinPagesForReclaim = 2.5;  // free pages before one goes to the pool

}  // namespace

SlabAutomove::SlabAutomove(int window, double ratio)
    : window_(static_cast<size_t>(std::max(window, 1))), ratio_(ratio) {}

SlabAutomove::Move SlabAutomove::Run(const std::vector<SlabClassSample>& now, bool limit_reached) {
  Move move;
  if (before_.size() != now.size()) {  // first run (or the table changed): baseline only
    before_ = now;
    slots_.assign(now.size(), std::vector<Slot>(window_));
    return move;
  }
  uint64_t evicted_total = 0;
  for (size_t n = 1; n < now.size(); ++n) evicted_total += now[n].evicted - before_[n].evicted;
  ++runs_;
  const size_t cur = runs_ % window_;

  int oldest = -1;
  uint64_t oldest_age = 0;
  int youngest = -1;
  uint64_t youngest_age = UINT64_MAX;
  bool youngest_evicting = false;
  for (size_t n = 1; n < now.size(); ++n) {
    Slot& s = slots_[n][cur];
    s = Slot{};
    const uint64_t evicted = now[n].evicted - before_[n].evicted;
    if (evicted > 0) {
      s.evicted_ratio = static_cast<double>(evicted) / static_cast<double>(evicted_total);
      s.evicted_seen = true;
      s.dirty = true;
    }
    if (now[n].outofmemory > before_[n].outofmemory) s.dirty = true;
    if (now[n].total_pages > before_[n].total_pages) s.dirty = true;
    s.age = now[n].age;

    uint64_t age_sum = 0;
    bool dirty = false;
    double ratio_sum = 0;
    size_t seen = 0;
    for (const Slot& w : slots_[n]) {
      age_sum += w.age;
      dirty = dirty || w.dirty;
      ratio_sum += w.evicted_ratio;
      seen += w.evicted_seen ? 1 : 0;
    }
    const uint64_t age = age_sum / window_;

    if (static_cast<double>(now[n].free_chunks) >
            static_cast<double>(now[n].chunks_per_page) * kMinPagesForReclaim &&
        limit_reached && !dirty) {
      move.src = static_cast<int>(n);
      move.dst = 0;
      before_ = now;
      return move;
    }
    if (age > oldest_age && now[n].total_pages > kMinPagesForSource) {
      oldest = static_cast<int>(n);
      oldest_age = age;
    }
    if (age < youngest_age &&
        (seen > window_ / 2 || ratio_sum / static_cast<double>(window_) > 0.25)) {
      youngest = static_cast<int>(n);
      youngest_age = age;
      youngest_evicting = s.evicted_seen;
    }
  }
  before_ = now;
  if (youngest != -1 && oldest != -1 && runs_ > window_ && youngest_evicting &&
      static_cast<double>(youngest_age) < static_cast<double>(oldest_age) * ratio_) {
    move.src = oldest;
    move.dst = youngest;
  }
  return move;
}

}  // namespace tandem::server::storage
