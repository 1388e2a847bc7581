// MutationObserver: the one interface through which replication learns of
// changes. The engine calls it after each applied mutation (never for
// evictions or expiry, which stay local), with the item's lock held, so
// records reach the observer in the order they were applied to each key.
#ifndef TANDEM_SERVER_STORAGE_MUTATION_OBSERVER_H_
#define TANDEM_SERVER_STORAGE_MUTATION_OBSERVER_H_

#include "server/storage/mutation.h"

namespace tandem::server::storage {

class MutationObserver {
 public:
  virtual ~MutationObserver() = default;
  virtual void OnMutation(const Mutation& mutation) = 0;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_MUTATION_OBSERVER_H_
