// Modula distribution: server = buckets[hash % len(buckets)], where the
// bucket list holds each server `weight` times in configuration order.
//
// With the CRC "15-bit" hash ((crc32 >> 16) & 0x7fff) this is
// Cache::Memcached 1.30 (weights included), Cache::Memcached::Fast's default
// mode, libmemcached MODULA + MEMCACHED_HASH_CRC, twemproxy `modula` +
// `crc32`, and python-memcached; with one-at-a-time and weight 1 it is
// libmemcached's (and php-memcached's) default. It exists for migrations
// from those clients: any change in the server list moves most keys.
//
// python-memcached differs in one corner: it hashes with
// `((crc32 >> 16) & 0x7fff) or 1`, so a key whose 15-bit hash is 0 (about 1
// in 32,768: key9348, key14386, key29752) goes to bucket 1 instead of 0.
// `zero_hash_as_one` reproduces that. libmemcached ignores weights in
// MODULA; it agrees with us whenever all weights are 1.
//
// The bucket list is not materialised (10,000 shards of weight 65,535 would
// be 655 million entries): we keep cumulative weights and binary-search them,
// with a direct index when every weight is 1.
#ifndef TANDEM_CLIENT_MODULA_H_
#define TANDEM_CLIENT_MODULA_H_

#include <cstdint>
#include <span>
#include <vector>

namespace tandem::client {

struct ModulaServer {
  uint32_t weight = 1;
  uint32_t id = 0;  // returned by Find
};

class Modula {
 public:
  Modula() = default;

  static Modula Build(std::span<const ModulaServer> servers, bool zero_hash_as_one = false);

  bool empty() const { return ids_.empty(); }
  uint64_t bucket_count() const { return total_; }

  // Id of the server owning `hash`. Requires !empty().
  uint32_t Find(uint32_t hash) const;

 private:
  std::vector<uint32_t> ids_;
  std::vector<uint64_t> ends_;  // cumulative weights; empty when all are 1
  uint64_t total_ = 0;
  bool zero_hash_as_one_ = false;
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_MODULA_H_
