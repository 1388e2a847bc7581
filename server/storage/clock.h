// Clock: the engine's notion of time, in whole seconds since the process
// started (memcached's rel_time_t), plus the wall-clock time it started at.
//
// Item times are stored as 32-bit relative seconds to keep the item header
// small. The real clock is advanced by a once-a-second timer instead of
// calling time() on every request; tests inject a clock they move by hand.
//
// WallMs() is the wall clock in milliseconds, read on demand: replication
// stamps versions (version.h), tombstones and flush marks with it. The
// system clock can be shifted by a fixed offset (--debug-clock-offset-ms, a
// test-only flag) so integration tests can run a pair whose clocks disagree
// on one machine; the shift applies to both readings alike, as on a host
// whose clock is really off.
#ifndef TANDEM_SERVER_STORAGE_CLOCK_H_
#define TANDEM_SERVER_STORAGE_CLOCK_H_

#include <atomic>
#include <chrono>
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
  // The wall clock, unix milliseconds.
  virtual int64_t WallMs() const { return SystemWallMs(); }

  static int64_t SystemWallMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// Process clock: Tick() is called by a timer (once a second) and by tests.
// memcached starts its clock 2 seconds in the past so that an item stored in
// the first second with exptime 1 cannot collide with "never expires" (0).
class SystemClock final : public Clock {
 public:
  explicit SystemClock(int64_t offset_ms = 0)
      : offset_ms_(offset_ms), started_(UnixNow() - 2) {
    Tick();
  }
  RelTime Now() const override { return now_.load(std::memory_order_relaxed); }
  int64_t ProcessStarted() const override { return started_.load(std::memory_order_relaxed); }
  int64_t WallMs() const override { return SystemWallMs() + offset_ms_; }
  void Tick() {
    now_.store(static_cast<RelTime>(UnixNow() - ProcessStarted()), std::memory_order_relaxed);
  }
  // Warm restart (server/warm_restart.h): carry on the clock of the process
  // that saved the items, so their stored times keep their meaning. Only
  // before serving starts; `started` must not be in the future.
  void ResumeFrom(int64_t started) {
    started_.store(started, std::memory_order_relaxed);
    Tick();
  }

 private:
  int64_t UnixNow() const { return WallMs() / 1000; }

  const int64_t offset_ms_;
  std::atomic<int64_t> started_;
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
  // The wall clock is the real one shifted by what AdvanceWallMs added.
  int64_t WallMs() const override { return SystemWallMs() + wall_offset_ms_.load(); }
  void AdvanceWallMs(int64_t ms) { wall_offset_ms_.fetch_add(ms); }

 private:
  const int64_t started_;
  std::atomic<RelTime> now_;
  std::atomic<int64_t> wall_offset_ms_{0};
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_CLOCK_H_
