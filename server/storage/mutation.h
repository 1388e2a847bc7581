// Mutation: one change the engine applied, as the replication log needs it.
// State-based: a store carries the item's full resulting value (also after
// append, prepend, incr and decr), so a peer can apply it without replaying
// the command that made it.
//
// Times. origin_ms is the wall clock (ms) of the node holding the Mutation
// when the change was made, and expires_at is on that same clock: the
// engine fills both from its own clock; the replication applier shifts a
// received record's times by the measured peer clock offset before the
// engine sees them, so the engine only ever deals in its own clock. On the
// wire (record_codec) the expiry travels as time remaining after origin_ms
// and a flush's delay as milliseconds after origin_ms, never as a unix time
// the peer would read on a clock that may disagree.
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
  int64_t expires_at = 0;  // unix seconds (holder's clock); 0 = never; 1 = already expired
  uint64_t cas = 0;
  std::string_view value;  // kStore: complete value (contiguous copy for chunked items)
  int64_t flush_delay_ms = 0;  // kFlushAll: takes effect this long after origin_ms
  uint64_t version = 0;    // HLC of this change (version.h); origin node id travels separately
  int64_t origin_ms = 0;   // wall clock (holder's clock) when the change was made
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_MUTATION_H_
