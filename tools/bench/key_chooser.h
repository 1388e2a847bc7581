// KeyChooser: which key index a request asks for, under one of three
// distributions over the key space [0, keys), as memtier_benchmark offers.
//
//   uniform   every key equally likely.
//   gaussian  a normal distribution centred on the middle of the key space
//             (the (keys-1)/2 index) with standard deviation `stddev` keys
//             (default keys/6, so ~99.7% of draws land inside the space);
//             a draw outside [0, keys) is drawn again (after 64 misses, from
//             a stddev far wider than the space, it is clamped instead).
//   zipf      key index k-1 has probability proportional to 1/k^s (rank 1,
//             key 0, is the hottest): s near 1 is the classic web-cache
//             skew, larger s is more skewed.
//
// Zipf is sampled by rejection-inversion (Hörmann and Derflinger, "Rejection-
// inversion to generate variates from monotone discrete distributions",
// 1996): O(1) time and memory per draw for any key space and any s > 0,
// including s = 1, where YCSB's method needs a zeta(n, s) sum over all keys
// and s < 1. The sampler inverts the integral of the continuous density
// x^-s over cells [k - 1/2, k + 1/2] and accepts a draw unless it falls in
// the small sliver where the integral overestimates the discrete mass, so
// it rarely draws twice.
#ifndef TANDEM_TOOLS_BENCH_KEY_CHOOSER_H_
#define TANDEM_TOOLS_BENCH_KEY_CHOOSER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/bench/rng.h"

namespace tandem::bench {

enum class KeyDistribution : int { kUniform, kGaussian, kZipf };

const char* KeyDistributionName(KeyDistribution d);
// "uniform", "gaussian" or "zipf"; false for anything else.
bool ParseKeyDistribution(std::string_view text, KeyDistribution* out);

struct KeyChooserSpec {
  uint64_t keys = 100000;
  KeyDistribution distribution = KeyDistribution::kUniform;
  double zipf_s = 0.99;  // zipf exponent, (0, 10]
  double stddev = 0;     // gaussian, in keys; 0 means keys / 6
};

class KeyChooser {
 public:
  // Returns an empty string if spec is usable, else what is wrong with it.
  static std::string Validate(const KeyChooserSpec& spec);
  explicit KeyChooser(const KeyChooserSpec& spec);

  const KeyChooserSpec& spec() const { return spec_; }
  double gaussian_mean() const { return mean_; }
  double gaussian_stddev() const { return stddev_; }

  // A key index in [0, keys).
  uint64_t Next(Rng& rng) const {
    switch (spec_.distribution) {
      case KeyDistribution::kGaussian:
        return NextGaussian(rng);
      case KeyDistribution::kZipf:
        return NextZipfRank(rng) - 1;
      case KeyDistribution::kUniform:
        break;
    }
    return rng.Below(spec_.keys);
  }

  // Zipf only: a rank in [1, keys], exposed for tests.
  uint64_t NextZipfRank(Rng& rng) const;

 private:
  uint64_t NextGaussian(Rng& rng) const;
  // The integral H(x) of x^-s from 1 (up to a constant), its inverse, and
  // the density h(x) = x^-s (rejection-inversion's three functions).
  double H(double x) const;
  double HInverse(double x) const;
  double h(double x) const;

  KeyChooserSpec spec_;
  double mean_ = 0;
  double stddev_ = 0;
  // Zipf: H(1.5) - 1, H(keys + 0.5), and the squeeze bound for the quick
  // acceptance test.
  double h_x1_ = 0;
  double h_n_ = 0;
  double squeeze_ = 0;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_KEY_CHOOSER_H_
