// MutationObserver: the one interface through which replication learns of
// changes. The engine calls it after each applied mutation (never for
// evictions or expiry, which stay local), with the item's lock held, so
// records reach the observer in the order they were applied to each key.
// It answers with where the change's record ends in its stream, which the
// engine hands back to the caller in a WriteReceipt (engine.h): that is how
// a --repl-sync reply learns what the peer must have applied first.
#ifndef TANDEM_SERVER_STORAGE_MUTATION_OBSERVER_H_
#define TANDEM_SERVER_STORAGE_MUTATION_OBSERVER_H_

#include <cstdint>

#include "server/storage/mutation.h"

namespace tandem::server::storage {

class MutationObserver {
 public:
  virtual ~MutationObserver() = default;
  // Returns the stream offset just past the change's record (0: none).
  virtual uint64_t OnMutation(const Mutation& mutation) = 0;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_MUTATION_OBSERVER_H_
