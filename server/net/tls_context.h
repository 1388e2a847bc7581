// ClientTlsContext: the OpenSSL context of TLS client connections (-Z), built
// from memcached's ssl_* options, shared by every worker, and rebuilt by the
// `refresh_certs` command.
//
// Options as in memcached: the certificate chain and key (ssl_keyformat is
// OpenSSL's SSL_FILETYPE_*), client certificates per ssl_verify_mode (0
// none, 1 request, 2 require, 3 require once) checked against ssl_ca_cert,
// ssl_ciphers for TLS 1.2 and below, ssl_min_version, a server-side session
// cache (ssl_session_cache) and kernel TLS (ssl_kernel_tls). Renegotiation is
// off. Where memcached differs, on purpose:
//   - refresh_certs builds a whole new context and swaps it in only when
//     everything loaded; memcached reloads into the live context, so a bad
//     key after a good chain leaves it serving a broken pair.
//   - without ssl_key the key is read from the chain file, as memcached's
//     help promises (memcached itself fails then).
// Connections already open keep the context they started with.
#ifndef TANDEM_SERVER_NET_TLS_CONTEXT_H_
#define TANDEM_SERVER_NET_TLS_CONTEXT_H_

#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/storage/clock.h"

namespace tandem::server::net {

class ClientTlsContext {
 public:
  ClientTlsContext(const Settings& settings, ServerStats& stats, const storage::Clock& clock);
  ~ClientTlsContext();
  ClientTlsContext(const ClientTlsContext&) = delete;
  ClientTlsContext& operator=(const ClientTlsContext&) = delete;

  // Start-up (with -Z): builds the context. The error message is memcached's
  // ("Error loading the certificate chain: FILE : reason", ...).
  absl::Status Load();
  bool enabled() const;

  // refresh_certs: reloads the files into a new context and uses it for new
  // connections. On failure the old context stays and the message is
  // memcached's error line; "Error TLS not enabled" without -Z.
  absl::Status Refresh();

  // A server-side SSL for an accepted socket `fd`; null when OpenSSL fails.
  SSL* NewSsl(int fd);

  // A connection failed before its handshake completed.
  void CountHandshakeError() { stats_.ssl_handshake_errors.fetch_add(1, std::memory_order_relaxed); }

 private:
  absl::StatusOr<SSL_CTX*> Build() const;
  static int OnNewSession(SSL* ssl, SSL_SESSION* session);

  const Settings& settings_;
  ServerStats& stats_;
  const storage::Clock& clock_;
  mutable absl::Mutex mu_;
  SSL_CTX* ctx_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_TLS_CONTEXT_H_
