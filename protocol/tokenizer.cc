// Tokenizer implementation. The number parsers model glibc's strtol family
// as memcached's util.c calls it (base 10, C locale): skip isspace(), take an
// optional sign, then digits; overflow is ERANGE; the conversion succeeds if
// at least one digit was read and the next character is the end of the
// token or whitespace.
#include "protocol/tokenizer.h"

#include <limits>

namespace tandem::protocol {
namespace {

bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// What strtoul/strtol saw in a token.
struct Scan {
  bool ok = false;        // digits read, range fine, token ends acceptably
  bool negative = false;  // a '-' sign preceded the digits
  uint64_t magnitude = 0;
};

// Scans like strto*(token, &end, 10) and applies memcached's end check.
// `limit_pos` / `limit_neg` are the largest magnitudes that do not overflow
// for a positive and a negative sign.
Scan ScanDecimal(std::string_view token, uint64_t limit_pos,
                 uint64_t limit_neg) {
  Scan scan;
  size_t i = 0;
  while (i < token.size() && IsCSpace(token[i])) ++i;
  if (i < token.size() && (token[i] == '+' || token[i] == '-')) {
    scan.negative = token[i] == '-';
    ++i;
  }
  const size_t digits_start = i;
  const uint64_t limit = scan.negative ? limit_neg : limit_pos;
  bool overflow = false;
  for (; i < token.size() && IsDigit(token[i]); ++i) {
    const uint64_t digit = static_cast<uint64_t>(token[i] - '0');
    if (scan.magnitude > (limit - digit) / 10) overflow = true;
    if (!overflow) scan.magnitude = scan.magnitude * 10 + digit;
  }
  if (i == digits_start || overflow) return scan;  // no conversion / ERANGE
  scan.ok = i == token.size() || IsCSpace(token[i]);
  return scan;
}

// strtoul's result: the magnitude, negated modulo 2^64 after a '-'.
uint64_t UnsignedValue(const Scan& scan) {
  return scan.negative ? uint64_t{0} - scan.magnitude : scan.magnitude;
}

// memcached refuses an unsigned result that looks negative as signed, but
// only when the token really had a minus sign somewhere.
bool PassesMinusRule(std::string_view token, uint64_t value) {
  return static_cast<int64_t>(value) >= 0 ||
         token.find('-') == std::string_view::npos;
}

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kI64Max = std::numeric_limits<int64_t>::max();

}  // namespace

std::optional<Line> FindLine(std::string_view input) {
  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  Line line;
  line.length = newline + 1;
  size_t end = newline;
  // memcached strips the '\r' only when the line has more than one byte.
  if (end > 1 && input[end - 1] == '\r') --end;
  line.text = input.substr(0, end);
  // Its tokenizer runs strlen() over the line.
  const size_t nul = line.text.find('\0');
  if (nul != std::string_view::npos) line.text = line.text.substr(0, nul);
  return line;
}

std::string_view NextToken(std::string_view* rest) {
  size_t start = 0;
  while (start < rest->size() && (*rest)[start] == ' ') ++start;
  size_t end = start;
  while (end < rest->size() && (*rest)[end] != ' ') ++end;
  std::string_view token = rest->substr(start, end - start);
  rest->remove_prefix(end);
  return token;
}

size_t Tokenize(std::string_view line, std::span<std::string_view> tokens,
                std::string_view* rest) {
  size_t count = 0;
  while (count < tokens.size()) {
    std::string_view token = NextToken(&line);
    if (token.empty()) break;
    tokens[count++] = token;
  }
  if (rest != nullptr) *rest = line;
  return count;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool TokenToUint32(std::string_view token, uint32_t* out) {
  const Scan scan = ScanDecimal(token, kU64Max, kU64Max);
  if (!scan.ok) return false;
  const uint64_t value = UnsignedValue(scan);
  if (!PassesMinusRule(token, value)) return false;
  *out = static_cast<uint32_t>(value);  // memcached truncates too
  return true;
}

bool TokenToInt32(std::string_view token, int32_t* out) {
  const Scan scan = ScanDecimal(token, kI64Max, kI64Max + 1);
  if (!scan.ok) return false;
  // Two's complement: the low 32 bits of the signed long, as C's cast does.
  *out = static_cast<int32_t>(static_cast<uint32_t>(UnsignedValue(scan)));
  return true;
}

bool TokenToUint64(std::string_view token, uint64_t* out) {
  const Scan scan = ScanDecimal(token, kU64Max, kU64Max);
  if (!scan.ok) return false;
  const uint64_t value = UnsignedValue(scan);
  if (!PassesMinusRule(token, value)) return false;
  *out = value;
  return true;
}

}  // namespace tandem::protocol
