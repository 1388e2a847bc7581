// TlsClient: tandem-bench's TLS (--tls), for servers started with -Z. One
// OpenSSL client context per run; each load connection completes its
// handshake before the run starts, so the timed phases measure requests
// over established TLS sessions (what a pooled client sees), not handshakes.
// The server is verified only when --tls-ca names a CA (benchmarks usually
// run against throw-away certificates).
#ifndef TANDEM_TOOLS_BENCH_TLS_CLIENT_H_
#define TANDEM_TOOLS_BENCH_TLS_CLIENT_H_

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace tandem::bench {

class TlsClient {
 public:
  static absl::StatusOr<std::unique_ptr<TlsClient>> Create(const std::string& ca_file);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // Runs the handshake on connected non-blocking `fd` within timeout_ms.
  // Returns the session (the caller owns it) or null with *error set.
  SSL* Handshake(int fd, int timeout_ms, std::string* error) const;

 private:
  explicit TlsClient(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_TLS_CLIENT_H_
