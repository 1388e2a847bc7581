// Endpoint: a "HOST:PORT" target for tandem-bench, parsed once and
// connected many times (one socket per load connection).
//
// IPv6 literals are written in brackets ("[::1]:11211"). Connecting is
// blocking with a timeout and happens before any timed phase, so the hot
// path only ever sees connected, non-blocking, TCP_NODELAY sockets.
#ifndef TANDEM_TOOLS_BENCH_ENDPOINT_H_
#define TANDEM_TOOLS_BENCH_ENDPOINT_H_

#include <sys/socket.h>

#include <string>
#include <vector>

namespace tandem::bench {

struct Endpoint {
  std::string host;
  int port = 0;
  std::string label;  // as the user wrote it, for reports
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
};

// Parses "HOST:PORT" (port defaults to 11211 when absent) and resolves it.
// On failure returns false and sets *error.
bool ParseEndpoint(const std::string& text, Endpoint* out, std::string* error);

// Splits a comma-separated list and parses each entry.
bool ParseEndpointList(const std::string& text, std::vector<Endpoint>* out, std::string* error);

// Opens a connected, non-blocking TCP socket with TCP_NODELAY set.
// Returns the fd, or -1 with *error set.
int ConnectEndpoint(const Endpoint& endpoint, int timeout_ms, std::string* error);

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_ENDPOINT_H_
