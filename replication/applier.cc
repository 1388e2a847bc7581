// Applier: see applier.h.
#include "replication/applier.h"

namespace tandem::replication {

void Applier::Apply(const server::storage::Mutation& m) {
  if (engine_.ApplyReplicated(m)) {
    stats_.applied.fetch_add(1, std::memory_order_relaxed);
  } else if (m.kind != server::storage::Mutation::Kind::kFlushAll) {
    stats_.conflicts_resolved.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace tandem::replication
