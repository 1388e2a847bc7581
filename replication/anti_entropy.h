// AntiEntropy: a periodic check that both nodes hold the same items, and
// the repair of the hash ranges where they do not.
//
// The key space is cut into kRanges (4096) ranges by the top 12 bits of a
// hash of the key both nodes compute alike (not the engine's table hash,
// which is seeded per process). A range's digest is the XOR of a 64-bit hash of
// (key, version) over its live items: order-free, so two nodes holding the
// same items have the same digests whatever order the writes came in, and
// cheap (4096 x 8 bytes whatever the item count).
//
// A round, started by the node with the lower id (PeerLink), after each
// link comes up and then every --repl-antientropy-s:
//   1. the initiator walks its table (Engine::SnapshotStep, a few hundred
//      items per step, between link events) and sends AE_DIGEST;
//   2. the responder walks its own, compares, answers AE_RANGES (a bitmap
//      of the ranges that differ) and re-sends its items and tombstones of
//      those ranges as AE_ITEM frames (a walk of the whole table, skipped
//      when no range differs);
//   3. the initiator, on AE_RANGES, does the same for its side.
// An AE_ITEM is applied like any record (the newer version wins), so the
// pair converges whichever side was behind. Both sides count the round
// (antientropy_rounds) and the items they re-sent (antientropy_resent_keys);
// the receiver counts the re-sent items that changed something here
// (antientropy_repaired_keys, applier.cc): in a healthy pair that stays 0.
//
// The walks are not atomic: a write landing during a walk, or still in
// flight to the peer, can make a range differ that does not really differ,
// and growth of the hash table can show an item twice. That costs a re-send
// of the range's items (the peer already holds them: superseded, not
// counted as repaired), never a wrong value. Repair items go out only when
// the stream is fully sent (PeerLink::Pump), so a re-sent item never
// overtakes the record that carried it first.
//
// Memory: two digest arrays (64 KB) and one step of encoded items.
// Single-threaded (the link thread).
#ifndef TANDEM_REPLICATION_ANTI_ENTROPY_H_
#define TANDEM_REPLICATION_ANTI_ENTROPY_H_

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "replication/repl_stats.h"
#include "server/storage/engine.h"

namespace tandem::replication {

class AntiEntropy {
 public:
  static constexpr int kRangeBits = 12;
  static constexpr size_t kRanges = size_t{1} << kRangeBits;
  using Digests = std::array<uint64_t, kRanges>;
  using RangeSet = std::bitset<kRanges>;

  // The range of a key, and its item's contribution to that range's digest.
  static size_t RangeOf(std::string_view key);
  static uint64_t ItemHash(std::string_view key, uint64_t version);

  AntiEntropy(server::storage::Engine& engine, ReplStats& stats) : engine_(engine), stats_(stats) {}

  // Initiator: starts a round (walks, then sends AE_DIGEST). Ignored when busy.
  void Begin();
  // Either side: one AE_DIGEST or AE_RANGES frame from the peer. An error
  // (malformed, or AE_RANGES with no round of ours) drops the link.
  absl::Status Receive(FrameType type, std::string_view payload);
  // The link dropped: forget the round.
  void Cancel();

  bool busy() const { return state_ != State::kIdle || peer_pending_; }
  // Step would do something (a walk is under way).
  bool walking() const {
    return state_ == State::kInitiatorDigest || state_ == State::kResponderDigest || state_ == State::kRepair;
  }
  // Looks at up to `budget` items (or about `max_bytes` of re-sent key and
  // value) and appends the frames due, if any, to *out.
  void Step(size_t budget, size_t max_bytes, std::string* out);

  // The digests of everything this engine holds, in one go (tests, measurements).
  static Digests DigestAll(server::storage::Engine& engine);

 private:
  enum class State { kIdle, kInitiatorDigest, kAwaitRanges, kResponderDigest, kRepair };

  void StartWalk(State state);
  void DigestStep(size_t budget, std::string* out);
  void RepairStep(size_t budget, size_t max_bytes, std::string* out);
  void FinishRound();
  absl::Status OnDigest(std::string_view payload);
  absl::Status OnRanges(std::string_view payload);
  void StartRepair(const RangeSet& ranges);

  server::storage::Engine& engine_;
  ReplStats& stats_;
  State state_ = State::kIdle;
  uint64_t cursor_ = 0;
  Digests mine_{};
  Digests peer_{};
  bool peer_pending_ = false;  // an AE_DIGEST came while busy: answered once idle
  RangeSet differ_;
  uint64_t round_resent_ = 0;
  std::string value_;  // scratch for non-contiguous values
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_ANTI_ENTROPY_H_
