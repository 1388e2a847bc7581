// Building and searching the ketama continuum (see ketama.h).
//
// The point counts are the delicate part: they must be computed with the
// same floating-point operations, in the same precision and order, as the C
// clients, or servers at rounding breakpoints get a different number of
// points and a few percent of keys move. This file is compiled with
// -ffp-contract=off (client/CMakeLists.txt) so no multiply is ever fused
// with an add, and the project never uses -ffast-math.
#include "client/ketama.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "client/md5.h"

namespace tandem::client {
namespace {

constexpr uint32_t kLibmemcachedPointsPerServerKetama = 160;  // MEMCACHED_POINTS_PER_SERVER_KETAMA
constexpr uint32_t kLibmemcachedPointsPerServer = 100;        // MEMCACHED_POINTS_PER_SERVER
constexpr uint32_t kPointsPerHash = 4;

// Sorts (value << 32 | position) keys by value, keeping equal values in
// their current order: an LSD radix sort (3 passes of 11/11/10 bits) over
// the high 32 bits. The keys are generated in position order, so
// stability gives libmemcached's (value, position) order. At 10,000 shards
// (1.6 million points) this is several times faster than std::sort, which
// matters because every eject and re-add rebuilds the ring.
void SortByValueStable(std::vector<uint64_t>& keys) {
  std::vector<uint64_t> buffer(keys.size());
  constexpr int kShifts[3] = {32, 43, 54};
  constexpr int kBits[3] = {11, 11, 10};
  for (int pass = 0; pass < 3; ++pass) {
    const int shift = kShifts[pass];
    const uint64_t mask = (uint64_t{1} << kBits[pass]) - 1;
    std::vector<size_t> offsets((size_t{1} << kBits[pass]) + 1, 0);
    for (uint64_t k : keys) ++offsets[((k >> shift) & mask) + 1];
    for (size_t i = 1; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
    for (uint64_t k : keys) buffer[offsets[(k >> shift) & mask]++] = k;
    keys.swap(buffer);
  }
}

}  // namespace

std::string LibmemcachedPointName(const NodeAddress& node) {
  if (node.port == kDefaultMemcachedPort) return node.host;
  return absl::StrCat(node.host, ":", node.port);
}

std::string LibketamaPointName(const NodeAddress& node) { return node.ToString(); }

std::string SpyPointName(const NodeAddress& node) {
  return absl::StrCat("/", node.host, ":", node.port);
}

uint32_t LibmemcachedPointsPerServer(uint32_t weight, uint64_t total_weight,
                                     size_t live_servers) {
  // libmemcached/hosts.cc, update_continuum():
  //   float pct = (float)weight / (float)total_weight;
  //   floorf((float)(pct * 160 / 4 * (float)live_servers + 0.0000000001)) * 4
  // Each operator below is one binary32 operation, as in the C source; the
  // 1e-10 is added in double (a double literal) and then rounded to float.
  const float pct = static_cast<float>(weight) / static_cast<float>(total_weight);
  float x = pct * static_cast<float>(kLibmemcachedPointsPerServerKetama);
  x = x / static_cast<float>(kPointsPerHash);
  x = x * static_cast<float>(live_servers);
  const float biased = static_cast<float>(static_cast<double>(x) + 0.0000000001);
  return static_cast<uint32_t>(std::floor(biased)) * kPointsPerHash;
}

uint32_t LibketamaPointsPerServer(uint32_t weight, uint64_t total_weight, size_t live_servers) {
  // libketama/ketama.c, ketama_create_continuum():
  //   float pct = (float)slist[i].memory / (float)memory;
  //   unsigned int ks = floorf(pct * 40.0 * (float)numservers);
  // 40.0 is a double, so the product is double; floorf's float parameter
  // then rounds it to binary32 before flooring.
  const float pct = static_cast<float>(weight) / static_cast<float>(total_weight);
  const double product = static_cast<double>(pct) * 40.0 *
                         static_cast<double>(static_cast<float>(live_servers));
  const float rounded = static_cast<float>(product);
  return static_cast<uint32_t>(std::floor(rounded)) * kPointsPerHash;
}

KetamaContinuum KetamaContinuum::Build(std::span<const KetamaServer> servers, KetamaFlavor flavor,
                                       KeyHash point_hash) {
  uint64_t total_weight = 0;
  for (const KetamaServer& s : servers) total_weight += s.weight;

  // (value << 32 | position): sorting these sorts by value, then by
  // configuration position, in one pass over plain integers.
  std::vector<uint64_t> keyed;
  keyed.reserve(servers.size() * kLibmemcachedPointsPerServerKetama);
  std::string name;
  for (size_t pos = 0; pos < servers.size(); ++pos) {
    const KetamaServer& s = servers[pos];
    auto add = [&](uint32_t value) {
      keyed.push_back((static_cast<uint64_t>(value) << 32) | pos);
    };
    if (flavor == KetamaFlavor::kLibmemcachedUnweighted) {
      for (uint32_t k = 0; k < kLibmemcachedPointsPerServer; ++k) {
        name = absl::StrCat(s.point_name, "-", k);
        add(HashKey(point_hash, name));
      }
      continue;
    }
    const uint32_t points =
        flavor == KetamaFlavor::kLibmemcached
            ? LibmemcachedPointsPerServer(s.weight, total_weight, servers.size())
            : LibketamaPointsPerServer(s.weight, total_weight, servers.size());
    for (uint32_t k = 0; k < points / kPointsPerHash; ++k) {
      name = absl::StrCat(s.point_name, "-", k);
      const Md5Digest digest = Md5(name);
      for (int j = 0; j < static_cast<int>(kPointsPerHash); ++j) add(Md5Word(digest, j));
    }
  }
  SortByValueStable(keyed);

  KetamaContinuum continuum;
  continuum.values_.reserve(keyed.size());
  continuum.ids_.reserve(keyed.size());
  for (uint64_t k : keyed) {
    continuum.values_.push_back(static_cast<uint32_t>(k >> 32));
    continuum.ids_.push_back(servers[static_cast<uint32_t>(k)].id);
  }
  continuum.BuildIndex();
  return continuum;
}

void KetamaContinuum::BuildIndex() {
  // 2^bits buckets for size() points, bits in [1, 20] (at most 4 MiB).
  int bits = 1;
  while (bits < 20 && (size_t{1} << bits) < values_.size()) ++bits;
  index_shift_ = 32 - bits;
  const size_t buckets = size_t{1} << bits;
  index_.assign(buckets + 1, 0);
  size_t p = 0;
  for (size_t b = 0; b < buckets; ++b) {
    const uint64_t start = static_cast<uint64_t>(b) << index_shift_;
    while (p < values_.size() && values_[p] < start) ++p;
    index_[b] = static_cast<uint32_t>(p);
  }
  index_[buckets] = static_cast<uint32_t>(values_.size());
}

uint32_t KetamaContinuum::Find(uint32_t hash) const {
  // Every point in [index_[b], index_[b+1]) lies in hash's bucket and the
  // point at index_[b+1] (if any) is beyond it, so the lower bound is in
  // [lo, hi]: scan when short, binary-search when a bucket is crowded.
  const size_t b = hash >> index_shift_;
  size_t lo = index_[b];
  const size_t hi = index_[b + 1];
  if (hi - lo > 8) {
    lo = static_cast<size_t>(
        std::lower_bound(values_.begin() + static_cast<std::ptrdiff_t>(lo),
                         values_.begin() + static_cast<std::ptrdiff_t>(hi), hash) -
        values_.begin());
  } else {
    while (lo < hi && values_[lo] < hash) ++lo;
  }
  if (lo == values_.size()) lo = 0;  // past the last point: wrap around
  return ids_[lo];
}

}  // namespace tandem::client
