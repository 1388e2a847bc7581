// Rng: the bench's random source, splitmix64. Tiny, fast and good enough
// for picking keys, value sizes and the get/set mix; one per client thread,
// seeded from --seed, so a run's request stream is reproducible.
#ifndef TANDEM_TOOLS_BENCH_RNG_H_
#define TANDEM_TOOLS_BENCH_RNG_H_

#include <cstdint>

namespace tandem::bench {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by multiply-shift (bias negligible for n << 2^64).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_RNG_H_
