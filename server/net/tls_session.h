// TlsSession: one client connection's TLS state, on the connection's own
// read and write path.
//
// Why not libevent's bufferevent_openssl (which the replication link uses):
// a client connection reads into its own flat buffer that the parsers see
// without a copy, and sends replies from its output queue in as few system
// calls as it can (connection.h, output_queue.h); a bufferevent would add a
// copy each way and a second buffering layer with its own watermarks beside
// the connection's -R yields, high-water stop and --repl-sync parking. So
// the connection calls SSL_read/SSL_write where it would call read/writev,
// as memcached does, and this class maps OpenSSL's answers onto what the
// connection already knows: bytes, "not now" (with which direction OpenSSL
// waits for), or closed.
//
// The handshake runs inside the first reads (the SSL is in accept state).
#ifndef TANDEM_SERVER_NET_TLS_SESSION_H_
#define TANDEM_SERVER_NET_TLS_SESSION_H_

#include <openssl/ssl.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

namespace tandem::server::net {

class TlsSession {
 public:
  explicit TlsSession(SSL* ssl) : ssl_(ssl) {}  // takes ownership
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Decrypted bytes (> 0), 0 when nothing can be read now (wants_write()
  // says whether OpenSSL waits to write rather than to read), or -1 when
  // the peer closed or the session failed (error() says why).
  ssize_t Read(char* buf, size_t len);
  // Bytes taken (> 0), 0 when the socket is full (retry with the same
  // bytes, or more), -1 on failure.
  ssize_t Write(const char* buf, size_t len);

  bool wants_write() const { return wants_write_; }
  // Decrypted or read-ahead bytes OpenSSL holds that the socket will not
  // signal again.
  bool HasPending() const { return SSL_has_pending(ssl_) == 1; }
  // Whether the handshake ever completed (OpenSSL's own state goes back to
  // "in init" once a session fails).
  bool handshake_done() const { return established_; }
  const std::string& error() const { return error_; }

  // Best effort close_notify before the socket is closed.
  void Shutdown();

 private:
  // Maps a failed SSL_read/SSL_write: 0 (try again later) or -1.
  ssize_t Failed(int ret);

  SSL* ssl_;
  bool wants_write_ = false;
  bool established_ = false;
  std::string error_;
};

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_TLS_SESSION_H_
