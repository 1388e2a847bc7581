// UDP transport (-U): memcached's 8-byte frame header, one request per
// datagram, replies split into framed datagrams of at most 1400 bytes.
// Compared byte for byte with real memcached where it is installed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "tests/support/status_helpers.h"

namespace tandem {
namespace {

using testing::ServerOptions;
using testing::ServerProcess;

std::string Frame(uint16_t id, uint16_t seq, uint16_t total, std::string_view payload) {
  std::string d = {static_cast<char>(id >> 8), static_cast<char>(id), static_cast<char>(seq >> 8),
                   static_cast<char>(seq),     static_cast<char>(total >> 8),
                   static_cast<char>(total),   0, 0};
  d.append(payload);
  return d;
}

// Sends one datagram and collects every datagram that answers within a
// short quiet period (bounded).
std::vector<std::string> Exchange(int port, const std::string& datagram) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  std::vector<std::string> replies;
  for (int i = 0; i < 64; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, replies.empty() ? 1000 : 300) <= 0) break;
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    replies.emplace_back(buf, static_cast<size_t>(n));
  }
  close(fd);
  return replies;
}

class UdpTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServerProcess> StartWithUdp(const std::string& binary) {
    ServerOptions options;
    options.binary = binary;
    options.extra_port_count = 1;
    options.args = {"-U", "{port1}"};
    auto server = ServerProcess::Start(options);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }
};

TEST_F(UdpTest, SameDatagramsAsMemcached) {
  if (!testing::IsExecutable(testing::MemcachedPath())) GTEST_SKIP() << "memcached not installed";
  auto tandem = StartWithUdp(testing::TandemdPath());
  auto memcached = StartWithUdp(testing::MemcachedPath());
  ASSERT_TRUE(tandem && memcached);
  const std::vector<std::string> requests = {
      Frame(7, 0, 1, "set a 0 0 1\r\nx\r\n"),
      Frame(8, 0, 1, "get a\r\n"),
      Frame(9, 0, 1, "get a"),                      // incomplete: no answer
      Frame(10, 0, 2, "version\r\n"),               // multi-datagram request: dropped
      Frame(11, 5, 1, "version\r\n"),               // sequence number is not checked
      Frame(12, 0, 1, "set b 0 0 3000\r\n" + std::string(3000, 'y') + "\r\n"),
      Frame(13, 0, 1, "get b\r\n"),                 // three-datagram reply
      Frame(14, 0, 1, "get a\r\nget a\r\n"),        // one message per command
      Frame(65535, 0, 1, "bogus\r\n"),
      Frame(15, 0, 1, "incr a 1\r\ndelete a\r\nget a\r\n"),
  };
  for (const std::string& request : requests) {
    std::vector<std::string> want = Exchange(memcached->extra_ports()[0], request);
    std::vector<std::string> got = Exchange(tandem->extra_ports()[0], request);
    EXPECT_EQ(got, want) << "request: " << request.substr(8);
  }
}

TEST_F(UdpTest, TcpStillWorksAlongside) {
  auto tandem = StartWithUdp(testing::TandemdPath());
  ASSERT_TRUE(tandem);
  std::vector<std::string> r = Exchange(tandem->extra_ports()[0], Frame(1, 0, 1, "version\r\n"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].substr(8, 8), "VERSION ");
}

}  // namespace
}  // namespace tandem
