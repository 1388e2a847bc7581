// OpenSSL error text, shared by every TLS user in the process: the client
// listeners' context (server/net/tls_server_context) and the replication
// link (replication/tls_context).
#ifndef TANDEM_SERVER_NET_OPENSSL_ERRORS_H_
#define TANDEM_SERVER_NET_OPENSSL_ERRORS_H_

#include <string>

#include "absl/status/status.h"

namespace tandem::server::net {

// The text OpenSSL gives for one error code ("" for 0).
std::string OpenSslErrorText(unsigned long err);

// This thread's queued OpenSSL errors as one line, emptying the queue.
std::string QueuedOpenSslErrors();

// InvalidArgument "<what>: <queued errors>".
absl::Status OpenSslError(const std::string& what);

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_OPENSSL_ERRORS_H_
