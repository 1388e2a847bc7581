// TlsSession (see tls_session.h).
#include "server/net/tls_session.h"

#include <openssl/err.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "server/net/openssl_errors.h"

namespace tandem::server::net {

TlsSession::~TlsSession() { SSL_free(ssl_); }

ssize_t TlsSession::Read(char* buf, size_t len) {
  wants_write_ = false;
  const int n = SSL_read(ssl_, buf, static_cast<int>(len > INT_MAX ? INT_MAX : len));
  if (SSL_is_init_finished(ssl_) == 1) established_ = true;
  return n > 0 ? n : Failed(n);
}

ssize_t TlsSession::Write(const char* buf, size_t len) {
  const int n = SSL_write(ssl_, buf, static_cast<int>(len > INT_MAX ? INT_MAX : len));
  if (n > 0) return n;
  const bool read_wait = SSL_get_error(ssl_, n) == SSL_ERROR_WANT_READ;
  // With renegotiation off nothing makes a write wait for a read; a write
  // that does is treated as failed rather than spun on.
  if (read_wait) {
    error_ = "a write waited for a read";
    return -1;
  }
  return Failed(n);
}

ssize_t TlsSession::Failed(int ret) {
  const int err = SSL_get_error(ssl_, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      wants_write_ = false;
      return 0;
    case SSL_ERROR_WANT_WRITE:
      wants_write_ = true;
      return 0;
    case SSL_ERROR_ZERO_RETURN:
      error_ = "closed by the peer";
      return -1;
    case SSL_ERROR_SYSCALL:
      if (errno == EINTR || errno == EAGAIN) return 0;
      error_ = errno == 0 ? "connection closed" : std::strerror(errno);
      ERR_clear_error();
      return -1;
    default:
      error_ = QueuedOpenSslErrors();
      return -1;
  }
}

void TlsSession::Shutdown() {
  if (!handshake_done()) return;
  // Non-blocking: sends our close_notify if the socket takes it, and does
  // not wait for the peer's.
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

}  // namespace tandem::server::net
