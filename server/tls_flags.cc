// ssl_* -o options (see tls_flags.h). memcached's messages and limits: a
// missing value is "Missing NAME argument", a number that does not parse
// "could not parse argument to NAME", an out-of-range mode or version
// "Invalid NAME. Use help to see valid options."
#include "server/tls_flags.h"

#include <climits>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace tandem::server {
namespace {

absl::Status Missing(std::string_view name) {
  return absl::InvalidArgumentError(absl::StrCat("Missing ", std::string(name), " argument"));
}

absl::Status Unparsable(std::string_view name) {
  return absl::InvalidArgumentError(absl::StrCat("could not parse argument to ", std::string(name)));
}

absl::Status OutOfRange(std::string_view name) {
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid ", std::string(name), ". Use help to see valid options."));
}

absl::Status ParseLevel(std::string_view name, std::string_view text, int max, int* out) {
  int v = 0;
  if (!absl::SimpleAtoi(absl::string_view(text.data(), text.size()), &v)) return Unparsable(name);
  if (v < 0 || v > max) return OutOfRange(name);
  *out = v;
  return absl::OkStatus();
}

}  // namespace

const char* SslMinVersionName(int level) {
  switch (level) {
    case 0: return "tlsv1.0";
    case 1: return "tlsv1.1";
    case 2: return "tlsv1.2";
    case 3: return "tlsv1.3";
    default: return "unknown";
  }
}

absl::Status ApplySslOption(std::string_view name, const std::string_view* value, Settings* s) {
  // Switches ignore any "=...", as in memcached.
  if (name == "ssl_session_cache") {
    s->ssl_session_cache = true;
    return absl::OkStatus();
  }
  if (name == "ssl_kernel_tls") {
    s->ssl_kernel_tls = true;
    return absl::OkStatus();
  }
  if (value == nullptr) return Missing(name);
  const std::string text(*value);
  if (name == "ssl_chain_cert") {
    s->ssl_chain_cert = text;
    s->ssl_chain_cert_given = true;
  } else if (name == "ssl_key") {
    s->ssl_key = text;
    s->ssl_key_given = true;
  } else if (name == "ssl_verify_mode") {
    return ParseLevel(name, text, 3, &s->ssl_verify_mode);
  } else if (name == "ssl_keyformat") {
    if (!absl::SimpleAtoi(text, &s->ssl_keyformat)) return Unparsable(name);
  } else if (name == "ssl_ciphers") {
    s->ssl_ciphers = text;
  } else if (name == "ssl_ca_cert") {
    s->ssl_ca_cert = text;
  } else if (name == "ssl_wbuf_size") {
    uint32_t kb = 0;
    if (!absl::SimpleAtoi(text, &kb) || kb == 0 || kb > (INT_MAX >> 10)) return Unparsable(name);
    s->ssl_wbuf_size = size_t{kb} << 10;
  } else if (name == "ssl_min_version") {
    return ParseLevel(name, text, 3, &s->ssl_min_version);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("Illegal suboption \"", std::string(name), "\""));
  }
  return absl::OkStatus();
}

}  // namespace tandem::server
