// Workload: what tandem-bench asks for — the key space, the key and value
// shapes, the get/set mix and multi-get width. RequestWriter turns its
// keys and values into request bytes.
//
// Keys are "key:" plus a zero-padded index, exactly key_size bytes, so a
// reply's key can be checked against the request without storing strings;
// which index a request asks for comes from the KeyChooser (uniform,
// gaussian or zipf). Every value is a prefix of one deterministic byte
// pattern, value_min..value_max bytes long (uniform in that range), so a
// hit is verified with a length check and one memcmp whatever size the set
// that stored it chose. Nothing here allocates per request.
#ifndef TANDEM_TOOLS_BENCH_WORKLOAD_H_
#define TANDEM_TOOLS_BENCH_WORKLOAD_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "tools/bench/key_chooser.h"
#include "tools/bench/rng.h"

namespace tandem::bench {

// Wire protocol the requests are written in.
enum class Protocol : int { kText, kMeta, kBinary };

struct WorkloadSpec {
  uint64_t keys = 100000;  // key space: indices [0, keys)
  int key_size = 16;       // bytes per key, 1..250
  int value_min = 100;     // bytes per value: uniform in [value_min, value_max]
  int value_max = 100;
  double get_ratio = 0.9;  // fraction of requests that are gets
  int multiget = 1;        // keys per get request
  Protocol protocol = Protocol::kText;
  KeyDistribution key_distribution = KeyDistribution::kUniform;
  double zipf_s = 0.99;    // zipf exponent
  double key_stddev = 0;   // gaussian stddev in keys; 0: keys / 6
};

const char* ProtocolName(Protocol p);

// Parses --value-size: "N" (every value N bytes) or "MIN-MAX". Returns an
// empty string, or what is wrong.
std::string ParseValueSize(std::string_view text, int* min, int* max);

class Workload {
 public:
  // Returns an empty string if spec is usable, else what is wrong with it.
  static std::string Validate(const WorkloadSpec& spec);
  static KeyChooserSpec ChooserSpec(const WorkloadSpec& spec);
  explicit Workload(const WorkloadSpec& spec);

  const WorkloadSpec& spec() const { return spec_; }
  const KeyChooser& chooser() const { return chooser_; }

  // Writes key `index` into out[0, key_size).
  void FormatKey(uint64_t index, char* out) const;
  bool KeyMatches(uint64_t index, std::string_view key) const;

  // The value a set of `size` bytes stores: the pattern's first bytes.
  std::string_view Value(int size) const { return {pattern_.data(), static_cast<size_t>(size)}; }
  // What every hit must return: a value some run could have stored. Byte i
  // of every value is PatternByte(i) whatever its size, so a value is
  // self-describing: one left by an earlier run with other --value-size
  // (or --key-size over the same keys) is still recognised as a bench
  // value, and only bytes that break the pattern count as bad_value.
  bool ValueMatches(std::string_view v) const {
    const size_t checked = std::min(v.size(), pattern_.size());
    if (std::memcmp(v.data(), pattern_.data(), checked) != 0) return false;
    for (size_t i = checked; i < v.size(); ++i) {
      if (v[i] != PatternByte(i)) return false;
    }
    return true;
  }
  static char PatternByte(size_t i) { return static_cast<char>('a' + (i * 7 + i / 26) % 26); }

  bool NextIsGet(Rng& rng) const { return rng.Unit() < spec_.get_ratio; }
  uint64_t NextKey(Rng& rng) const { return chooser_.Next(rng); }
  int NextValueSize(Rng& rng) const {
    if (spec_.value_min == spec_.value_max) return spec_.value_max;
    return spec_.value_min +
           static_cast<int>(rng.Below(static_cast<uint64_t>(spec_.value_max - spec_.value_min) + 1));
  }
  // Preload's size for a key: fixed per key, spread over the range.
  int PreloadValueSize(uint64_t index) const {
    Rng rng(index);
    return NextValueSize(rng);
  }
  // The key as a string (cluster mode hands keys to the client library).
  std::string KeyString(uint64_t index) const {
    std::string key(static_cast<size_t>(spec_.key_size), '\0');
    FormatKey(index, key.data());
    return key;
  }

 private:
  WorkloadSpec spec_;
  KeyChooser chooser_;
  std::string prefix_;    // leading non-digit part of every key
  int digits_ = 0;        // zero-padded digits after the prefix
  std::string pattern_;   // value_max bytes; every value is a prefix
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_WORKLOAD_H_
