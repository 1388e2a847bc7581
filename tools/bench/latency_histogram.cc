// LatencyHistogram: merging and percentile queries. Recording is inline in
// the header because it runs once per completed request.
#include "tools/bench/latency_histogram.h"

#include <cmath>
#include <limits>

namespace tandem::bench {

namespace {
constexpr int kHalf = 1 << (LatencyHistogram::kSubBucketBits - 1);
}  // namespace

void LatencyHistogram::Reset() {
  counts_.fill(0);
  count_ = 0;
  sum_ = 0;
  max_ = 0;
  min_ = std::numeric_limits<uint64_t>::max();
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  if (other.count_ != 0) {
    if (other.max_ > max_) max_ = other.max_;
    if (other.min_ < min_) min_ = other.min_;
  }
}

uint64_t LatencyHistogram::BucketLow(int index) {
  if (index < 2 * kHalf) return static_cast<uint64_t>(index);
  int shift = index / kHalf - 1;
  uint64_t sub = static_cast<uint64_t>(index - shift * kHalf);
  return sub << shift;
}

uint64_t LatencyHistogram::BucketHigh(int index) {
  if (index < 2 * kHalf) return static_cast<uint64_t>(index);
  int shift = index / kHalf - 1;
  uint64_t sub = static_cast<uint64_t>(index - shift * kHalf);
  return ((sub + 1) << shift) - 1;
}

uint64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  if (q <= 0) return min_;
  if (q >= 1) return max_;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      uint64_t high = BucketHigh(i);
      return high < max_ ? high : max_;
    }
  }
  return max_;
}

}  // namespace tandem::bench
