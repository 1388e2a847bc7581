#include "tests/support/free_port_listener.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace tandem::testing {

sockaddr_in Ipv4Address(const std::string& ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

FreePortListener ListenOnFreePort(const std::string& ip, int socket_flags) {
  FreePortListener out;
  sockaddr_in at = Ipv4Address(ip, 0);
  socklen_t len = sizeof at;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | socket_flags, 0);
  if (fd < 0) return out;
  if (bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&at), &len) != 0) {
    close(fd);
    return out;
  }
  out.fd = fd;
  out.port = ntohs(at.sin_port);
  return out;
}

}  // namespace tandem::testing
