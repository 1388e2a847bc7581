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

// Wire protocol the requests are written in.
enum class Protocol : int { kText, kMeta, kBinary };

struct WorkloadSpec {
  uint64_t keys = 100000;  // key space: indices [0, keys)
  int key_size = 16;       // bytes per key, 1..250
  int value_size = 100;    // bytes per value
  double get_ratio = 0.9;  // fraction of requests that are gets
  int multiget = 1;        // keys per get request
  Protocol protocol = Protocol::kText;
};

const char* ProtocolName(Protocol p);

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

  // text: "get k1 k2 ...\r\n" for n keys.
  // meta: n == 1: "mg k v f\r\n"; n > 1: n x "mg k v f q\r\n" then "mn\r\n".
  // binary: n == 1: GETK; n > 1: n x GETKQ then NOOP.
  void AppendGet(ByteBuffer* out, const uint64_t* indices, int n) const;
  // text: "set k 0 0 <value_size>\r\n<value>\r\n".
  // meta: "ms k <value_size> F0\r\n<value>\r\n". binary: SET, flags 0, exptime 0.
  void AppendSet(ByteBuffer* out, uint64_t index) const;

  // Upper bounds on request sizes, to reserve output space once per request.
  size_t MaxGetBytes(int n) const {
    return 32 + static_cast<size_t>(n) * (spec_.key_size + 32);
  }
  size_t SetBytes() const {
    return 32 + set_head_.size() + spec_.key_size + set_tail_.size() + value_block_.size();
  }

 private:
  WorkloadSpec spec_;
  std::string prefix_;       // leading non-digit part of every key
  int digits_ = 0;           // zero-padded digits after the prefix
  std::string set_head_;     // "set "
  std::string set_tail_;     // " 0 0 <value_size>\r\n"
  std::string value_block_;  // value followed by "\r\n"
  std::string bin_set_;      // binary SET header + extras (key and value follow)
};

// Binary protocol constants.
namespace bin {
constexpr uint8_t kReqMagic = 0x80;
constexpr uint8_t kResMagic = 0x81;
constexpr uint8_t kOpGet = 0x00;
constexpr uint8_t kOpSet = 0x01;
constexpr uint8_t kOpNoop = 0x0a;
constexpr uint8_t kOpGetK = 0x0c;
constexpr uint8_t kOpGetKQ = 0x0d;
constexpr size_t kHeader = 24;
}  // namespace bin

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_WORKLOAD_H_
