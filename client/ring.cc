// Ring: configuration -> live members -> ketama continuum or modula table.
#include "client/ring.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace tandem::client {
namespace {

KeyHash DefaultKeyHash(Distribution d) {
  switch (d) {
    case Distribution::kKetama:
    case Distribution::kKetamaLibketama:
      return KeyHash::kMd5;
    case Distribution::kKetamaUnweighted:
      return KeyHash::kOneAtATime;
    case Distribution::kModula:
      return KeyHash::kCrc15;
  }
  return KeyHash::kMd5;
}

}  // namespace

absl::StatusOr<Ring> Ring::Create(std::vector<ShardConfig> shards, RingOptions options) {
  if (shards.empty()) return absl::InvalidArgumentError("a ring needs at least one shard");
  if (shards.size() > kMaxShards) {
    return absl::InvalidArgumentError(
        absl::StrCat("a ring holds at most ", kMaxShards, " shards, got ", shards.size()));
  }
  for (const ShardConfig& s : shards) {
    if (s.nodes.empty() || s.nodes.size() > 2) {
      return absl::InvalidArgumentError("a shard is one node or a pair");
    }
  }
  Ring ring;
  ring.shards_ = std::move(shards);
  ring.live_.assign(ring.shards_.size(), true);
  ring.key_hash_ = options.key_hash.value_or(DefaultKeyHash(options.distribution));
  ring.options_ = options;
  ring.Rebuild();
  return ring;
}

absl::StatusOr<Ring> Ring::Create(std::string_view config, RingOptions options) {
  absl::StatusOr<std::vector<ShardConfig>> shards = ParseShardList(config);
  if (!shards.ok()) return shards.status();
  return Create(*std::move(shards), options);
}

std::string Ring::PointName(size_t shard) const {
  const NodeAddress& node = shards_[shard].name_node();
  PointNames names = options_.point_names;
  if (names == PointNames::kDefault) {
    names = options_.distribution == Distribution::kKetamaLibketama ? PointNames::kHostPort
                                                                     : PointNames::kLibmemcached;
  }
  switch (names) {
    case PointNames::kDefault:
    case PointNames::kLibmemcached:
      return LibmemcachedPointName(node);
    case PointNames::kHostPort:
      return LibketamaPointName(node);
    case PointNames::kSpy:
      return SpyPointName(node);
  }
  return LibmemcachedPointName(node);
}

void Ring::Rebuild() {
  if (options_.distribution == Distribution::kModula) {
    std::vector<ModulaServer> servers;
    for (size_t i = 0; i < shards_.size(); ++i) {
      if (live_[i]) servers.push_back({shards_[i].weight, static_cast<uint32_t>(i)});
    }
    modula_ = Modula::Build(servers, options_.python_memcached_zero_hash);
    return;
  }
  std::vector<KetamaServer> servers;
  servers.reserve(shards_.size());
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (live_[i]) servers.push_back({PointName(i), shards_[i].weight, static_cast<uint32_t>(i)});
  }
  KetamaFlavor flavor = KetamaFlavor::kLibmemcached;
  if (options_.distribution == Distribution::kKetamaLibketama) flavor = KetamaFlavor::kLibketama;
  if (options_.distribution == Distribution::kKetamaUnweighted) {
    flavor = KetamaFlavor::kLibmemcachedUnweighted;
  }
  continuum_ = KetamaContinuum::Build(servers, flavor, key_hash_);
}

uint32_t Ring::HashFor(std::string_view key) const {
  if (options_.hash_tag.has_value()) key = options_.hash_tag->Apply(key);
  return HashKey(key_hash_, key);
}

size_t Ring::ShardForHash(uint32_t hash) const {
  if (options_.distribution == Distribution::kModula) {
    return modula_.empty() ? kNoShard : modula_.Find(hash);
  }
  return continuum_.empty() ? kNoShard : continuum_.Find(hash);
}

size_t Ring::ShardFor(std::string_view key) const { return ShardForHash(HashFor(key)); }

absl::Status Ring::Eject(size_t shard) {
  if (shard >= shards_.size()) {
    return absl::OutOfRangeError(absl::StrCat("no shard ", shard, " (ring has ", size(), ")"));
  }
  if (!live_[shard]) return absl::OkStatus();
  live_[shard] = false;
  Rebuild();
  return absl::OkStatus();
}

absl::Status Ring::Restore(size_t shard) {
  if (shard >= shards_.size()) {
    return absl::OutOfRangeError(absl::StrCat("no shard ", shard, " (ring has ", size(), ")"));
  }
  if (live_[shard]) return absl::OkStatus();
  live_[shard] = true;
  Rebuild();
  return absl::OkStatus();
}

size_t Ring::live_count() const {
  size_t n = 0;
  for (bool b : live_) n += b;
  return n;
}

}  // namespace tandem::client
