// PrefixStats (see prefix_stats.h): a flat_hash_map from prefix to counts,
// under one mutex, that reproduces memcached's dump order.
//
// memcached keeps prefixes in a 256-bucket chained table (stats_prefix.c),
// inserting each new prefix at the head of its bucket's chain, and `stats
// detail dump` walks bucket 0 to 255, each chain from its head. So the
// order is: by bucket, then newest first. Each entry therefore records its
// bucket (MurmurHash3 of the prefix mod 256; murmur3 is memcached 1.6's
// default hash_algorithm, so the order matches when memcached runs with it)
// and a creation sequence number, and Dump sorts by (bucket ascending,
// sequence descending). Keys without the delimiter are not counted, as in
// memcached.
#include "server/prefix_stats.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tandem::server {

namespace {

// MurmurHash3 x86_32 with seed 0, memcached's default hash, used only to
// reproduce the order of memcached's prefix table.
uint32_t Murmur3(std::string_view data) {
  constexpr uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
  auto rotl = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  const size_t nblocks = data.size() / 4;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  uint32_t h = 0;
  for (size_t i = 0; i < nblocks; ++i) {
    uint32_t k;
    std::memcpy(&k, bytes + 4 * i, 4);
    k *= c1;
    k = rotl(k, 15);
    k *= c2;
    h ^= k;
    h = rotl(h, 13);
    h = h * 5 + 0xe6546b64;
  }
  const uint8_t* tail = bytes + 4 * nblocks;
  uint32_t k = 0;
  switch (data.size() & 3) {
    case 3: k ^= static_cast<uint32_t>(tail[2]) << 16; [[fallthrough]];
    case 2: k ^= static_cast<uint32_t>(tail[1]) << 8; [[fallthrough]];
    case 1:
      k ^= tail[0];
      k *= c1;
      k = rotl(k, 15);
      k *= c2;
      h ^= k;
  }
  h ^= static_cast<uint32_t>(data.size());
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

constexpr uint32_t kPrefixBuckets = 256;  // memcached's PREFIX_HASH_SIZE

}  // namespace

PrefixStats::Counts* PrefixStats::Find(std::string_view key) {
  size_t pos = key.find(delimiter_);
  if (pos == std::string_view::npos) return nullptr;  // memcached skips such keys
  std::string_view prefix = key.substr(0, pos);
  auto [it, inserted] = prefixes_.try_emplace(std::string(prefix));
  if (inserted) {
    it->second.bucket = Murmur3(prefix) % kPrefixBuckets;
    it->second.sequence = next_sequence_++;
  }
  return &it->second;
}

void PrefixStats::RecordGet(std::string_view key, bool hit) {
  absl::MutexLock lock(&mu_);
  if (Counts* c = Find(key)) {
    ++c->gets;
    if (hit) ++c->hits;
  }
}

void PrefixStats::RecordSet(std::string_view key) {
  absl::MutexLock lock(&mu_);
  if (Counts* c = Find(key)) ++c->sets;
}

void PrefixStats::RecordDelete(std::string_view key) {
  absl::MutexLock lock(&mu_);
  if (Counts* c = Find(key)) ++c->deletes;
}

void PrefixStats::Clear() {
  absl::MutexLock lock(&mu_);
  prefixes_.clear();
}

void PrefixStats::Dump(std::string* out) const {
  absl::MutexLock lock(&mu_);
  std::vector<const std::pair<const std::string, Counts>*> rows;
  for (const auto& row : prefixes_) rows.push_back(&row);
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) {
    if (a->second.bucket != b->second.bucket) return a->second.bucket < b->second.bucket;
    return a->second.sequence > b->second.sequence;
  });
  for (const auto* row : rows) {
    const Counts& c = row->second;
    absl::StrAppend(out, "PREFIX ", row->first, " get ", c.gets, " hit ", c.hits, " set ", c.sets,
                    " del ", c.deletes, "\r\n");
  }
  out->append("END\r\n");
}

}  // namespace tandem::server
