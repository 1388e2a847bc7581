// SnapshotSender: the full copy ("marugoto" in repcached). The link thread
// calls Step() between events whenever the socket has room; each step walks
// a few hash buckets with Engine::SnapshotStep (one segment lock at a time)
// and encodes the live items it sees as snapshot frames. Client requests are
// never stalled for more than one such step.
//
// Memory. A step stops at whichever comes first: `max_items` items looked
// at, or `max_bytes` of key and value encoded (whole buckets at a time, so
// one bucket past the bound at most). The link keeps the output it has not
// written yet to a few MB (peer_link.h), so a copy costs a few MB on this
// side whatever the item sizes: with 1 MB items a step is one or two items,
// never 256 of them held under a segment lock.
//
// Writes made meanwhile go to the backlog as usual, and the link streams
// them alongside the copy (peer_link.h), in stream order, from the offset
// noted when the copy began; versions make the overlap harmless (an item
// copied after a later write simply carries that write's version, and a
// record applied before an older copy of its item wins over it). Each
// segment's delete tombstones follow its items as delete records, so the
// receiver drops keys deleted here while it was away, and keeps them
// dropped. The latest flush_all known here goes first, so the receiver
// also drops what was flushed here (flush_mark.h).
#ifndef TANDEM_REPLICATION_SNAPSHOT_SENDER_H_
#define TANDEM_REPLICATION_SNAPSHOT_SENDER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include <string_view>

#include "replication/record.h"
#include "server/storage/engine.h"

namespace tandem::replication {

// One live item as a store frame of `type` (a snapshot or anti-entropy
// item), its times relative to `now_ms`; *scratch holds a value that is not
// contiguous. And one tombstone as a delete frame.
void EncodeItemFrame(FrameType type, const server::storage::ItemView& item, int64_t now_ms, std::string* scratch,
                     std::string* out);
void EncodeTombstoneFrame(FrameType type, std::string_view key, uint64_t version, int64_t now_ms, std::string* out);

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
  // Whether a copy would carry nothing (no item, tombstone or flush here):
  // then none is sent (SyncStart::nothing_to_copy).
  bool NothingToCopy() const { return engine_.HoldsNothing(); }
  // About how many items a copy started now carries (SyncStart::items).
  uint64_t ItemsToCopy() const { return engine_.ItemCount(); }
  bool active() const { return active_; }
  uint64_t items() const { return items_; }

  // Appends snapshot frames for up to `max_items` items looked at or about
  // `max_bytes` of key and value (one bucket past it at most); appends the
  // end frame and becomes inactive when the walk is complete.
  void Step(size_t max_items, size_t max_bytes, std::string* out);

 private:
  server::storage::Engine& engine_;
  uint64_t cursor_ = 0;
  bool started_ = false;  // the flush record (if any) is out
  bool active_ = false;
  uint64_t items_ = 0;
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_SNAPSHOT_SENDER_H_
