// TlsClient (see tls_client.h).
#include "tools/bench/tls_client.h"

#include <openssl/err.h>
#include <poll.h>

#include <chrono>

#include "absl/strings/str_cat.h"

namespace tandem::bench {
namespace {

std::string OpenSslErrors() {
  std::string text;
  while (unsigned long err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    absl::StrAppend(&text, text.empty() ? "" : "; ", buf);
  }
  return text.empty() ? "connection closed" : text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsClient>> TlsClient::Create(const std::string& ca_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return absl::InternalError(absl::StrCat("SSL_CTX_new: ", OpenSslErrors()));
  if (!ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
      const std::string why = OpenSslErrors();
      SSL_CTX_free(ctx);
      return absl::InvalidArgumentError(absl::StrCat("--tls-ca ", ca_file, ": ", why));
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  // The send buffer may grow (and move) while a write waits to be retried.
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  return std::unique_ptr<TlsClient>(new TlsClient(ctx));
}

TlsClient::~TlsClient() { SSL_CTX_free(ctx_); }

SSL* TlsClient::Handshake(int fd, int timeout_ms, std::string* error) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
    *error = absl::StrCat("SSL_new: ", OpenSslErrors());
    SSL_free(ssl);
    return nullptr;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const int r = SSL_connect(ssl);
    if (r == 1) return ssl;
    const int err = SSL_get_error(ssl, r);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if ((err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) || left.count() <= 0) {
      *error = absl::StrCat("TLS handshake: ", left.count() <= 0 ? "timed out" : OpenSslErrors());
      SSL_free(ssl);
      return nullptr;
    }
    pollfd p{fd, static_cast<short>(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    poll(&p, 1, static_cast<int>(left.count()));
  }
}

}  // namespace tandem::bench
