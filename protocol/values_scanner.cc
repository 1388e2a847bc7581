// ScanValuesReply (see values_scanner.h): one pass to check the reply is
// complete and well formed, a second to visit it.
#include "protocol/values_scanner.h"

#include <charconv>

namespace tandem::protocol {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr size_t kMaxHeader = 64 * 1024;

template <typename Int>
bool ParseDecimal(std::string_view text, Int* out) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// "VALUE <key> <flags> <bytes>[ <cas>]" (without "\r\n").
bool ParseHeader(std::string_view line, ScannedValue* value, size_t* bytes) {
  std::string_view fields[4];
  size_t count = 0;
  std::string_view rest = line.substr(6);
  while (!rest.empty()) {
    const size_t space = rest.find(' ');
    const std::string_view field = rest.substr(0, space);
    if (field.empty() || count == 4) return false;
    fields[count++] = field;
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
    if (rest.empty()) return false;
  }
  if (count < 3) return false;
  value->key = fields[0];
  value->cas = 0;
  return ParseDecimal(fields[1], &value->flags) && ParseDecimal(fields[2], bytes) &&
         (count == 3 || ParseDecimal(fields[3], &value->cas));
}

// Walks the reply; visits only when `visit` is set. kDone with the length.
template <typename Visit>
ScanStatus Walk(std::string_view input, Visit&& visit, size_t* consumed) {
  size_t pos = 0;
  while (true) {
    const size_t eol = input.find(kCrlf, pos);
    if (eol == std::string_view::npos) {
      // A line that already cannot be VALUE or END, or is longer than any
      // header, is something else (ReplyParser says what).
      const std::string_view partial = input.substr(pos, 6);
      const bool may_be_value = std::string_view("VALUE ").starts_with(partial);
      const bool may_be_end = std::string_view("END").starts_with(partial.substr(0, 3));
      if ((!may_be_value && !may_be_end) || input.size() - pos > kMaxHeader) return ScanStatus::kOther;
      return ScanStatus::kNeedMore;
    }
    const std::string_view line = input.substr(pos, eol - pos);
    const size_t line_end = eol + kCrlf.size();
    if (line == "END") {
      *consumed = line_end;
      return ScanStatus::kDone;
    }
    if (!line.starts_with("VALUE ")) return ScanStatus::kOther;
    ScannedValue value;
    size_t bytes = 0;
    if (!ParseHeader(line, &value, &bytes)) return ScanStatus::kOther;
    const size_t after = input.size() - line_end;
    if (bytes > after || after - bytes < kCrlf.size()) return ScanStatus::kNeedMore;
    if (input.substr(line_end + bytes, kCrlf.size()) != kCrlf) return ScanStatus::kOther;
    value.data = input.substr(line_end, bytes);
    visit(value);
    pos = line_end + bytes + kCrlf.size();
  }
}

}  // namespace

ScanStatus ScanValuesReply(std::string_view input, absl::FunctionRef<void(const ScannedValue&)> visit,
                           size_t* consumed) {
  size_t length = 0;
  const ScanStatus status = Walk(input, [](const ScannedValue&) {}, &length);
  if (status != ScanStatus::kDone) return status;
  Walk(input, visit, consumed);
  return ScanStatus::kDone;
}

}  // namespace tandem::protocol
