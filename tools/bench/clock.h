// The bench's one clock: CLOCK_MONOTONIC in nanoseconds (a vDSO call, ~20
// ns), shared by the runners and the progress line so their times agree.
#ifndef TANDEM_TOOLS_BENCH_CLOCK_H_
#define TANDEM_TOOLS_BENCH_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace tandem::bench {

inline uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

inline void SleepUntil(uint64_t when_ns) {
  uint64_t now = NowNs();
  if (when_ns <= now) return;
  uint64_t d = when_ns - now;
  timespec ts{static_cast<time_t>(d / 1000000000ULL), static_cast<long>(d % 1000000000ULL)};
  nanosleep(&ts, nullptr);
}

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_CLOCK_H_
