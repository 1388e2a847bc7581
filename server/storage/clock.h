// Clock: the engine's notion of time, in whole seconds since the process
// started (memcached's rel_time_t), plus the wall-clock time it started at.
//
// Item times are stored as 32-bit relative seconds to keep the item header
// small. The real clock is advanced by a once-a-second timer instead of
// calling time() on every request; tests inject a clock they move by hand.
#ifndef TANDEM_SERVER_STORAGE_CLOCK_H_
#define TANDEM_SERVER_STORAGE_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <ctime>

namespace tandem::server::storage {

using RelTime = uint32_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the process started.
  virtual RelTime Now() const = 0;
  // Unix time at which Now() was 0.
  virtual int64_t ProcessStarted() const = 0;
};

// Process clock: Tick() is called by a timer (once a second) and by tests.
// memcached starts its clock 2 seconds in the past so that an item stored in
// the first second with exptime 1 cannot collide with "never expires" (0).
class SystemClock final : public Clock {
 public:
  SystemClock() : started_(static_cast<int64_t>(::time(nullptr)) - 2) { Tick(); }
  RelTime Now() const override { return now_.load(std::memory_order_relaxed); }
  int64_t ProcessStarted() const override { return started_; }
  void Tick() {
    now_.store(static_cast<RelTime>(::time(nullptr) - started_), std::memory_order_relaxed);
  }

 private:
  const int64_t started_;
  std::atomic<RelTime> now_{0};
};

// A clock moved only by hand, for tests of expiry and flush.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t process_started = 1'700'000'000, RelTime now = 2)
      : started_(process_started), now_(now) {}
  RelTime Now() const override { return now_.load(std::memory_order_relaxed); }
  int64_t ProcessStarted() const override { return started_; }
  void Advance(RelTime seconds) { now_.fetch_add(seconds, std::memory_order_relaxed); }
  void Set(RelTime now) { now_.store(now, std::memory_order_relaxed); }

 private:
  const int64_t started_;
  std::atomic<RelTime> now_;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_CLOCK_H_
