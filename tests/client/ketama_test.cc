// Golden tests for the ketama continuum: the full 480-point ring of
// libmemcached 1.1.4, its point counts for n = 1..100 and weighted sets
// (binary32 rounding), and libketama's counts. Key-to-server vectors for
// every ketama client are checked through Ring in ring_test.cc.
#include "client/ketama.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/md5.h"
#include "gtest/gtest.h"
#include "tests/client/vector_file.h"

namespace tandem::client {
namespace {

using testing::ReadVectorFile;
using testing::ToU64;

std::vector<KetamaServer> ThreeServers(std::vector<uint32_t> weights = {1, 1, 1}) {
  std::vector<KetamaServer> servers;
  for (uint32_t i = 0; i < 3; ++i) {
    servers.push_back({LibmemcachedPointName(NodeAddress{"127.0.0.1", uint16_t(11211 + i)}),
                       weights[i], i});
  }
  return servers;
}

TEST(KetamaTest, PointNames) {
  EXPECT_EQ(LibmemcachedPointName({"127.0.0.1", 11211}), "127.0.0.1");
  EXPECT_EQ(LibmemcachedPointName({"127.0.0.1", 11212}), "127.0.0.1:11212");
  EXPECT_EQ(LibmemcachedPointName({"::1", 11212}), "::1:11212");
  EXPECT_EQ(LibketamaPointName({"127.0.0.1", 11211}), "127.0.0.1:11211");
  EXPECT_EQ(LibketamaPointName({"::1", 11211}), "[::1]:11211");
  EXPECT_EQ(SpyPointName({"127.0.0.1", 11211}), "/127.0.0.1:11211");
}

TEST(KetamaTest, LibmemcachedContinuumMatchesAllPoints) {
  TANDEM_REQUIRE_VECTORS();
  const testing::VectorFile file = ReadVectorFile("ketama-libmemcached-3servers-continuum.txt");
  ASSERT_EQ(file.rows.size(), 480u);
  const std::vector<KetamaServer> servers = ThreeServers();
  const KetamaContinuum c = KetamaContinuum::Build(servers, KetamaFlavor::kLibmemcached);
  ASSERT_EQ(c.size(), file.rows.size());
  for (size_t i = 0; i < c.size(); ++i) {
    ASSERT_EQ(file.rows[i].size(), 2u);
    EXPECT_EQ(c.value(i), ToU64(file.rows[i][0])) << "point " << i;
    EXPECT_EQ(c.server(i), ToU64(file.rows[i][1])) << "point " << i;
  }
}

TEST(KetamaTest, WorkedExampleFromNotes) {
  const std::vector<KetamaServer> servers = ThreeServers();
  const KetamaContinuum c = KetamaContinuum::Build(servers, KetamaFlavor::kLibmemcached);
  // "key0" -> 4060279841 -> point 4072331339 = md5word("127.0.0.1:11213-16", 0).
  EXPECT_EQ(Md5Word(Md5("127.0.0.1:11213-16"), 0), 4072331339u);
  EXPECT_EQ(c.Find(4060279841u), 2u);
  EXPECT_EQ(c.Find(4072331339u), 2u);  // a hash equal to a point maps to it
  // Wrap-around: above the last point goes to the first point's server.
  EXPECT_EQ(c.Find(0xffffffffu), c.server(0));
  EXPECT_EQ(c.Find(0), c.server(0));
}

TEST(KetamaTest, LibmemcachedPointsPerServer) {
  TANDEM_REQUIRE_VECTORS();
  const testing::VectorFile file = ReadVectorFile("ketama-libmemcached-points-per-server.txt");
  ASSERT_EQ(file.rows.size(), 107u);  // n = 1..100 and 7 weighted sets
  for (const auto& row : file.rows) {
    ASSERT_EQ(row.size(), 3u);
    const size_t n = ToU64(row[0]);
    const std::vector<std::string> weight_text = absl::StrSplit(row[1], ',');
    const std::vector<std::string> count_text = absl::StrSplit(row[2], ',');
    ASSERT_EQ(weight_text.size(), n);
    ASSERT_EQ(count_text.size(), n);
    std::vector<KetamaServer> servers;
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t w = static_cast<uint32_t>(ToU64(weight_text[i]));
      total += w;
      servers.push_back({absl::StrCat("10.0.", i / 250, ".", i % 250 + 1), w,
                         static_cast<uint32_t>(i)});
    }
    // The formula, and the continuum actually built from it.
    const KetamaContinuum c = KetamaContinuum::Build(servers, KetamaFlavor::kLibmemcached);
    std::vector<uint32_t> counted(n, 0);
    for (size_t p = 0; p < c.size(); ++p) ++counted[c.server(p)];
    for (size_t i = 0; i < n; ++i) {
      const uint32_t want = static_cast<uint32_t>(ToU64(count_text[i]));
      EXPECT_EQ(LibmemcachedPointsPerServer(servers[i].weight, total, n), want)
          << "n=" << n << " weights " << row[1] << " server " << i;
      EXPECT_EQ(counted[i], want) << "n=" << n << " weights " << row[1] << " server " << i;
    }
  }
}

TEST(KetamaTest, BinaryRoundingBreakpoints) {
  // Equal weights: 156 points at these n in libmemcached, 160 in libketama.
  for (size_t n : {25, 47, 50, 55, 61, 71, 94, 100}) {
    EXPECT_EQ(LibmemcachedPointsPerServer(1, n, n), 156u) << n;
  }
  for (size_t n : {1, 2, 3, 24, 26, 99, 1000}) EXPECT_EQ(LibmemcachedPointsPerServer(1, n, n), 160u) << n;
  // client-algorithms.md 1.1: libketama keeps 160 at n = 25, 47, 100 and
  // has 156 at n = 61, like libmemcached.
  for (size_t n : {25, 47, 100}) EXPECT_EQ(LibketamaPointsPerServer(1, n, n), 160u) << n;
  EXPECT_EQ(LibketamaPointsPerServer(1, 61, 61), 156u);
  // Weighted sets: 26/58/36 -> 480 vs 476 points; 1/12/67/99/21 -> 800 vs 792.
  auto total = [](std::vector<uint32_t> w, bool libketama) {
    uint64_t sum = 0, points = 0;
    for (uint32_t x : w) sum += x;
    for (uint32_t x : w) {
      points += libketama ? LibketamaPointsPerServer(x, sum, w.size())
                          : LibmemcachedPointsPerServer(x, sum, w.size());
    }
    return points;
  };
  EXPECT_EQ(total({26, 58, 36}, true), 480u);
  EXPECT_EQ(total({26, 58, 36}, false), 476u);
  EXPECT_EQ(total({1, 12, 67, 99, 21}, true), 800u);
  EXPECT_EQ(total({1, 12, 67, 99, 21}, false), 792u);
}

TEST(KetamaTest, TiesGoToTheEarlierServer) {
  // Two servers with the same point name produce identical points: every
  // point is a tie, and configuration order must decide all of them.
  std::vector<KetamaServer> servers = {{"same", 1, 7}, {"same", 1, 3}};
  const KetamaContinuum c = KetamaContinuum::Build(servers, KetamaFlavor::kLibmemcached);
  ASSERT_EQ(c.size(), 320u);
  for (uint32_t h : {0u, 1u, 123456789u, 0xffffffffu}) EXPECT_EQ(c.Find(h), 7u);
  std::swap(servers[0], servers[1]);
  const KetamaContinuum d = KetamaContinuum::Build(servers, KetamaFlavor::kLibmemcached);
  for (uint32_t h : {0u, 1u, 123456789u, 0xffffffffu}) EXPECT_EQ(d.Find(h), 3u);
}

TEST(KetamaTest, UnweightedHasOnePointPerName) {
  const std::vector<KetamaServer> servers = ThreeServers({1, 5, 9});
  const KetamaContinuum c =
      KetamaContinuum::Build(servers, KetamaFlavor::kLibmemcachedUnweighted, KeyHash::kMd5);
  EXPECT_EQ(c.size(), 300u);  // weights ignored
  bool found = false;
  for (size_t i = 0; i < c.size(); ++i) {
    found |= c.value(i) == Md5Word(Md5("127.0.0.1:11212-99"), 0) && c.server(i) == 1;
  }
  EXPECT_TRUE(found);
}

// Find (bucket index + scan) must equal the plain definition: lower bound
// over the sorted points, wrapping to the first.
TEST(KetamaTest, FindEqualsLowerBoundWithWrap) {
  for (size_t n : {1, 2, 3, 17, 100, 700}) {
    std::vector<KetamaServer> servers;
    for (uint32_t i = 0; i < n; ++i) servers.push_back({absl::StrCat("s", i), 1 + i % 3, i});
    const KetamaContinuum c = KetamaContinuum::Build(servers, KetamaFlavor::kLibmemcached);
    std::vector<uint32_t> values;
    for (size_t i = 0; i < c.size(); ++i) values.push_back(c.value(i));
    ASSERT_TRUE(std::is_sorted(values.begin(), values.end()));
    auto reference = [&](uint32_t h) {
      size_t i = static_cast<size_t>(std::lower_bound(values.begin(), values.end(), h) -
                                     values.begin());
      return c.server(i == values.size() ? 0 : i);
    };
    uint32_t h = 12345;
    for (int k = 0; k < 20000; ++k) {
      h = h * 1664525u + 1013904223u;
      ASSERT_EQ(c.Find(h), reference(h)) << "n=" << n << " hash " << h;
    }
    for (size_t i = 0; i < values.size(); ++i) {
      for (uint32_t d : {0u, 1u}) {
        const uint32_t probe = values[i] - d;
        ASSERT_EQ(c.Find(probe), reference(probe)) << "n=" << n << " probe " << probe;
      }
      ASSERT_EQ(c.Find(values[i] + 1), reference(values[i] + 1));
    }
    for (uint32_t edge : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu}) {
      ASSERT_EQ(c.Find(edge), reference(edge)) << edge;
    }
  }
}

TEST(KetamaTest, EmptyAndZeroPointServers) {
  EXPECT_TRUE(KetamaContinuum::Build({}, KetamaFlavor::kLibmemcached).empty());
  // Weight 1 among 1,12,67,99,21 gets no points, so never a key.
  std::vector<KetamaServer> servers;
  const uint32_t w[] = {1, 12, 67, 99, 21};
  for (uint32_t i = 0; i < 5; ++i) servers.push_back({absl::StrCat("s", i), w[i], i});
  const KetamaContinuum c = KetamaContinuum::Build(servers, KetamaFlavor::kLibmemcached);
  for (size_t i = 0; i < c.size(); ++i) EXPECT_NE(c.server(i), 0u);
}

}  // namespace
}  // namespace tandem::client
