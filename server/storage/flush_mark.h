// FlushMark: the latest flush_all a replicating node knows of, its own or
// its peer's, as a version threshold (version.h): an item whose version is
// below the threshold is flushed once the wall clock reaches the threshold's
// time. memcached's flush (expiry.h) goes by each item's local store time,
// which a copy of the item made on the peer does not share; the version
// does. So a replicated flush_all removes on the peer exactly the writes
// that came before it (not the peer's newer ones), and a store older than
// the flush arriving late (in the stream, a resync or a full copy) stays
// flushed instead of bringing the key back.
//
// Reads are one atomic load: Covers() runs on every lookup of a
// replicating node. Record() and Get() are rare and take a mutex.
#ifndef TANDEM_SERVER_STORAGE_FLUSH_MARK_H_
#define TANDEM_SERVER_STORAGE_FLUSH_MARK_H_

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/version.h"

namespace tandem::server::storage {

class FlushMark {
 public:
  // The threshold of a flush_all stamped `version`, taking effect `delay_s`
  // seconds later (0: at once).
  static uint64_t Threshold(uint64_t version, int64_t delay_s) {
    if (delay_s <= 0) return version;
    return Hlc::Make(Hlc::PhysicalMs(version) + static_cast<uint64_t>(delay_s) * 1000, 0);
  }

  // Notes a flush_all; the one with the later threshold is kept.
  void Record(uint64_t version, int64_t delay_s) {
    const uint64_t threshold = Threshold(version, delay_s);
    absl::MutexLock lock(&mu_);
    if (threshold <= threshold_.load(std::memory_order_relaxed)) return;
    version_ = version;
    delay_s_ = delay_s;
    threshold_.store(threshold, std::memory_order_release);
  }

  // Whether the known flush removes an item stamped `item_version`;
  // now_ms() gives the wall clock and is called only for items below the
  // threshold.
  template <typename NowMs>
  bool Covers(uint64_t item_version, NowMs&& now_ms) const {
    const uint64_t threshold = threshold_.load(std::memory_order_acquire);
    return threshold != 0 && item_version < threshold && Hlc::PhysicalMs(threshold) <= now_ms();
  }

  // The flush to pass on in a full copy; false when there has been none.
  bool Get(uint64_t* version, int64_t* delay_s) const {
    absl::MutexLock lock(&mu_);
    if (threshold_.load(std::memory_order_relaxed) == 0) return false;
    *version = version_;
    *delay_s = delay_s_;
    return true;
  }

 private:
  mutable absl::Mutex mu_;
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t delay_s_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> threshold_{0};
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_FLUSH_MARK_H_
