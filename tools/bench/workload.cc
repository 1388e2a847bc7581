// Workload: key formatting and request writing for tandem-bench.
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

// Writes a 24-byte binary request header.
char* BinHeader(char* p, uint8_t opcode, uint16_t keylen, uint8_t extlen, uint32_t bodylen) {
  std::memset(p, 0, bin::kHeader);
  p[0] = static_cast<char>(bin::kReqMagic);
  p[1] = static_cast<char>(opcode);
  p[2] = static_cast<char>(keylen >> 8);
  p[3] = static_cast<char>(keylen & 0xff);
  p[4] = static_cast<char>(extlen);
  p[8] = static_cast<char>(bodylen >> 24);
  p[9] = static_cast<char>((bodylen >> 16) & 0xff);
  p[10] = static_cast<char>((bodylen >> 8) & 0xff);
  p[11] = static_cast<char>(bodylen & 0xff);
  return p + bin::kHeader;
}

// Writes v in decimal at p; returns the end.
char* AppendDecimal(char* p, uint64_t v) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = digits[--n];
  return p;
}

char* AppendBytes(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

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
  bin_set_.resize(bin::kHeader + 8);
  BinHeader(bin_set_.data(), bin::kOpSet, static_cast<uint16_t>(spec.key_size), 8, 0);
  pattern_.resize(static_cast<size_t>(spec.value_max));
  for (int i = 0; i < spec.value_max; ++i) {
    pattern_[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  }
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

void Workload::AppendGet(ByteBuffer* out, const uint64_t* indices, int n) const {
  char* start = out->Reserve(MaxGetBytes(n));
  char* p = start;
  const size_t ks = static_cast<size_t>(spec_.key_size);
  if (spec_.protocol == Protocol::kMeta) {
    for (int i = 0; i < n; ++i) {
      std::memcpy(p, "mg ", 3);
      p += 3;
      FormatKey(indices[i], p);
      p += ks;
      if (n == 1) {
        std::memcpy(p, " v f\r\n", 6);
        p += 6;
      } else {
        std::memcpy(p, " v f q\r\n", 8);
        p += 8;
      }
    }
    if (n > 1) {
      std::memcpy(p, "mn\r\n", 4);
      p += 4;
    }
    out->Commit(static_cast<size_t>(p - start));
    return;
  }
  if (spec_.protocol == Protocol::kBinary) {
    for (int i = 0; i < n; ++i) {
      p = BinHeader(p, n == 1 ? bin::kOpGetK : bin::kOpGetKQ, static_cast<uint16_t>(ks), 0,
                    static_cast<uint32_t>(ks));
      FormatKey(indices[i], p);
      p += ks;
    }
    if (n > 1) p = BinHeader(p, bin::kOpNoop, 0, 0, 0);
    out->Commit(static_cast<size_t>(p - start));
    return;
  }
  std::memcpy(p, "get", 3);
  p += 3;
  for (int i = 0; i < n; ++i) {
    *p++ = ' ';
    FormatKey(indices[i], p);
    p += spec_.key_size;
  }
  *p++ = '\r';
  *p++ = '\n';
  out->Commit(static_cast<size_t>(p - start));
}

void Workload::AppendSet(ByteBuffer* out, uint64_t index, int size) const {
  char* start = out->Reserve(SetBytes());
  char* p = start;
  const std::string_view value = Value(size);
  if (spec_.protocol == Protocol::kBinary) {
    p = AppendBytes(p, bin_set_);
    const uint32_t body = static_cast<uint32_t>(8 + spec_.key_size + size);
    start[8] = static_cast<char>(body >> 24);
    start[9] = static_cast<char>((body >> 16) & 0xff);
    start[10] = static_cast<char>((body >> 8) & 0xff);
    start[11] = static_cast<char>(body & 0xff);
    FormatKey(index, p);
    p = AppendBytes(p + spec_.key_size, value);
    out->Commit(static_cast<size_t>(p - start));
    return;
  }
  const bool meta = spec_.protocol == Protocol::kMeta;
  p = AppendBytes(p, meta ? "ms " : "set ");
  FormatKey(index, p);
  p = AppendBytes(p + spec_.key_size, meta ? " " : " 0 0 ");
  p = AppendDecimal(p, static_cast<uint64_t>(size));
  p = AppendBytes(p, meta ? " F0\r\n" : "\r\n");
  p = AppendBytes(p, value);
  p = AppendBytes(p, "\r\n");
  out->Commit(static_cast<size_t>(p - start));
}

}  // namespace tandem::bench
