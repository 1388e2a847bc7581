// OwnerRule: which node of a pair owns a key (design.md, "Replication in
// one page"). While the link is up, conditional and read-modify-write
// commands on a key are carried out by its owner only (server/forwarding.h).
//
// Both nodes must answer alike from nothing but the key and the two node
// ids they exchanged in the handshake: one bit of a fixed 64-bit hash of
// the key (FNV-1a, then murmur3's finalizer so the bit depends on every
// byte) picks the lower id (0) or the higher (1). Half the keys each way;
// no state, nothing to agree on beyond the ids. Node ids change when a node
// restarts, and ownership with them: harmless, since ownership only matters
// while a link is up and both ends of a link see the same two ids.
#ifndef TANDEM_REPLICATION_OWNER_RULE_H_
#define TANDEM_REPLICATION_OWNER_RULE_H_

#include <cstdint>
#include <string_view>

namespace tandem::replication {

// The fixed key hash behind the rule (golden values in owner_rule_test).
uint64_t OwnerHash(std::string_view key);

// The owner of `key` among the nodes `a` and `b` (a != b).
uint64_t KeyOwner(std::string_view key, uint64_t a, uint64_t b);

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_OWNER_RULE_H_
