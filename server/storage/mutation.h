// Mutation: one change the engine applied, as the replication log needs it.
// State-based: a store carries the item's full resulting value (also after
// append, prepend, incr and decr), so a peer can apply it without replaying
// the command that made it.
#ifndef TANDEM_SERVER_STORAGE_MUTATION_H_
#define TANDEM_SERVER_STORAGE_MUTATION_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::server::storage {

struct Mutation {
  enum class Kind : uint8_t { kStore, kDelete, kTouch, kFlushAll };
  Kind kind;
  std::string_view key;
  uint32_t flags = 0;
  int64_t expires_at = 0;  // unix seconds; 0 = never
  uint64_t cas = 0;
  std::string_view value;  // kStore: complete value (contiguous copy for chunked items)
  int64_t flush_delay = 0; // kFlushAll
  uint64_t version = 0;    // HLC of this change (version.h); origin node id travels separately
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_MUTATION_H_
