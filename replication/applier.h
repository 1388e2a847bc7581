// Applier: the receiving side of a link, everything that happens to a frame
// of the peer's stream once the link has authenticated. PeerLink is the
// transport (sockets, handshake, heartbeats, timeouts) and hands the Applier
// each SYNC_START, RECORD, SNAPSHOT_ITEM and SNAPSHOT_END it reads on the
// active link; the Applier checks they come in order, applies them, and
// says when an ACK is due.
//
// The sequence on each link: SYNC_START first, either partial (records
// follow from an offset this node has already applied from the same peer)
// or full (snapshot items, SNAPSHOT_END, then records from the offset the
// SYNC_START named; records may also come between the items, the writes
// made during the copy, and the stream resumes after them). Each record or item is applied with
// Engine::ApplyReplicated, which keeps it only when its version is newer
// than the local item's (so both nodes converge whatever order writes
// arrive in); a dropped one counts as a resolved conflict. The link hands
// stores over with ReceiveDeferred, which may keep a read's worth back and
// apply them as one run (Engine::ApplyReplicatedStores), with the same
// results, offsets and NACKs, before any frame that is not a store. The applier
// remembers which peer stream it follows and up to which offset, which is
// what a reconnect asks for (partial resync). Acks report that offset while
// records stream, never during a full copy (the offset means nothing yet).
//
// Refusals. A stream record this node cannot hold at all (larger than its
// -I, or no memory with -M) is not applied, and the origin must not take
// the ack that covers it for "applied": TakeAck puts a NACK naming the
// record's end offset (and why) ahead of that ACK, so the origin, which
// reads frames in order, knows before the ack arrives (--repl-sync answers
// that write as not applied). Counted in refused_records. A record lost to
// a newer local write is not a refusal: the pair holds something newer.
//
// Clocks. Each heartbeat carries the peer's wall clock; OnPeerClock turns
// it into the offset (peer minus us, `stats replication`
// peer_clock_offset_ms) and refuses a peer more than a day off. Every
// record's times are then translated into this node's clock before the
// engine sees them (Localize): the origin time moves by the offset, and
// with it the expiry (which travels as time remaining) and a flush's due
// moment, so both nodes expire an item and apply a flush at the same
// instant whatever their clocks say. A record whose version is further
// ahead of our clock than --repl-max-skew-ms is logged (at most once per
// 10 s); the engine bounds how far it moves the local clock.
//
// Anti-entropy items (AE_ITEM, anti_entropy.h) are applied the same way,
// outside the stream's offsets; one that changes something here is counted
// in antientropy_repaired_keys.
//
// Single-threaded (the link thread); in-process testable: feed it encoded
// frames and look at the engine.
#ifndef TANDEM_REPLICATION_APPLIER_H_
#define TANDEM_REPLICATION_APPLIER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "replication/record.h"
#include "replication/repl_stats.h"
#include "server/storage/engine.h"

namespace tandem::replication {

class Applier {
 public:
  // Where the current link is in the receive sequence.
  enum class Phase {
    kAwaitingSync,   // authenticated; SYNC_START not yet received
    kReceivingFull,  // a full copy: snapshot items until SNAPSHOT_END
    kStreaming,      // stream records, acked as they are applied
  };

  Applier(server::storage::Engine& engine, ReplStats& stats) : engine_(engine), stats_(stats) {}

  // A link to the peer `peer_id` (called `peer_name` in log lines) has
  // authenticated: it starts at kAwaitingSync with nothing acked.
  void StartLink(uint64_t peer_id, std::string peer_name);

  // One SYNC_START, RECORD, SNAPSHOT_ITEM, SNAPSHOT_END or AE_ITEM frame of
  // `frame_size` bytes on the wire. An error means the peer broke the
  // protocol (malformed or out of sequence): drop the link.
  absl::Status Receive(FrameType type, std::string_view payload, size_t frame_size);
  // The same, except that a store (a RECORD or SNAPSHOT_ITEM carrying one)
  // may wait, its bytes copied here, until ApplyPending, the next frame
  // that is not a store, or a full batch. The link feeds each read's frames
  // this way and then calls ApplyPending, so a run of stores goes to the
  // engine together (Engine::ApplyReplicatedStores: their memory misses
  // overlap), which is most of what a full copy costs its receiver.
  absl::Status ReceiveDeferred(FrameType type, std::string_view payload, size_t frame_size);
  // Applies the stores ReceiveDeferred kept back, in order, with their
  // offsets, counts and NACKs as if each had been applied on arrival.
  void ApplyPending();

  // Appends the pending NACKs, then an ACK frame, to *out and returns true
  // when the link is streaming and the applied offset moved since the
  // link's last ACK.
  bool TakeAck(std::string* out);
  // A NACK waits for the next TakeAck (the link sends that one at once).
  bool HasPendingNacks() const { return !pending_nacks_.empty(); }

  // A heartbeat said the peer's wall clock reads `peer_wall_ms`: updates
  // the offset. An error (the peer is more than a day off) drops the link.
  absl::Status OnPeerClock(int64_t peer_wall_ms);
  static constexpr int64_t kMaxClockOffsetMs = 24 * 3600 * 1000;
  // Our wall clock (the engine's), for the heartbeats we send.
  int64_t ClockMs() const { return engine_.WallMs(); }

  Phase phase() const { return phase_; }
  // Position in the peer's stream: (stream id, offset) applied so far.
  uint64_t stream() const { return stream_; }
  uint64_t offset() const { return offset_; }
  // A warm restart: the previous process of this node had applied the
  // peer stream `stream` up to `offset` (what the next HELLO asks for).
  void Resume(uint64_t stream, uint64_t offset) { SetPosition(stream, offset); }

 private:
  absl::Status OnSyncStart(std::string_view payload);
  absl::Status OnMutation(FrameType type, std::string_view payload, size_t frame_size);
  // Keeps a parsed store back for ApplyPending; false when it does not fit.
  bool Defer(const server::storage::Mutation& m, std::string_view payload, FrameType type, size_t frame_size);
  absl::Status OnSnapshotEnd(std::string_view payload);
  absl::Status OnRepair(std::string_view payload);
  server::storage::ApplyResult Apply(server::storage::Mutation& m);
  // A record ending at `end_offset` was refused: queue its NACK.
  void Refused(server::storage::ApplyResult result, const server::storage::Mutation& m, uint64_t end_offset);
  // Moves m's times from the peer's clock to ours (see the head).
  void Localize(server::storage::Mutation& m) const;
  void WarnIfAhead(uint64_t version);
  void SetPosition(uint64_t stream, uint64_t offset) {
    stream_ = stream;
    offset_ = offset;
  }

  server::storage::Engine& engine_;
  ReplStats& stats_;
  uint64_t stream_ = 0;
  uint64_t offset_ = 0;
  // The current link.
  uint64_t peer_id_ = 0;
  std::string peer_name_;
  Phase phase_ = Phase::kAwaitingSync;
  uint64_t full_resume_ = 0;  // where the stream resumes after the full copy
  uint64_t last_ack_ = ~uint64_t{0};
  int64_t last_skew_log_ms_ = 0;
  int64_t last_refusal_log_ms_ = 0;
  int64_t last_repair_log_ms_ = 0;
  std::string pending_nacks_;  // encoded NACK frames, sent ahead of the next ACK
  // Stores kept back by ReceiveDeferred: their keys and values point into
  // pending_bytes_, which never reallocates (a payload that does not fit
  // is applied at once); pending_record_sizes_[i] is the frame size of a
  // RECORD (it moves the stream offset), 0 for a SNAPSHOT_ITEM.
  static constexpr size_t kPendingStores = 64;
  static constexpr size_t kPendingBytes = 64u << 10;
  std::vector<server::storage::Mutation> pending_;
  std::vector<size_t> pending_record_sizes_;
  std::vector<server::storage::ApplyResult> pending_results_;
  std::unique_ptr<char[]> pending_bytes_{new char[kPendingBytes]};
  size_t pending_used_ = 0;
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_APPLIER_H_
