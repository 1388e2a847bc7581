// Workload: key formatting, value sizes and validation for tandem-bench.
#include "tools/bench/workload.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace tandem::bench {

namespace {

int DecimalDigits(uint64_t v) {
  int d = 1;
  while (v >= 10) {
    v /= 10;
    ++d;
  }
  return d;
}

constexpr std::string_view kKeyPrefix = "key:";

constexpr int kMaxValueSize = 64 * 1024 * 1024;

}  // namespace

std::string ParseValueSize(std::string_view text, int* min, int* max) {
  auto bad = [&] {
    return absl::StrCat("--value-size must be N or MIN-MAX (bytes, 0..", kMaxValueSize, "), not '",
                        std::string(text), "'");
  };
  size_t dash = text.find('-');
  std::string_view lo = text.substr(0, dash);
  std::string_view hi = dash == std::string_view::npos ? lo : text.substr(dash + 1);
  int a = 0, b = 0;
  if (lo.empty() || hi.empty() || lo.find_first_not_of("0123456789") != std::string_view::npos ||
      hi.find_first_not_of("0123456789") != std::string_view::npos ||
      !absl::SimpleAtoi(absl::string_view(lo.data(), lo.size()), &a) ||
      !absl::SimpleAtoi(absl::string_view(hi.data(), hi.size()), &b) || a > b ||
      b > kMaxValueSize) {
    return bad();
  }
  *min = a;
  *max = b;
  return "";
}

const char* ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kText:
      return "text";
    case Protocol::kMeta:
      return "meta";
    case Protocol::kBinary:
      return "binary";
  }
  return "?";
}

std::string Workload::Validate(const WorkloadSpec& spec) {
  if (spec.keys < 1) return "--keys must be at least 1";
  if (spec.keys > (uint64_t{1} << 40)) return "--keys is too large";
  if (spec.key_size < 1 || spec.key_size > 250) return "--key-size must be in 1..250";
  int need = DecimalDigits(spec.keys - 1);
  if (spec.key_size < need) {
    return absl::StrCat("--key-size=", spec.key_size, " cannot number ", spec.keys,
                        " keys; need at least ", need);
  }
  if (spec.value_min < 0 || spec.value_min > spec.value_max || spec.value_max > kMaxValueSize) {
    return absl::StrCat("--value-size must be within 0..", kMaxValueSize, ", MIN <= MAX");
  }
  if (!(spec.get_ratio >= 0 && spec.get_ratio <= 1)) return "--get-ratio must be in [0, 1]";
  if (spec.multiget < 1 || spec.multiget > 10000) return "--multiget must be in 1..10000";
  return KeyChooser::Validate(ChooserSpec(spec));
}

KeyChooserSpec Workload::ChooserSpec(const WorkloadSpec& spec) {
  KeyChooserSpec c;
  c.keys = spec.keys;
  c.distribution = spec.key_distribution;
  c.zipf_s = spec.zipf_s;
  c.stddev = spec.key_stddev;
  return c;
}

Workload::Workload(const WorkloadSpec& spec) : spec_(spec), chooser_(ChooserSpec(spec)) {
  // Use as much of "key:" as fits and zero-pad the index into the rest.
  int need = DecimalDigits(spec.keys - 1);
  size_t prefix_len =
      std::min<size_t>(kKeyPrefix.size(), static_cast<size_t>(spec.key_size - need));
  prefix_ = std::string(kKeyPrefix.substr(0, prefix_len));
  digits_ = spec.key_size - static_cast<int>(prefix_len);
  pattern_.resize(static_cast<size_t>(spec.value_max));
  for (int i = 0; i < spec.value_max; ++i) pattern_[i] = PatternByte(static_cast<size_t>(i));
}

void Workload::FormatKey(uint64_t index, char* out) const {
  std::memcpy(out, prefix_.data(), prefix_.size());
  char* p = out + prefix_.size() + digits_;
  for (int i = 0; i < digits_; ++i) {
    *--p = static_cast<char>('0' + index % 10);
    index /= 10;
  }
}

bool Workload::KeyMatches(uint64_t index, std::string_view key) const {
  if (key.size() != static_cast<size_t>(spec_.key_size)) return false;
  char buf[256];
  FormatKey(index, buf);
  return std::memcmp(buf, key.data(), key.size()) == 0;
}

}  // namespace tandem::bench
