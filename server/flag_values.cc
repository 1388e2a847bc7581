#include "server/flag_values.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace tandem::server {

absl::Status InvalidFlagValue(absl::string_view flag, absl::string_view value) {
  return absl::InvalidArgumentError(absl::StrCat("invalid value for ", flag, ": \"", value, "\""));
}

absl::Status ParseInt(absl::string_view flag, absl::string_view text, int64_t min, int64_t max,
                      int64_t* out) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(text, &v) || v < min || v > max) return InvalidFlagValue(flag, text);
  *out = v;
  return absl::OkStatus();
}

absl::Status ParseSize(absl::string_view flag, absl::string_view text, size_t* out) {
  absl::string_view digits = text;
  uint64_t unit = 1;
  if (!digits.empty()) {
    switch (absl::ascii_tolower(digits.back())) {
      case 'k': unit = 1u << 10; break;
      case 'm': unit = 1u << 20; break;
      case 'g': unit = 1u << 30; break;
      default: break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  uint64_t v = 0;
  if (!absl::SimpleAtoi(digits, &v) || v > (uint64_t{1} << 40) / unit) return InvalidFlagValue(flag, text);
  *out = static_cast<size_t>(v * unit);
  return absl::OkStatus();
}

bool IsPortNumber(absl::string_view text) {
  return !text.empty() && text.size() <= 5 &&
         std::all_of(text.begin(), text.end(), [](char ch) { return absl::ascii_isdigit(ch); });
}

absl::Status ParseDouble(absl::string_view flag, absl::string_view text, double* out) {
  if (!absl::SimpleAtod(text, out)) return InvalidFlagValue(flag, text);
  return absl::OkStatus();
}

}  // namespace tandem::server
