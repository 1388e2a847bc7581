// The soak's self-checking values: what it accepts is exactly what it wrote
// under that key, so a cross-wired or torn reply cannot pass.
#include "tools/soak/soak_values.h"

#include <string>

#include "gtest/gtest.h"

namespace tandem::soak {
namespace {

TEST(SoakValuesTest, ValueRoundTripsForItsOwnKeyOnly) {
  for (size_t size : {0u, 5u, 12u, 100u, 2000u}) {
    std::string v = MakeValue("s:17", 42, size);
    EXPECT_GE(v.size(), size);
    EXPECT_TRUE(IsValueFor("s:17", v)) << v;
    EXPECT_FALSE(IsValueFor("s:1", v)) << v;
    EXPECT_FALSE(IsValueFor("s:170", v)) << v;
  }
}

TEST(SoakValuesTest, TornOrAlteredValuesAreRejected) {
  std::string v = MakeValue("k", 7, 64);
  EXPECT_FALSE(IsValueFor("k", v.substr(0, 2)));
  std::string flipped = v;
  flipped[40] = flipped[40] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(IsValueFor("k", flipped));
  // Another write's filler under this write's header.
  std::string other = MakeValue("k", 8, 64);
  EXPECT_FALSE(IsValueFor("k", v.substr(0, 8) + other.substr(8)));
  EXPECT_FALSE(IsValueFor("k", "k|x|abc"));
  EXPECT_FALSE(IsValueFor("k", ""));
}

TEST(SoakValuesTest, ChunkRunsAndCounters) {
  EXPECT_TRUE(IsChunkRun(MakeChunk(1) + MakeChunk(22) + MakeChunk(333)));
  EXPECT_TRUE(IsChunkRun(""));
  EXPECT_FALSE(IsChunkRun("1;2"));
  EXPECT_FALSE(IsChunkRun("1;;"));
  EXPECT_FALSE(IsChunkRun("1;x;"));
  EXPECT_TRUE(IsCounter("0"));
  EXPECT_TRUE(IsCounter("18446744073709551615"));
  EXPECT_FALSE(IsCounter(""));
  EXPECT_FALSE(IsCounter("12 "));
}

}  // namespace
}  // namespace tandem::soak
