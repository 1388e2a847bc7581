// Ketama continuum: the consistent-hashing ring other memcached clients
// build, reproduced bit for bit so a tandem client and a libmemcached,
// twemproxy or spymemcached client configured alike send every key to the
// same server. (Algorithms: ../shared/client-algorithms.md, sections 1.0-1.4.)
//
// Three flavours:
// - kLibmemcached: libmemcached 1.1.4 MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED (the
//   interop target; also twemproxy `distribution: ketama`, php-memcached
//   OPT_LIBKETAMA_COMPATIBLE). groups = floorf(pct*160/4*n + 1e-10) computed
//   in IEEE binary32 exactly as libmemcached does, with pct = (float)w/(float)W
//   and n the number of live servers; each group "name-k" gives the four
//   little-endian words of MD5(name-k). Rounding makes that 39 groups (156
//   points) instead of 40 at n = 25, 47, 50, 55, 61, 71, 94, 100 with equal
//   weights, and can give a small weight 0 points: both are reproduced.
// - kLibketama: last.fm libketama and spymemcached's KetamaNodeLocator.
//   groups = floorf((float)((double)pct * 40.0 * n)): the product is done in
//   double and rounded back to float by floorf's parameter before flooring,
//   which turns 39.9999991 into 40 (so n = 25 keeps 160 points here).
// - kLibmemcachedUnweighted: MEMCACHED_BEHAVIOR_KETAMA without weights:
//   100 points per server, point k = point_hash("name-k"), weights ignored.
//
// Points are sorted by (value, configuration position): libmemcached's tie
// rule, so the earlier server wins an exact collision (about 3 colliding
// pairs are expected at 1,000 servers). Lookup is the lower bound of the key
// hash with wrap-around to the first point, as in all of these clients.
// The point name (the part before "-k") is the caller's choice; the helpers
// below give each client's rule.
#ifndef TANDEM_CLIENT_KETAMA_H_
#define TANDEM_CLIENT_KETAMA_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "client/config.h"
#include "client/key_hash.h"

namespace tandem::client {

enum class KetamaFlavor { kLibmemcached, kLibketama, kLibmemcachedUnweighted };

// libmemcached and twemproxy: "host" when the port is 11211, else
// "host:port"; the host exactly as configured (IPv6 without brackets, as
// passed to memcached_server_add).
std::string LibmemcachedPointName(const NodeAddress& node);
// libketama / spymemcached with IP literals: always "host:port" (IPv6 in
// brackets, as a libketama server file would spell it).
std::string LibketamaPointName(const NodeAddress& node);
// libmemcached MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA_SPY: "/host:port".
std::string SpyPointName(const NodeAddress& node);

// Points (4 per MD5 group) libmemcached's weighted ring gives a server of
// `weight` out of `total_weight` among `live_servers`.
uint32_t LibmemcachedPointsPerServer(uint32_t weight, uint64_t total_weight, size_t live_servers);
// Same for libketama/spymemcached.
uint32_t LibketamaPointsPerServer(uint32_t weight, uint64_t total_weight, size_t live_servers);

struct KetamaServer {
  std::string point_name;  // the text before "-k"
  uint32_t weight = 1;
  uint32_t id = 0;  // returned by Find (the ring stores shard indices here)
};

class KetamaContinuum {
 public:
  KetamaContinuum() = default;

  // Builds the ring over `servers`, given in configuration order (which
  // breaks ties). `point_hash` is used by kLibmemcachedUnweighted only; the
  // other flavours always place points with MD5.
  static KetamaContinuum Build(std::span<const KetamaServer> servers, KetamaFlavor flavor,
                               KeyHash point_hash = KeyHash::kMd5);

  bool empty() const { return values_.empty(); }
  size_t size() const { return values_.size(); }
  uint32_t value(size_t i) const { return values_[i]; }
  uint32_t server(size_t i) const { return ids_[i]; }

  // Id of the server owning `hash`: first point >= hash, wrapping to the
  // first point. Requires !empty().
  uint32_t Find(uint32_t hash) const;

 private:
  void BuildIndex();

  std::vector<uint32_t> values_;  // ascending
  std::vector<uint32_t> ids_;     // parallel to values_
  // Search index: index_[b] = first point >= (b << index_shift_), with
  // about one point per bucket, so a lookup is two reads and a short scan
  // instead of a 14-step binary search with a mispredicted branch per step.
  std::vector<uint32_t> index_;
  int index_shift_ = 32;
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_KETAMA_H_
