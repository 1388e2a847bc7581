// crc32c: the known vector on both paths, and the hardware path equal to
// the table on every length 0..300 at every alignment 0..7 and when
// continued from an earlier result (the wire must not depend on the CPU).
#include "replication/crc32c.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace tandem::replication {
namespace {

TEST(Crc32c, KnownVectorOnBothPaths) {
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32cPortable("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32cPortable(""), 0u);
  // 32 zero bytes: RFC 3720 B.4's first vector.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62a8ab43u);
}

TEST(Crc32c, FastPathEqualsTheTableAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::string buf(320, '\0');
  for (char& ch : buf) ch = static_cast<char>(rng());
  for (size_t align = 0; align < 8; ++align) {
    for (size_t len = 0; len + align <= 308; ++len) {
      std::string_view part = std::string_view(buf).substr(align, len);
      ASSERT_EQ(Crc32c(part), Crc32cPortable(part)) << "align " << align << " len " << len;
    }
  }
}

TEST(Crc32c, ContinuingAnEarlierResultEqualsOneCall) {
  const std::string data = "the quick brown fox jumps over the lazy dog, twice over";
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    std::string_view a = std::string_view(data).substr(0, cut);
    std::string_view b = std::string_view(data).substr(cut);
    EXPECT_EQ(Crc32c(b, Crc32c(a)), Crc32c(data));
    EXPECT_EQ(Crc32cPortable(b, Crc32cPortable(a)), Crc32cPortable(data));
  }
}

}  // namespace
}  // namespace tandem::replication
