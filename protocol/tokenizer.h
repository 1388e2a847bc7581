// Tokenizer: line framing, token splitting and number conversion for the
// text protocols (classic and meta), with memcached's exact quirks.
//
// memcached frames a request at the first '\n', drops one '\r' before it,
// hands the line to a strlen()-based tokenizer (so a NUL byte ends it) that
// splits on ' ' only: tabs and other whitespace stay inside tokens. Numbers
// go through strtol/strtoul wrappers (safe_strto* in util.c) that accept
// leading whitespace, a sign, and stop at trailing whitespace, and that
// truncate to 32 bits where memcached stores 32-bit values. Clients depend on
// these corners (or at least never see different replies), so this file
// reproduces them instead of using stricter absl parsers. Nothing here
// allocates.
#ifndef TANDEM_PROTOCOL_TOKENIZER_H_
#define TANDEM_PROTOCOL_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tandem::protocol {

// memcached's MAX_TOKENS is 24 including its terminal pseudo-token: a
// command sees at most 23 real tokens; get-family keys continue past them.
inline constexpr size_t kMaxLineTokens = 23;

// One framed request line.
struct Line {
  std::string_view text;  // without "\r\n" / "\n", cut at the first NUL
  size_t length = 0;      // bytes of input the line occupies, newline included
};

// Frames the line at the start of `input`; nullopt if no '\n' yet.
std::optional<Line> FindLine(std::string_view input);

// Returns the next space-separated token of *rest and advances *rest past
// it; returns an empty view when only spaces remain.
std::string_view NextToken(std::string_view* rest);

// Splits `line` into at most tokens.size() tokens. Returns the count; *rest
// (if not null) receives the unsplit remainder once the span is full.
size_t Tokenize(std::string_view line, std::span<std::string_view> tokens,
                std::string_view* rest = nullptr);

// Trims leading and trailing spaces (only ' ', like the tokenizer).
std::string_view TrimSpaces(std::string_view s);

// memcached's safe_strtoul: unsigned decimal, truncated to 32 bits; a value
// that is negative as a signed long is refused if the token has a '-'.
bool TokenToUint32(std::string_view token, uint32_t* out);

// memcached's safe_strtol: signed decimal in long range, truncated to 32
// bits (so "2147483648" becomes -2147483648, as memcached stores it).
bool TokenToInt32(std::string_view token, int32_t* out);

// memcached's safe_strtoull: unsigned 64-bit decimal, same '-' rule.
bool TokenToUint64(std::string_view token, uint64_t* out);

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_TOKENIZER_H_
