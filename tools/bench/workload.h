// Workload: what tandem-bench asks for — the key space, the key and value
// shapes, the get/set mix and multi-get width — and the code that writes
// those requests as memcached text-protocol bytes.
//
// Keys are "key:" plus a zero-padded index, exactly key_size bytes, so a
// reply's key can be checked against the request without storing strings.
// Every value is the same deterministic byte pattern of value_size bytes,
// so a hit can be verified with one memcmp. Requests are written straight
// into a connection's output buffer from pre-built pieces; nothing here
// allocates per request.
#ifndef TANDEM_TOOLS_BENCH_WORKLOAD_H_
#define TANDEM_TOOLS_BENCH_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/bench/byte_buffer.h"

namespace tandem::bench {

struct WorkloadSpec {
  uint64_t keys = 100000;  // key space: indices [0, keys)
  int key_size = 16;       // bytes per key, 1..250
  int value_size = 100;    // bytes per value
  double get_ratio = 0.9;  // fraction of requests that are gets
  int multiget = 1;        // keys per get request
};

// splitmix64: tiny, fast, and good enough for picking keys. One per thread.
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

class Workload {
 public:
  // Returns an empty string if spec is usable, else what is wrong with it.
  static std::string Validate(const WorkloadSpec& spec);
  explicit Workload(const WorkloadSpec& spec);

  const WorkloadSpec& spec() const { return spec_; }

  // Writes key `index` into out[0, key_size).
  void FormatKey(uint64_t index, char* out) const;
  bool KeyMatches(uint64_t index, std::string_view key) const;

  // The value every set stores, and what every hit must return.
  std::string_view value() const {
    return {value_block_.data(), static_cast<size_t>(spec_.value_size)};
  }

  bool NextIsGet(Rng& rng) const { return rng.Unit() < spec_.get_ratio; }
  uint64_t NextKey(Rng& rng) const { return rng.Below(spec_.keys); }

  // "get k1 k2 ...\r\n" for n keys.
  void AppendGet(ByteBuffer* out, const uint64_t* indices, int n) const;
  // "set k 0 0 <value_size>\r\n<value>\r\n".
  void AppendSet(ByteBuffer* out, uint64_t index) const;

  // Upper bounds on request sizes, to reserve output space once per request.
  size_t MaxGetBytes(int n) const { return 6 + static_cast<size_t>(n) * (spec_.key_size + 1); }
  size_t SetBytes() const {
    return set_head_.size() + spec_.key_size + set_tail_.size() + value_block_.size();
  }

 private:
  WorkloadSpec spec_;
  std::string prefix_;       // leading non-digit part of every key
  int digits_ = 0;           // zero-padded digits after the prefix
  std::string set_head_;     // "set "
  std::string set_tail_;     // " 0 0 <value_size>\r\n"
  std::string value_block_;  // value followed by "\r\n"
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_WORKLOAD_H_
