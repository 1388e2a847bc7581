// Workload: key formatting and request writing for tandem-bench.
#include "tools/bench/workload.h"

#include <algorithm>
#include <cstring>

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

}  // namespace

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
  if (spec.value_size < 0 || spec.value_size > 64 * 1024 * 1024) {
    return "--value-size must be in 0..67108864";
  }
  if (!(spec.get_ratio >= 0 && spec.get_ratio <= 1)) return "--get-ratio must be in [0, 1]";
  if (spec.multiget < 1 || spec.multiget > 10000) return "--multiget must be in 1..10000";
  return "";
}

Workload::Workload(const WorkloadSpec& spec) : spec_(spec) {
  // Use as much of "key:" as fits and zero-pad the index into the rest.
  int need = DecimalDigits(spec.keys - 1);
  size_t prefix_len =
      std::min<size_t>(kKeyPrefix.size(), static_cast<size_t>(spec.key_size - need));
  prefix_ = std::string(kKeyPrefix.substr(0, prefix_len));
  digits_ = spec.key_size - static_cast<int>(prefix_len);
  if (spec.protocol == Protocol::kMeta) {
    set_head_ = "ms ";
    set_tail_ = absl::StrCat(" ", spec.value_size, " F0\r\n");
  } else {
    set_head_ = "set ";
    set_tail_ = absl::StrCat(" 0 0 ", spec.value_size, "\r\n");
  }
  bin_set_.resize(bin::kHeader + 8);
  BinHeader(bin_set_.data(), bin::kOpSet, static_cast<uint16_t>(spec.key_size), 8,
            static_cast<uint32_t>(8 + spec.key_size + spec.value_size));
  value_block_.resize(static_cast<size_t>(spec.value_size) + 2);
  for (int i = 0; i < spec.value_size; ++i) {
    value_block_[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  }
  value_block_[spec.value_size] = '\r';
  value_block_[spec.value_size + 1] = '\n';
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

void Workload::AppendSet(ByteBuffer* out, uint64_t index) const {
  char* start = out->Reserve(SetBytes());
  char* p = start;
  if (spec_.protocol == Protocol::kBinary) {
    std::memcpy(p, bin_set_.data(), bin_set_.size());
    p += bin_set_.size();
    FormatKey(index, p);
    p += spec_.key_size;
    std::memcpy(p, value_block_.data(), static_cast<size_t>(spec_.value_size));
    p += spec_.value_size;
    out->Commit(static_cast<size_t>(p - start));
    return;
  }
  std::memcpy(p, set_head_.data(), set_head_.size());
  p += set_head_.size();
  FormatKey(index, p);
  p += spec_.key_size;
  std::memcpy(p, set_tail_.data(), set_tail_.size());
  p += set_tail_.size();
  std::memcpy(p, value_block_.data(), value_block_.size());
  p += value_block_.size();
  out->Commit(static_cast<size_t>(p - start));
}

}  // namespace tandem::bench
