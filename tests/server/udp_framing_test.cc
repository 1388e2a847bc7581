// Framing of UDP replies: memcached's 8-byte header on each datagram of at
// most 1400 bytes.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/net/udp_endpoint.h"

namespace tandem::server::net {
namespace {

TEST(UdpFramingTest, SplitsAtFourteenHundredBytes) {
  std::vector<std::string> parts;
  net::ForEachUdpDatagram(0x0102, std::string(3000, 'x'),
                          [&](std::string_view d) { parts.emplace_back(d); });
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 1400u);
  EXPECT_EQ(parts[1].substr(0, 8), std::string("\x01\x02\x00\x01\x00\x03\x00\x00", 8));
  EXPECT_EQ(parts[2].size(), 8u + 3000u - 2u * 1392u);
}

TEST(UdpFramingTest, SmallReplyIsOneDatagram) {
  std::vector<std::string> parts;
  net::ForEachUdpDatagram(7, "STORED\r\n", [&](std::string_view d) { parts.emplace_back(d); });
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0], std::string("\x00\x07\x00\x00\x00\x01\x00\x00STORED\r\n", 16));
}

TEST(UdpFramingTest, EmptyReplySendsNothing) {
  int sent = 0;
  net::ForEachUdpDatagram(7, "", [&](std::string_view) { ++sent; });
  EXPECT_EQ(sent, 0);
}

}  // namespace
}  // namespace tandem::server::net
