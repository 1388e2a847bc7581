// Expiry: memcached's time rules in one place.
//
//  * exptime 0 never expires; negative is already expired; up to 30 days
//    (2592000 s) is relative to now; larger is an absolute unix time,
//    converted with the process start time, and one at or before the start
//    becomes "expired" (memcached's realtime()).
//  * An item is expired once now >= its exptime; checked lazily on every
//    access and reclaimed by Engine::CrawlStep in the background.
//  * flush_all [delay] sets oldest_live the way memcached 1.6 does: items
//    whose last-access time is <= oldest_live are dead once oldest_live has
//    passed; with CAS on, an immediate flush also records the current CAS
//    counter so items stored later in the same second survive (without CAS
//    they do not: memcached's -C behaviour, kept on purpose).
#ifndef TANDEM_SERVER_STORAGE_EXPIRY_H_
#define TANDEM_SERVER_STORAGE_EXPIRY_H_

#include <atomic>
#include <cstdint>

#include "server/storage/clock.h"
#include "server/storage/item.h"

namespace tandem::server::storage {

class Expiry {
 public:
  static constexpr int64_t kMaxRelative = 60 * 60 * 24 * 30;  // REALTIME_MAXDELTA

  explicit Expiry(const Clock* clock) : clock_(clock) {}

  // Client exptime -> item exptime (memcached realtime() after
  // EXPTIME_TO_POSITIVE_TIME). 0 stays 0 (never).
  RelTime ToRelTime(int64_t exptime) const;
  // Unix seconds (0 = never) from a replication record -> item exptime.
  RelTime FromUnix(int64_t unix_time) const {
    if (unix_time == 0) return 0;
    const int64_t started = clock_->ProcessStarted();
    return unix_time <= started ? 1 : static_cast<RelTime>(unix_time - started);
  }
  // Item exptime -> unix seconds (0 = never), for replication records.
  int64_t ToUnix(RelTime exptime) const {
    return exptime == 0 ? 0 : clock_->ProcessStarted() + static_cast<int64_t>(exptime);
  }
  // Seconds left, -1 for never (meta "t" flag semantics).
  int64_t Remaining(RelTime exptime, RelTime now) const {
    if (exptime == 0) return -1;
    return exptime > now ? static_cast<int64_t>(exptime - now) : 0;
  }

  static bool IsExpired(const Item* it, RelTime now) {
    return it->exptime != 0 && it->exptime <= now;
  }
  bool IsFlushed(const Item* it, uint64_t cas, RelTime now) const {
    const RelTime oldest_live = oldest_live_.load(std::memory_order_acquire);
    if (oldest_live == 0 || oldest_live > now) return false;
    const uint64_t oldest_cas = oldest_cas_.load(std::memory_order_relaxed);
    return it->time.load(std::memory_order_relaxed) <= oldest_live ||
           (oldest_cas != 0 && cas != 0 && cas < oldest_cas);
  }

  // flush_all [delay]. next_cas is called (once) only when CAS is on and the
  // flush takes effect now; memcached spends a CAS id there.
  template <typename NextCas>
  void Flush(int64_t delay, bool use_cas, NextCas&& next_cas) {
    const RelTime now = clock_->Now();
    const RelTime new_oldest = delay > 0 ? ToRelTime(delay) : now;
    if (use_cas) {
      const RelTime oldest_live = new_oldest - 1;
      if (oldest_live <= now) oldest_cas_.store(next_cas(), std::memory_order_relaxed);
      oldest_live_.store(oldest_live, std::memory_order_release);
    } else {
      oldest_live_.store(new_oldest, std::memory_order_release);
    }
  }

  const Clock* clock() const { return clock_; }

  // flush_all state, carried across a warm restart (warm_state.h).
  RelTime oldest_live() const { return oldest_live_.load(std::memory_order_acquire); }
  uint64_t oldest_cas() const { return oldest_cas_.load(std::memory_order_relaxed); }
  void RestoreFlush(RelTime oldest_live, uint64_t oldest_cas) {
    oldest_cas_.store(oldest_cas, std::memory_order_relaxed);
    oldest_live_.store(oldest_live, std::memory_order_release);
  }

 private:
  const Clock* clock_;
  std::atomic<RelTime> oldest_live_{0};
  std::atomic<uint64_t> oldest_cas_{0};
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_EXPIRY_H_
