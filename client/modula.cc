// Bucket-list modula without the list (see modula.h).
#include "client/modula.h"

#include <algorithm>

namespace tandem::client {

Modula Modula::Build(std::span<const ModulaServer> servers, bool zero_hash_as_one) {
  Modula m;
  m.zero_hash_as_one_ = zero_hash_as_one;
  bool all_one = true;
  for (const ModulaServer& s : servers) {
    m.ids_.push_back(s.id);
    m.total_ += s.weight;
    m.ends_.push_back(m.total_);
    all_one = all_one && s.weight == 1;
  }
  if (all_one) m.ends_.clear();
  return m;
}

uint32_t Modula::Find(uint32_t hash) const {
  if (zero_hash_as_one_ && hash == 0) hash = 1;
  const uint64_t bucket = hash % total_;
  if (ends_.empty()) return ids_[bucket];
  // The server whose bucket range [end - weight, end) holds `bucket`.
  const auto it = std::upper_bound(ends_.begin(), ends_.end(), bucket);
  return ids_[static_cast<size_t>(it - ends_.begin())];
}

}  // namespace tandem::client
