// Text encoder: appends classic text-protocol reply bytes to a std::string.
//
// The reply writers build replies in a per-connection output string; these
// helpers keep the framing ("\r\n", the VALUE header layout, STAT lines) in
// one place and format integers without printf. Values themselves are
// appended by the caller (or sent by reference from the item) after the
// header, followed by "\r\n".
#ifndef TANDEM_PROTOCOL_TEXT_ENCODER_H_
#define TANDEM_PROTOCOL_TEXT_ENCODER_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "protocol/error_strings.h"

namespace tandem::protocol {

// line + "\r\n". `line` is usually a constant from error_strings.h.
void AppendLine(std::string* out, std::string_view line);

// "VALUE <key> <flags> <nbytes>\r\n"
void AppendValueHeader(std::string* out, std::string_view key, uint32_t flags,
                       size_t nbytes);

// "VALUE <key> <flags> <nbytes> <cas>\r\n" (gets, gats)
void AppendValueHeaderWithCas(std::string* out, std::string_view key,
                              uint32_t flags, size_t nbytes, uint64_t cas);

// "<n>\r\n": the reply to a successful incr/decr.
void AppendNumberLine(std::string* out, uint64_t n);

// "VERSION <version>\r\n"
void AppendVersion(std::string* out, std::string_view version);

// "STAT <name> <value>\r\n"
void AppendStat(std::string* out, std::string_view name,
                std::string_view value);

// Appends the decimal digits of `value` (absl's FastIntToBuffer; Debian's
// Abseil 20220623 has a separate absl::string_view, so StrCat would need
// conversions at every call).
template <typename Int>
  requires std::integral<Int> && (!std::same_as<Int, bool>)
void AppendInt(std::string* out, Int value) {
  char buffer[absl::numbers_internal::kFastToBufferSize];
  const char* end = absl::numbers_internal::FastIntToBuffer(value, buffer);
  out->append(buffer, static_cast<size_t>(end - buffer));
}

// Integer-valued stat; a template so int, uint32_t, uint64_t ... all resolve
// without ambiguity or a silent conversion to string_view.
template <typename Int>
  requires std::integral<Int> && (!std::same_as<Int, bool>)
void AppendStat(std::string* out, std::string_view name, Int value) {
  out->append(kStatPrefix);
  out->append(name);
  out->push_back(' ');
  AppendInt(out, value);
  out->append("\r\n");
}

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_TEXT_ENCODER_H_
