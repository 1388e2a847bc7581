// Soak values: see soak_values.h.
#include "tools/soak/soak_values.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace tandem::soak {
namespace {

char FillerByte(uint64_t seq, size_t i) { return static_cast<char>('a' + (seq + i * 7) % 26); }

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string MakeValue(std::string_view key, uint64_t seq, size_t size) {
  std::string v = absl::StrCat(absl::string_view(key.data(), key.size()), "|", seq, "|");
  for (size_t i = v.size(); i < size; ++i) v.push_back(FillerByte(seq, i));
  return v;
}

bool IsValueFor(std::string_view key, std::string_view value) {
  if (value.size() < key.size() + 3 || value.substr(0, key.size()) != key || value[key.size()] != '|') {
    return false;
  }
  std::string_view rest = value.substr(key.size() + 1);
  size_t bar = rest.find('|');
  if (bar == std::string_view::npos || !AllDigits(rest.substr(0, bar))) return false;
  uint64_t seq = 0;
  if (!absl::SimpleAtoi(absl::string_view(rest.data(), bar), &seq)) return false;
  const size_t header = key.size() + 1 + bar + 1;
  for (size_t i = header; i < value.size(); ++i) {
    if (value[i] != FillerByte(seq, i)) return false;
  }
  return true;
}

std::string MakeChunk(uint64_t seq) { return absl::StrCat(seq, ";"); }

bool IsChunkRun(std::string_view value) {
  size_t start = 0;
  while (start < value.size()) {
    size_t semi = value.find(';', start);
    if (semi == std::string_view::npos || !AllDigits(value.substr(start, semi - start))) return false;
    start = semi + 1;
  }
  return true;
}

bool IsCounter(std::string_view value) { return AllDigits(value); }

}  // namespace tandem::soak
