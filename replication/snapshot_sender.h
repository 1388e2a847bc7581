// SnapshotSender: the full copy ("marugoto" in repcached). The link thread
// calls Step() between events whenever the socket has room; each step walks
// a few hash buckets with Engine::SnapshotStep (one segment lock at a time,
// a bounded number of items) and encodes the live items it sees as snapshot
// frames. Client requests are never stalled for more than one such step.
// Mutations that happen meanwhile go to the backlog as usual; the receiver
// gets them after the copy, from the stream offset noted when the copy
// began, and versions make the overlap harmless (an item copied after a
// later write simply carries that write's version). Each segment's delete
// tombstones follow its items as delete records, so the receiver drops keys
// deleted here while it was away, and keeps them dropped. The latest
// flush_all known here goes first, so the receiver also drops what was
// flushed here (flush_mark.h).
#ifndef TANDEM_REPLICATION_SNAPSHOT_SENDER_H_
#define TANDEM_REPLICATION_SNAPSHOT_SENDER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "server/storage/engine.h"

namespace tandem::replication {

class SnapshotSender {
 public:
  explicit SnapshotSender(server::storage::Engine& engine) : engine_(engine) {}

  void Start() {
    cursor_ = 0;
    started_ = false;
    active_ = true;
    items_ = 0;
  }
  void Cancel() { active_ = false; }
  bool active() const { return active_; }
  uint64_t items() const { return items_; }

  // Appends snapshot frames for up to `budget` items looked at; appends the
  // end frame and becomes inactive when the walk is complete.
  void Step(size_t budget, std::string* out);

 private:
  server::storage::Engine& engine_;
  uint64_t cursor_ = 0;
  bool started_ = false;  // the flush record (if any) is out
  bool active_ = false;
  uint64_t items_ = 0;
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_SNAPSHOT_SENDER_H_
