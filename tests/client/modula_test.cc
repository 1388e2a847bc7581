// Tests for Modula: the bucket-list arithmetic without a bucket list.
// Key-level vectors (Cache::Memcached, libmemcached, twemproxy,
// python-memcached, php-memcached) are in ring_test.cc.
#include "client/modula.h"

#include <vector>

#include "gtest/gtest.h"

namespace tandem::client {
namespace {

// The reference: Cache::Memcached's literal bucket list.
uint32_t BucketList(const std::vector<ModulaServer>& servers, uint32_t hash) {
  std::vector<uint32_t> buckets;
  for (const ModulaServer& s : servers) buckets.insert(buckets.end(), s.weight, s.id);
  return buckets[hash % buckets.size()];
}

TEST(ModulaTest, EqualWeightsIsPlainModulo) {
  const std::vector<ModulaServer> servers = {{1, 10}, {1, 11}, {1, 12}};
  const Modula m = Modula::Build(servers);
  EXPECT_EQ(m.bucket_count(), 3u);
  for (uint32_t h = 0; h < 100; ++h) EXPECT_EQ(m.Find(h), 10 + h % 3);
  EXPECT_EQ(m.Find(0xffffffffu), 10 + 0xffffffffu % 3);
}

TEST(ModulaTest, WeightsMatchTheBucketList) {
  const std::vector<ModulaServer> servers = {{1, 0}, {2, 1}, {3, 2}, {7, 3}, {1, 4}};
  const Modula m = Modula::Build(servers);
  EXPECT_EQ(m.bucket_count(), 14u);
  for (uint32_t h = 0; h < 1000; ++h) EXPECT_EQ(m.Find(h), BucketList(servers, h)) << h;
  for (uint32_t h : {0x7fffu, 0xffffffffu, 0x80000000u}) {
    EXPECT_EQ(m.Find(h), BucketList(servers, h)) << h;
  }
}

TEST(ModulaTest, PythonMemcachedZeroHash) {
  const std::vector<ModulaServer> servers = {{1, 0}, {1, 1}, {1, 2}};
  EXPECT_EQ(Modula::Build(servers).Find(0), 0u);
  EXPECT_EQ(Modula::Build(servers, /*zero_hash_as_one=*/true).Find(0), 1u);
  EXPECT_EQ(Modula::Build(servers, true).Find(3), 0u);  // only 0 is special
}

TEST(ModulaTest, Empty) { EXPECT_TRUE(Modula::Build({}).empty()); }

}  // namespace
}  // namespace tandem::client
