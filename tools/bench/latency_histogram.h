// LatencyHistogram: a fixed-size, log-linear (HDR-style) histogram of
// request latencies in nanoseconds.
//
// tandem-bench records one sample per completed request on the hot path, so
// recording must be a couple of shifts and an increment with no allocation.
// Values below 2^kSubBucketBits ns are counted exactly; above that every
// power of two is split into 2^(kSubBucketBits-1) linear sub-buckets, which
// bounds the relative error of any reported percentile by 1/64 (~1.6%).
// Each client thread owns one histogram per target group; they are merged
// once at the end, so there is no sharing and no atomics.
#ifndef TANDEM_TOOLS_BENCH_LATENCY_HISTOGRAM_H_
#define TANDEM_TOOLS_BENCH_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace tandem::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  // Largest tracked value: 2^kMaxBits ns (~18 minutes); larger samples are
  // clamped into the last bucket (and still counted in max()).
  static constexpr int kMaxBits = 40;
  static constexpr int kBucketCount = (kMaxBits - kSubBucketBits + 3) * (1 << (kSubBucketBits - 1));

  LatencyHistogram() { Reset(); }

  void Record(uint64_t nanos) {
    ++counts_[BucketIndex(nanos)];
    ++count_;
    sum_ += nanos;
    if (nanos > max_) max_ = nanos;
    if (nanos < min_) min_ = nanos;
  }

  void Merge(const LatencyHistogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  uint64_t max() const { return count_ ? max_ : 0; }
  uint64_t min() const { return count_ ? min_ : 0; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }

  // The value at quantile q in [0, 1]: the highest value equivalent to the
  // bucket holding the ceil(q * count)-th smallest sample, capped at max().
  // Returns 0 for an empty histogram.
  uint64_t Percentile(double q) const;

  // Exposed for tests: bucket index of a value and the value range a bucket
  // covers (inclusive).
  static int BucketIndex(uint64_t v) {
    if (v < (uint64_t{1} << kSubBucketBits)) return static_cast<int>(v);
    int msb = 63 - __builtin_clzll(v);
    if (msb > kMaxBits) return kBucketCount - 1;
    int shift = msb - kSubBucketBits + 1;
    return shift * (1 << (kSubBucketBits - 1)) + static_cast<int>(v >> shift);
  }
  static uint64_t BucketLow(int index);
  static uint64_t BucketHigh(int index);

 private:
  std::array<uint64_t, kBucketCount> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = 0;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_LATENCY_HISTOGRAM_H_
