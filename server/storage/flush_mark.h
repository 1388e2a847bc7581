// FlushMarks: every flush_all a replicating node knows of, its own or its
// peer's, as a version threshold (version.h) plus the moment, on this
// node's wall clock, at which it takes effect. An item whose version is
// below the threshold of a mark that has taken effect is flushed.
// memcached's flush (expiry.h) goes by each item's local store time, which
// a copy of the item made on the peer does not share, and by a CAS counter
// the peer does not share either; the version is shared. So a replicated
// flush_all removes on both nodes exactly the writes that came before it
// (not the peer's newer ones), and a store older than the flush arriving
// late (in the stream, a resync or a full copy) stays flushed instead of
// bringing the key back. A replicating node flushes by these marks only.
//
// A mark is (version V, delay_ms, due_ms). Its threshold is V for an
// immediate flush and HLC(physical(V) + delay_ms) for a delayed one (the
// writes up to the moment it takes effect). due_ms is local: the origin
// computes it from its own clock; the peer from the flush's origin time
// translated by the measured clock offset (applier.h), so both apply it at
// the same moment whatever their clocks say.
//
// Marks are kept apart until due: a delayed flush must not hide a later
// immediate one (`flush_all 3600` then `flush_all`), so each pending mark
// waits in a short list, and the effective threshold is the largest of the
// marks that are due. Covers() runs on every lookup of a replicating node:
// one atomic load, plus a clock read and a promotion under the mutex only
// when a pending mark has come due.
#ifndef TANDEM_SERVER_STORAGE_FLUSH_MARK_H_
#define TANDEM_SERVER_STORAGE_FLUSH_MARK_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/version.h"

namespace tandem::server::storage {

class FlushMarks {
 public:
  struct Mark {
    uint64_t version = 0;
    int64_t delay_ms = 0;
    int64_t due_ms = 0;  // local wall clock
  };

  // The threshold of a flush_all stamped `version`, taking effect
  // `delay_ms` after it (<= 0: at once).
  static uint64_t Threshold(uint64_t version, int64_t delay_ms) {
    if (delay_ms <= 0) return version;
    return Hlc::Make(Hlc::PhysicalMs(version) + static_cast<uint64_t>(delay_ms), 0);
  }

  // Notes a flush_all. A mark already known (same version) is ignored.
  void Record(const Mark& mark, int64_t now_ms) {
    absl::MutexLock lock(&mu_);
    if (mark.version == active_.version) return;
    for (const Mark& p : pending_) {
      if (p.version == mark.version) return;
    }
    pending_.push_back(mark);
    PromoteLocked(now_ms);
  }

  // Whether a flush that has taken effect removes an item stamped
  // `item_version`; now_ms() gives the wall clock and is called only while
  // a mark is pending.
  template <typename NowMs>
  bool Covers(uint64_t item_version, NowMs&& now_ms) const {
    const int64_t due = next_due_.load(std::memory_order_acquire);
    if (due != kNever && now_ms() >= due) Promote(now_ms());
    return item_version < threshold_.load(std::memory_order_acquire);
  }

  // Every mark a full copy must pass on: the one in effect (if any) and
  // the pending ones.
  void ForEach(absl::FunctionRef<void(const Mark&)> fn) const {
    absl::MutexLock lock(&mu_);
    if (active_.version != 0) fn(active_);
    for (const Mark& p : pending_) fn(p);
  }

 private:
  static constexpr int64_t kNever = INT64_MAX;

  void Promote(int64_t now_ms) const {
    absl::MutexLock lock(&mu_);
    PromoteLocked(now_ms);
  }

  // Folds the due marks into the threshold; a pending mark whose threshold
  // is already covered is dropped.
  void PromoteLocked(int64_t now_ms) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    uint64_t threshold = threshold_.load(std::memory_order_relaxed);
    std::vector<Mark> keep;
    for (const Mark& p : pending_) {
      const uint64_t t = Threshold(p.version, p.delay_ms);
      if (t <= threshold) continue;
      if (p.due_ms <= now_ms) {
        threshold = t;
        active_ = p;
        continue;
      }
      keep.push_back(p);
    }
    // A mark promoted later in the loop can cover one kept earlier.
    std::erase_if(keep, [&](const Mark& p) { return Threshold(p.version, p.delay_ms) <= threshold; });
    pending_ = std::move(keep);
    int64_t next = kNever;
    for (const Mark& p : pending_) next = std::min(next, p.due_ms);
    threshold_.store(threshold, std::memory_order_release);
    next_due_.store(next, std::memory_order_release);
  }

  mutable absl::Mutex mu_;
  // Promotion happens inside the const Covers, hence mutable.
  mutable Mark active_ ABSL_GUARDED_BY(mu_);
  mutable std::vector<Mark> pending_ ABSL_GUARDED_BY(mu_);
  mutable std::atomic<uint64_t> threshold_{0};
  mutable std::atomic<int64_t> next_due_{kNever};
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_FLUSH_MARK_H_
