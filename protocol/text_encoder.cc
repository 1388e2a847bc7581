// Text encoder implementation. Plain appends plus absl's FastIntToBuffer:
// `out` keeps its capacity between requests, so the usual reply costs no
// allocation and no printf.
#include "protocol/text_encoder.h"

#include "protocol/error_strings.h"

namespace tandem::protocol {
namespace {

constexpr std::string_view kCrLf = "\r\n";

}  // namespace

void AppendLine(std::string* out, std::string_view line) {
  out->append(line);
  out->append(kCrLf);
}

void AppendValueHeader(std::string* out, std::string_view key, uint32_t flags,
                       size_t nbytes) {
  out->append(kValuePrefix);
  out->append(key);
  out->push_back(' ');
  AppendInt(out, flags);
  out->push_back(' ');
  AppendInt(out, nbytes);
  out->append(kCrLf);
}

void AppendValueHeaderWithCas(std::string* out, std::string_view key,
                              uint32_t flags, size_t nbytes, uint64_t cas) {
  out->append(kValuePrefix);
  out->append(key);
  out->push_back(' ');
  AppendInt(out, flags);
  out->push_back(' ');
  AppendInt(out, nbytes);
  out->push_back(' ');
  AppendInt(out, cas);
  out->append(kCrLf);
}

void AppendNumberLine(std::string* out, uint64_t n) {
  AppendInt(out, n);
  out->append(kCrLf);
}

void AppendVersion(std::string* out, std::string_view version) {
  out->append(kVersionPrefix);
  out->append(version);
  out->append(kCrLf);
}

void AppendStat(std::string* out, std::string_view name,
                std::string_view value) {
  out->append(kStatPrefix);
  out->append(name);
  out->push_back(' ');
  out->append(value);
  out->append(kCrLf);
}

}  // namespace tandem::protocol
