// Tests for SizeClasses against the class tables real memcached 1.6.18
// prints with -vv (captured from `memcached -vv` on the reference machine).
#include "server/storage/size_classes.h"

#include <vector>

#include "gtest/gtest.h"

namespace tandem::server::storage {
namespace {

std::vector<size_t> Table(const SizeClasses& c) {
  std::vector<size_t> v;
  for (int i = 1; i <= c.count(); ++i) v.push_back(c.chunk_size(i));
  return v;
}

TEST(SizeClassesTest, DefaultsMatchMemcached) {
  SizeClasses c(48, 1.25, 512 * 1024, 1024 * 1024);
  const std::vector<size_t> want = {
      96,    120,   152,   192,   240,    304,    384,    480,    600,    752,
      944,   1184,  1480,  1856,  2320,   2904,   3632,   4544,   5680,   7104,
      8880,  11104, 13880, 17352, 21696,  27120,  33904,  42384,  52984,  66232,
      82792, 103496, 129376, 161720, 202152, 252696, 315872, 394840, 524288};
  EXPECT_EQ(Table(c), want);
  EXPECT_EQ(c.per_page(1), 10922u);
  EXPECT_EQ(c.per_page(39), 2u);
}

// memcached -vv -o slab_sizes=100-205-4000: each size rounded up to 8
// bytes, then slab_chunk_max as the last class.
TEST(SizeClassesTest, ExplicitSlabSizesMatchMemcached) {
  SizeClasses c(48, 1.25, 512 * 1024, 1024 * 1024, {100, 205, 4000});
  const std::vector<size_t> want = {104, 208, 4000, 524288};
  EXPECT_EQ(Table(c), want);
  EXPECT_EQ(c.ClassFor(105), 2);
}

TEST(SizeClassesTest, FactorTwoMinSpace100MatchesMemcached) {
  SizeClasses c(100, 2.0, 512 * 1024, 1024 * 1024);
  const std::vector<size_t> want = {152,  304,   608,   1216,  2432,   4864,
                                    9728, 19456, 38912, 77824, 155648, 524288};
  EXPECT_EQ(Table(c), want);
  EXPECT_EQ(c.per_page(4), 862u);
}

TEST(SizeClassesTest, SmallChunkMaxMatchesMemcached) {
  // memcached -vv -I 1k -o slab_chunk_max=1024
  SizeClasses c(48, 1.25, 1024, 1024 * 1024);
  const std::vector<size_t> want = {96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 1024};
  EXPECT_EQ(Table(c), want);
  EXPECT_EQ(c.per_page(11), 1024u);
  // memcached -vv -o slab_chunk_max=16384: 23 classes ending ..., 11104, 16384
  SizeClasses d(48, 1.25, 16384, 1024 * 1024);
  EXPECT_EQ(d.count(), 23);
  EXPECT_EQ(d.chunk_size(22), 11104u);
  EXPECT_EQ(d.chunk_size(23), 16384u);
}

TEST(SizeClassesTest, ClassForPicksSmallestFit) {
  SizeClasses c(48, 1.25, 512 * 1024, 1024 * 1024);
  EXPECT_EQ(c.ClassFor(1), 1);
  EXPECT_EQ(c.ClassFor(96), 1);
  EXPECT_EQ(c.ClassFor(97), 2);
  EXPECT_EQ(c.ClassFor(184), 4);  // 20-byte key + 100-byte value: 192 chunk
  EXPECT_EQ(c.chunk_size(c.ClassFor(184)), 192u);
  EXPECT_EQ(c.ClassFor(524288), 39);
  EXPECT_EQ(c.ClassFor(524289), 0);
  EXPECT_EQ(c.ClassFor(0), 0);
}

TEST(SizeClassesTest, SmallFactorStopsAtMaxClasses) {
  SizeClasses c(48, 1.01, 512 * 1024, 1024 * 1024);
  EXPECT_EQ(c.count(), SizeClasses::kMaxClasses);
  EXPECT_EQ(c.largest(), 512u * 1024);
}

}  // namespace
}  // namespace tandem::server::storage
