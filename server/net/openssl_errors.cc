// OpenSSL error text (see openssl_errors.h).
#include "server/net/openssl_errors.h"

#include <openssl/err.h>

#include "absl/strings/str_cat.h"

namespace tandem::server::net {

std::string OpenSslErrorText(unsigned long err) {
  if (err == 0) return "";
  char buf[256];
  ERR_error_string_n(err, buf, sizeof(buf));
  return buf;
}

std::string QueuedOpenSslErrors() {
  std::string text;
  while (unsigned long err = ERR_get_error()) {
    if (!text.empty()) text += "; ";
    text += OpenSslErrorText(err);
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

absl::Status OpenSslError(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", QueuedOpenSslErrors()));
}

}  // namespace tandem::server::net
