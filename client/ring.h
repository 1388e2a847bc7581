// Ring: key -> shard (a node or a replica pair) for the client library.
//
// A shard is one ring member whatever it holds: failover inside a pair
// never changes the ring. The member is named after its first node, so a
// libmemcached or twemproxy client given just the first nodes computes the
// same mapping. The ring combines an optional hash tag (hash_tag.h), a key
// hash (key_hash.h) and a distribution (ketama.h or modula.h):
//
//   kKetama           libmemcached KETAMA_WEIGHTED (default): MD5 points and
//                     key hash, libmemcached point names, binary32 counts.
//   kKetamaLibketama  last.fm libketama / spymemcached: names always
//                     host:port, libketama's point counts.
//   kKetamaUnweighted libmemcached KETAMA without weights: 100 points per
//                     shard, point = key hash of the name (default hash
//                     one-at-a-time, as libmemcached's default).
//   kModula           bucket-list modula, default hash CRC 15-bit.
//
// Other clients are reached by overriding the key hash or point names:
// twemproxy's default pool is kKetama + kFnv1a_64; libmemcached's
// CONSISTENT_KETAMA_SPY is kKetama + PointNames::kSpy; libmemcached's
// "hybrid" (KETAMA with a weight > 1 silently switches to the weighted MD5
// ring but keeps one-at-a-time keys) is kKetama + kOneAtATime. In
// kKetamaUnweighted weights are ignored rather than triggering that hybrid.
//
// Ejecting a shard rebuilds the distribution over the live shards only, as
// libmemcached's auto-eject (REMOVE_FAILED_SERVERS) and twemproxy's
// auto_eject_hosts do: the number of live shards and their total weight
// enter the point counts, so while a shard is out the ring is exactly the
// ring those clients build without it, and re-adding it restores the
// original ring. With ketama and equal weights only the ejected shard's keys
// move (unless n crosses a binary32 breakpoint such as 25 or 47). With
// unequal weights libmemcached's group count floor(40*n*w/W) changes for
// every survivor when n and W change (weights 1,1,3,1: 26 groups per
// weight-1 shard, 24 after one leaves), so some keys also move between
// survivors (tested: ~9% of keys in a 4-shard example). That is what
// libmemcached and twemproxy do, so we keep it for compatibility. With
// modula most keys move. Each Eject/Restore rebuilds the whole continuum. A Ring is a value: ShardFor is const and safe to call from many
// threads; Eject/Restore are not synchronised (the owner swaps or locks).
#ifndef TANDEM_CLIENT_RING_H_
#define TANDEM_CLIENT_RING_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/config.h"
#include "client/distribution.h"
#include "client/hash_tag.h"
#include "client/ketama.h"
#include "client/key_hash.h"
#include "client/modula.h"

namespace tandem::client {


// How a shard's first node becomes a ketama point name.
enum class PointNames {
  kDefault,       // the distribution's own rule
  kLibmemcached,  // host, or host:port when the port is not 11211
  kHostPort,      // always host:port (libketama, spymemcached)
  kSpy,           // "/host:port" (libmemcached CONSISTENT_KETAMA_SPY)
};

struct RingOptions {
  Distribution distribution = Distribution::kKetama;
  // Default: kMd5 for kKetama and kKetamaLibketama, kOneAtATime for
  // kKetamaUnweighted, kCrc15 for kModula.
  std::optional<KeyHash> key_hash;
  std::optional<HashTag> hash_tag;  // nullopt: the whole key is hashed
  PointNames point_names = PointNames::kDefault;
  bool python_memcached_zero_hash = false;  // kModula: hash 0 counts as 1
};

inline constexpr size_t kMaxShards = 100000;

class Ring {
 public:
  // Fails on an empty list or more than kMaxShards shards.
  static absl::StatusOr<Ring> Create(std::vector<ShardConfig> shards, RingOptions options = {});
  // Parses `config` (see config.h) first.
  static absl::StatusOr<Ring> Create(std::string_view config, RingOptions options = {});

  // The shard (index into shards()) that owns `key`, or kNoShard when every
  // shard is ejected (or, in a weighted ketama ring, none has a point).
  size_t ShardFor(std::string_view key) const;
  // The key's 32-bit hash, after the hash tag; and the shard owning it.
  uint32_t HashFor(std::string_view key) const;
  size_t ShardForHash(uint32_t hash) const;

  // Takes a shard out of the ring / puts it back (both rebuild).
  absl::Status Eject(size_t shard);
  absl::Status Restore(size_t shard);
  bool IsLive(size_t shard) const { return live_[shard]; }
  size_t live_count() const;

  size_t size() const { return shards_.size(); }
  const std::vector<ShardConfig>& shards() const { return shards_; }
  const RingOptions& options() const { return options_; }
  KeyHash key_hash() const { return key_hash_; }
  // The ketama points (empty for kModula).
  const KetamaContinuum& continuum() const { return continuum_; }
  // The point name the ring uses for `shard` (ketama distributions).
  std::string PointName(size_t shard) const;

 private:
  Ring() = default;
  void Rebuild();

  std::vector<ShardConfig> shards_;
  std::vector<bool> live_;
  RingOptions options_;
  KeyHash key_hash_ = KeyHash::kMd5;
  KetamaContinuum continuum_;
  Modula modula_;
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_RING_H_
