// Applier: the receiving side of a link. Each record or snapshot item the
// peer sends is applied with Engine::ApplyReplicated, which keeps it only
// when its version is newer than the local item's (so both nodes converge
// whatever order writes arrive in); a dropped record counts as a resolved
// conflict. The applier also remembers which peer stream it follows and up
// to which offset, which is what a reconnect asks for (partial resync).
#ifndef TANDEM_REPLICATION_APPLIER_H_
#define TANDEM_REPLICATION_APPLIER_H_

#include <cstdint>

#include "replication/repl_stats.h"
#include "server/storage/engine.h"

namespace tandem::replication {

class Applier {
 public:
  Applier(server::storage::Engine& engine, ReplStats& stats) : engine_(engine), stats_(stats) {}

  void Apply(const server::storage::Mutation& m);

  // Position in the peer's stream: (stream id, offset) applied so far.
  uint64_t stream() const { return stream_; }
  uint64_t offset() const { return offset_; }
  void SetPosition(uint64_t stream, uint64_t offset) {
    stream_ = stream;
    offset_ = offset;
  }
  void Advance(uint64_t bytes) { offset_ += bytes; }

 private:
  server::storage::Engine& engine_;
  ReplStats& stats_;
  uint64_t stream_ = 0;
  uint64_t offset_ = 0;
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_APPLIER_H_
