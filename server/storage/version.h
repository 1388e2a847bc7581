// Version: the hybrid logical clock stamped on every item so two nodes of a
// pair can agree which write is newer (design.md, "Replication in one page").
//
// One uint64: 48 bits of wall-clock milliseconds, 16 bits of logical counter
// for events inside the same millisecond. It orders as a plain integer. The
// node id that breaks ties travels next to it in replication records; the
// item header reserves exactly these 8 bytes (item.h). 0 means "no version".
//
// Bounded observation. Folding in a peer's version is what orders this
// node's later writes after the peer's, but a peer whose clock runs far
// ahead (or a forged version near 2^63) would drag this clock, and through
// it both nodes, into the future for good. Observe therefore advances the
// clock at most to `bound` (the local wall clock plus --repl-max-skew-ms)
// and reports how far ahead the remote version was, for the caller to log.
#ifndef TANDEM_SERVER_STORAGE_VERSION_H_
#define TANDEM_SERVER_STORAGE_VERSION_H_

#include <atomic>
#include <cstdint>

namespace tandem::server::storage {

struct Hlc {
  static constexpr int kLogicalBits = 16;
  static constexpr uint64_t kLogicalMask = (uint64_t{1} << kLogicalBits) - 1;

  static constexpr uint64_t Make(uint64_t physical_ms, uint64_t logical) {
    return (physical_ms << kLogicalBits) | (logical & kLogicalMask);
  }
  static constexpr uint64_t PhysicalMs(uint64_t v) { return v >> kLogicalBits; }
  static constexpr uint64_t Logical(uint64_t v) { return v & kLogicalMask; }
};

// A thread-safe HLC source. Now() never returns the same value twice and
// never goes backwards; Observe() folds in a remote version so later local
// versions order after it.
class HlcClock {
 public:
  // physical_ms: the caller's wall clock in milliseconds.
  uint64_t Now(uint64_t physical_ms) {
    uint64_t candidate = Hlc::Make(physical_ms, 0);
    uint64_t last = last_.load(std::memory_order_relaxed);
    for (;;) {
      uint64_t next = candidate > last ? candidate : last + 1;
      if (last_.compare_exchange_weak(last, next, std::memory_order_relaxed)) return next;
    }
  }
  // Folds in `remote`, but never beyond `bound`; true when remote was
  // beyond it (the clock advanced only to the bound).
  bool Observe(uint64_t remote, uint64_t bound = ~uint64_t{0}) {
    const bool clamped = remote > bound;
    if (clamped) remote = bound;
    uint64_t last = last_.load(std::memory_order_relaxed);
    while (remote > last &&
           !last_.compare_exchange_weak(last, remote, std::memory_order_relaxed)) {
    }
    return clamped;
  }
  uint64_t Last() const { return last_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> last_{0};
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_VERSION_H_
