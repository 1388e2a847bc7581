// The listening socket of a test's own stand-in: a relay between two
// tandemd processes, or a server that answers (or never answers) as a test
// scripts it. Bound to a kernel-chosen free port, so parallel tests never
// collide.
#ifndef TANDEM_TESTS_SUPPORT_FREE_PORT_LISTENER_H_
#define TANDEM_TESTS_SUPPORT_FREE_PORT_LISTENER_H_

#include <netinet/in.h>

#include <string>

namespace tandem::testing {

// `ip` (dotted IPv4) and `port` as a socket address.
sockaddr_in Ipv4Address(const std::string& ip, int port);

struct FreePortListener {
  int fd = -1;   // -1 when it could not listen
  int port = 0;
};

// A socket listening on `ip`, any free port. `socket_flags` is or-ed into
// the type (SOCK_NONBLOCK for a relay polling it); SOCK_CLOEXEC always.
FreePortListener ListenOnFreePort(const std::string& ip, int socket_flags = 0);

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_SUPPORT_FREE_PORT_LISTENER_H_
