// Endpoint: parsing, resolving and connecting tandem-bench targets.
#include "tools/bench/endpoint.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tandem::bench {

bool ParseEndpoint(const std::string& text, Endpoint* out, std::string* error) {
  std::string host;
  std::string port = "11211";
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos) {
      *error = absl::StrCat("bad address '", text, "': missing ']'");
      return false;
    }
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') {
        *error = absl::StrCat("bad address '", text, "'");
        return false;
      }
      port = text.substr(close + 2);
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon != std::string::npos && text.find(':') != colon) {
      *error = absl::StrCat("bad address '", text, "': write IPv6 as [addr]:port");
      return false;
    }
    host = colon == std::string::npos ? text : text.substr(0, colon);
    if (colon != std::string::npos) port = text.substr(colon + 1);
  }
  int port_num = 0;
  if (host.empty() || !absl::SimpleAtoi(port, &port_num) || port_num < 1 || port_num > 65535) {
    *error = absl::StrCat("bad address '", text, "': want HOST:PORT");
    return false;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    *error = absl::StrCat("cannot resolve '", host, "': ", gai_strerror(rc));
    return false;
  }
  out->host = host;
  out->port = port_num;
  out->label = text;
  std::memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
  out->addr_len = res->ai_addrlen;
  freeaddrinfo(res);
  return true;
}

bool ParseEndpointList(const std::string& text, std::vector<Endpoint>* out, std::string* error) {
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    Endpoint e;
    if (!ParseEndpoint(std::string(part), &e, error)) return false;
    out->push_back(std::move(e));
  }
  return true;
}

int ConnectEndpoint(const Endpoint& endpoint, int timeout_ms, std::string* error) {
  int fd = socket(endpoint.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = absl::StrCat("socket: ", strerror(errno));
    return -1;
  }
  int rc = connect(fd, reinterpret_cast<const sockaddr*>(&endpoint.addr), endpoint.addr_len);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = poll(&p, 1, timeout_ms);
    if (rc == 0) {
      *error = absl::StrCat("connect to ", endpoint.label, ": timed out");
      close(fd);
      return -1;
    }
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    if (soerr != 0) {
      errno = soerr;
      rc = -1;
    } else {
      rc = 0;
    }
  }
  if (rc != 0) {
    *error = absl::StrCat("connect to ", endpoint.label, ": ", strerror(errno));
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace tandem::bench
