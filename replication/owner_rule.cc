// OwnerRule (see owner_rule.h).
#include "replication/owner_rule.h"

#include <algorithm>

namespace tandem::replication {

uint64_t OwnerHash(std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (char c : key) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  // FNV's low bit is the parity of the bytes' low bits; mix every bit in.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

uint64_t KeyOwner(std::string_view key, uint64_t a, uint64_t b) {
  return (OwnerHash(key) & 1) != 0 ? std::max(a, b) : std::min(a, b);
}

}  // namespace tandem::replication
