// NackLog: the origin side's memory of which of its stream records the
// peer refused (NACK frames: too large for the peer's -I, or no memory).
//
// The link thread adds each NACK's offset (the refused record's end in this
// node's stream) before it takes the ACK that covers it, since the peer
// sends them in that order; a worker whose --repl-sync reply waited for
// that ACK then asks whether any record of its request was refused
// (AnyIn). Offsets only grow within one stream, so the log is a bounded
// queue of the most recent ones: a held reply is released within
// --repl-sync-timeout, long before kCapacity later refusals could push its
// own out. Thread-safe.
#ifndef TANDEM_REPLICATION_NACK_LOG_H_
#define TANDEM_REPLICATION_NACK_LOG_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/synchronization/mutex.h"

namespace tandem::replication {

class NackLog {
 public:
  static constexpr size_t kCapacity = 4096;

  void Add(uint64_t offset);
  // Whether a refused record ends in [first, last].
  bool AnyIn(uint64_t first, uint64_t last) const;

 private:
  std::atomic<bool> any_{false};  // fast path: most pairs never refuse anything
  mutable absl::Mutex mu_;
  std::deque<uint64_t> offsets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_NACK_LOG_H_
