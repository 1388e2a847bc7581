// ClientTlsContext (see tls_context.h). Build() makes a complete SSL_CTX
// from the settings; Load and Refresh swap it in under mu_, and NewSsl takes
// its SSL from whichever context is current (SSL_new holds a reference, so a
// swapped-out context lives until its last connection ends).
#include "server/net/tls_context.h"

#include <openssl/err.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "protocol/error_strings.h"
#include "server/net/openssl_errors.h"

namespace tandem::server::net {
namespace {

// memcached's session id context, so sessions are scoped to this service.
constexpr unsigned char kSessionIdContext[] = "memcached";

int VerifyFlags(int mode) {
  switch (mode) {
    case 1: return SSL_VERIFY_PEER;
    case 2: return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    case 3: return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE;
    default: return SSL_VERIFY_NONE;
  }
}

int ProtocolVersion(int level) {
  switch (level) {
    case 0: return TLS1_VERSION;
    case 1: return TLS1_1_VERSION;
    case 3: return TLS1_3_VERSION;
    default: return TLS1_2_VERSION;
  }
}

// memcached's "<what>: <file> : <first OpenSSL error>" (the rest of the
// queue is dropped).
absl::Status LoadError(const std::string& what, const std::string& file) {
  const std::string reason = OpenSslErrorText(ERR_get_error());
  ERR_clear_error();
  return absl::InvalidArgumentError(absl::StrCat(what, file, " : ", reason));
}

}  // namespace

ClientTlsContext::ClientTlsContext(const Settings& settings, ServerStats& stats, const storage::Clock& clock)
    : settings_(settings), stats_(stats), clock_(clock) {}

ClientTlsContext::~ClientTlsContext() {
  absl::MutexLock lock(&mu_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
}

bool ClientTlsContext::enabled() const {
  absl::MutexLock lock(&mu_);
  return ctx_ != nullptr;
}

absl::StatusOr<SSL_CTX*> ClientTlsContext::Build() const {
  const Settings& s = settings_;
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return OpenSslError("SSL_CTX_new");
  auto fail = [ctx](absl::Status st) {
    SSL_CTX_free(ctx);
    return st;
  };
  SSL_CTX_set_min_proto_version(ctx, ProtocolVersion(s.ssl_min_version));
  // A chain never given is memcached's "(null)". memcached hands OpenSSL the
  // null name, whose fopen() fails with EFAULT (undefined behaviour, and a
  // crash under ASan); the same error is raised here without that call.
  if (!s.ssl_chain_cert_given) {
    ERR_raise(ERR_LIB_SYS, EFAULT);
    return fail(LoadError("Error loading the certificate chain: ", "(null)"));
  }
  const char* chain = s.ssl_chain_cert.c_str();
  const char* key = s.ssl_key_given ? s.ssl_key.c_str() : chain;
  if (SSL_CTX_use_certificate_chain_file(ctx, chain) != 1) {
    return fail(LoadError("Error loading the certificate chain: ", chain));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key, s.ssl_keyformat) != 1) {
    return fail(LoadError("Error loading the key: ", key ? key : "(null)"));
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    const std::string reason = OpenSslErrorText(ERR_get_error());
    ERR_clear_error();
    return fail(absl::InvalidArgumentError(absl::StrCat("Error validating the certificate: ", reason)));
  }
  if (!s.ssl_ca_cert.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, s.ssl_ca_cert.c_str(), nullptr) != 1) {
      return fail(LoadError("Error loading the CA certificate: ", s.ssl_ca_cert));
    }
    // Tells clients which CAs their certificate must come from.
    SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(s.ssl_ca_cert.c_str()));
  }
  SSL_CTX_set_verify(ctx, VerifyFlags(s.ssl_verify_mode), nullptr);
  if (!s.ssl_ciphers.empty() && SSL_CTX_set_cipher_list(ctx, s.ssl_ciphers.c_str()) != 1) {
    ERR_clear_error();
    return fail(absl::InvalidArgumentError(
        absl::StrCat("Error setting the provided cipher(s): ", s.ssl_ciphers)));
  }
  // Always set (memcached sets it only with the cache): OpenSSL refuses a
  // resumption under client verification without one.
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1);
  if (s.ssl_session_cache) {
    SSL_CTX_sess_set_new_cb(ctx, &ClientTlsContext::OnNewSession);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  if (s.ssl_kernel_tls) SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  // Idle connections give their record buffers back (as memcached); a
  // retried SSL_write may come from a moved output block (the output queue
  // appends to the block being written); read-ahead takes as many records
  // as the socket holds in one read.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_app_data(ctx, const_cast<ClientTlsContext*>(this));
  return ctx;
}

absl::Status ClientTlsContext::Load() {
  absl::StatusOr<SSL_CTX*> ctx = Build();
  if (!ctx.ok()) return ctx.status();
  absl::MutexLock lock(&mu_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  ctx_ = *ctx;
  stats_.ssl_cert_refresh_time.store(clock_.Now(), std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status ClientTlsContext::Refresh() {
  if (!enabled()) return absl::FailedPreconditionError(std::string(protocol::kErrorTlsNotEnabled));
  return Load();
}

SSL* ClientTlsContext::NewSsl(int fd) {
  SSL* ssl = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (ctx_ != nullptr) ssl = SSL_new(ctx_);
  }
  if (ssl == nullptr) return nullptr;
  if (SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return ssl;
}

// Every session the server issues (TLS 1.3 sends two tickets per full
// handshake); resumed ones are not counted, as in memcached.
int ClientTlsContext::OnNewSession(SSL* ssl, SSL_SESSION*) {
  auto* self = static_cast<ClientTlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  self->stats_.ssl_new_sessions.fetch_add(1, std::memory_order_relaxed);
  return 0;  // the cache keeps its own reference
}

}  // namespace tandem::server::net
