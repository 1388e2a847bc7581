// TlsContext: the OpenSSL configuration of the replication link, built once
// at start-up from --repl-secret or --repl-tls-cert/key/ca.
//
// Every connection of the link is TLS 1.3, and the same context serves both
// ends (a node dials and accepts):
//   - secret (auth tls-psk): the file's bytes become a TLS 1.3 external
//     pre-shared key: HKDF-SHA256(secret) gives 32 bytes, offered under a
//     fixed identity in a TLS_AES_128_GCM_SHA256 session (psk_dhe_ke, so
//     traffic keys are also forward secret). No certificates. A peer without
//     the secret fails the PSK binder and never reaches application data.
//   - certificates (auth tls-cert): each side presents its certificate and
//     requires and verifies the other's against --repl-tls-ca. Any
//     certificate that CA signed is a member of the pair (no host name
//     check): use a CA of its own for the pair.
//   - neither (auth none): no TLS; the caller runs the link in plaintext
//     and fences it by the peer's address.
// Session tickets are off: every connection authenticates afresh.
#ifndef TANDEM_REPLICATION_TLS_CONTEXT_H_
#define TANDEM_REPLICATION_TLS_CONTEXT_H_

#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/net/openssl_errors.h"

namespace tandem::replication {

enum class AuthMode : uint8_t { kNone, kPsk, kCert };

// "none", "tls-psk" or "tls-cert": `stats replication`'s `auth`.
const char* AuthModeName(AuthMode mode);

struct TlsOptions {
  std::string secret_file;  // --repl-secret
  std::string cert_file;    // --repl-tls-cert
  std::string key_file;     // --repl-tls-key
  std::string ca_file;      // --repl-tls-ca
};

class TlsContext {
 public:
  // Reads the files and builds the context; every failure (a missing,
  // empty or group/other-readable secret, a key that does not match its
  // certificate, a CA that does not load) is a start-up error.
  static absl::StatusOr<std::unique_ptr<TlsContext>> Create(const TlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  AuthMode mode() const { return mode_; }
  // A new connection's SSL object (the caller owns it); nullptr in mode
  // kNone or when OpenSSL fails.
  SSL* NewSsl() const;

 private:
  explicit TlsContext(AuthMode mode) : mode_(mode) {}
  absl::Status UsePsk(const std::string& secret);
  absl::Status UseCertificates(const TlsOptions& options);
  static int UsePskSession(SSL* ssl, const EVP_MD* md, const unsigned char** id, size_t* id_len,
                           SSL_SESSION** session);
  static int FindPskSession(SSL* ssl, const unsigned char* id, size_t id_len, SSL_SESSION** session);
  SSL_SESSION* NewPskSession(SSL* ssl) const;

  const AuthMode mode_;
  SSL_CTX* ctx_ = nullptr;
  std::array<uint8_t, 32> psk_{};
};

// Shared with the client listeners' TLS (server/net/openssl_errors.h).
using server::net::OpenSslErrorText;

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_TLS_CONTEXT_H_
