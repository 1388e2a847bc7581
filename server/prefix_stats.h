// PrefixStats: `stats detail on|off|dump`, memcached's per-key-prefix
// counters (gets, hits, sets, deletes for each prefix before the -D
// delimiter). Recording happens only while detail is enabled, so the mutex
// costs nothing in normal operation. `dump` lists prefixes in memcached's
// order (its 256-bucket table, newest first within a bucket) so the output
// matches byte for byte.
#ifndef TANDEM_SERVER_PREFIX_STATS_H_
#define TANDEM_SERVER_PREFIX_STATS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace tandem::server {

class PrefixStats {
 public:
  explicit PrefixStats(char delimiter) : delimiter_(delimiter) {}

  void RecordGet(std::string_view key, bool hit);
  void RecordSet(std::string_view key);
  void RecordDelete(std::string_view key);
  void Clear();
  // "PREFIX name get N hit N set N del N\r\n" lines, then "END\r\n".
  void Dump(std::string* out) const;

 private:
  struct Counts {
    uint64_t gets = 0, hits = 0, sets = 0, deletes = 0;
    uint32_t bucket = 0;    // memcached's bucket: murmur3(prefix) % 256
    uint64_t sequence = 0;  // creation order; a bucket lists newest first
  };
  Counts* Find(std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const char delimiter_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Counts> prefixes_ ABSL_GUARDED_BY(mu_);
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_PREFIX_STATS_H_
