// TlsContext: see tls_context.h. Sections: the PSK (derivation and the two
// session callbacks), certificates, and the common context settings.
//
// The PSK callbacks follow OpenSSL's s_client/s_server: the client offers a
// session whose master key is the PSK and whose cipher fixes the hash
// (SHA-256); when OpenSSL asks again with another hash (after a
// HelloRetryRequest for a different suite) the client offers nothing. The
// server hands back the same session for our identity and nothing for any
// other, which fails the handshake (there is no certificate to fall back to).
#include "replication/tls_context.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "replication/secret_file.h"
#include "server/net/openssl_errors.h"

namespace tandem::replication {
namespace {

constexpr std::string_view kPskIdentity = "tandem-repl-v2";
constexpr std::string_view kPskSalt = "tandem replication link";
constexpr std::string_view kPskInfo = "tls13 external psk";
constexpr unsigned char kAes128GcmSha256[] = {0x13, 0x01};  // RFC 8446 B.4
constexpr size_t kReadAheadBytes = 64u << 10;  // OpenSSL's read buffer per link (Create)

using server::net::OpenSslError;

// HKDF-SHA256(salt, secret, info) -> 32 bytes: the PSK never equals the
// file's bytes, and a secret of any length gives a full-size key.
absl::Status DerivePsk(const std::string& secret, std::array<uint8_t, 32>* psk) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = kdf == nullptr ? nullptr : EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return OpenSslError("HKDF unavailable");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(kPskSalt.data()), kPskSalt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kPskInfo.data()), kPskInfo.size()),
      OSSL_PARAM_construct_end()};
  const int ok = EVP_KDF_derive(ctx, psk->data(), psk->size(), params);
  EVP_KDF_CTX_free(ctx);
  return ok == 1 ? absl::OkStatus() : OpenSslError("deriving the PSK");
}

}  // namespace

const char* AuthModeName(AuthMode mode) {
  switch (mode) {
    case AuthMode::kPsk: return "tls-psk";
    case AuthMode::kCert: return "tls-cert";
    case AuthMode::kNone: break;
  }
  return "none";
}

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::Create(const TlsOptions& o) {
  const bool certs = !o.cert_file.empty() || !o.key_file.empty() || !o.ca_file.empty();
  if (certs && !o.secret_file.empty()) {
    return absl::InvalidArgumentError("give either --repl-secret or --repl-tls-cert/key/ca, not both");
  }
  if (certs && (o.cert_file.empty() || o.key_file.empty() || o.ca_file.empty())) {
    return absl::InvalidArgumentError("--repl-tls-cert, --repl-tls-key and --repl-tls-ca go together");
  }
  const AuthMode mode = certs ? AuthMode::kCert : !o.secret_file.empty() ? AuthMode::kPsk : AuthMode::kNone;
  std::unique_ptr<TlsContext> t(new TlsContext(mode));
  if (mode == AuthMode::kNone) return t;

  t->ctx_ = SSL_CTX_new(TLS_method());
  if (t->ctx_ == nullptr) return OpenSslError("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(t->ctx_, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(t->ctx_, TLS1_3_VERSION);
  SSL_CTX_set_num_tickets(t->ctx_, 0);
  SSL_CTX_set_options(t->ctx_, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(t->ctx_, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(t->ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Read-ahead: one read() takes whatever the socket holds, several records
  // at once, instead of two per record (the 5-byte header, then the body);
  // a 64 KB buffer (not one record's 16 KB) takes a full copy's records
  // a few at a time. Records it buffers are not socket readiness: PeerLink
  // reads on while OpenSSL holds bytes (ReadOnWhileTlsBuffered, peer_link_conn.h).
  SSL_CTX_set_read_ahead(t->ctx_, 1);
  SSL_CTX_set_default_read_buffer_len(t->ctx_, kReadAheadBytes);
  SSL_CTX_set_app_data(t->ctx_, t.get());

  if (mode == AuthMode::kPsk) {
    absl::StatusOr<std::string> secret = ReadSecretFile(o.secret_file);
    if (!secret.ok()) return secret.status();
    if (absl::Status st = t->UsePsk(*secret); !st.ok()) return st;
  } else if (absl::Status st = t->UseCertificates(o); !st.ok()) {
    return st;
  }
  return t;
}

TlsContext::~TlsContext() {
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  OPENSSL_cleanse(psk_.data(), psk_.size());
}

SSL* TlsContext::NewSsl() const { return ctx_ == nullptr ? nullptr : SSL_new(ctx_); }

// ===========================================================================
// Pre-shared key
// ===========================================================================

absl::Status TlsContext::UsePsk(const std::string& secret) {
  if (absl::Status st = DerivePsk(secret, &psk_); !st.ok()) return st;
  if (SSL_CTX_set_ciphersuites(ctx_, "TLS_AES_128_GCM_SHA256") != 1) return OpenSslError("TLS 1.3 cipher suite");
  SSL_CTX_set_psk_use_session_callback(ctx_, &TlsContext::UsePskSession);
  SSL_CTX_set_psk_find_session_callback(ctx_, &TlsContext::FindPskSession);
  return absl::OkStatus();
}

SSL_SESSION* TlsContext::NewPskSession(SSL* ssl) const {
  const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kAes128GcmSha256);
  SSL_SESSION* session = cipher == nullptr ? nullptr : SSL_SESSION_new();
  if (session == nullptr) return nullptr;
  if (SSL_SESSION_set1_master_key(session, psk_.data(), psk_.size()) != 1 ||
      SSL_SESSION_set_cipher(session, cipher) != 1 ||
      SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION) != 1) {
    SSL_SESSION_free(session);
    return nullptr;
  }
  return session;
}

int TlsContext::UsePskSession(SSL* ssl, const EVP_MD* md, const unsigned char** id, size_t* id_len,
                              SSL_SESSION** session) {
  const auto* self = static_cast<const TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  *session = nullptr;
  *id = nullptr;
  *id_len = 0;
  SSL_SESSION* s = self->NewPskSession(ssl);
  if (s == nullptr) return 0;
  if (md != nullptr && md != SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(s))) {
    SSL_SESSION_free(s);  // the server chose a suite our PSK cannot serve
    return 1;
  }
  *session = s;
  *id = reinterpret_cast<const unsigned char*>(kPskIdentity.data());
  *id_len = kPskIdentity.size();
  return 1;
}

int TlsContext::FindPskSession(SSL* ssl, const unsigned char* id, size_t id_len, SSL_SESSION** session) {
  const auto* self = static_cast<const TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  *session = nullptr;
  if (std::string_view(reinterpret_cast<const char*>(id), id_len) != kPskIdentity) return 1;
  *session = self->NewPskSession(ssl);
  return *session != nullptr ? 1 : 0;
}

// ===========================================================================
// Certificates
// ===========================================================================

absl::Status TlsContext::UseCertificates(const TlsOptions& o) {
  if (absl::Status st = CheckPrivateFile("--repl-tls-key", o.key_file); !st.ok()) return st;
  if (SSL_CTX_use_certificate_chain_file(ctx_, o.cert_file.c_str()) != 1) {
    return OpenSslError(absl::StrCat("--repl-tls-cert ", o.cert_file));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx_, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return OpenSslError(absl::StrCat("--repl-tls-key ", o.key_file));
  }
  if (SSL_CTX_check_private_key(ctx_) != 1) {
    return OpenSslError("--repl-tls-key does not match --repl-tls-cert");
  }
  if (SSL_CTX_load_verify_locations(ctx_, o.ca_file.c_str(), nullptr) != 1) {
    return OpenSslError(absl::StrCat("--repl-tls-ca ", o.ca_file));
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return absl::OkStatus();
}

}  // namespace tandem::replication
