// Applier: see applier.h for the receive sequence. Each On* function is
// one frame type; the phase checks are the ones that make "out of
// sequence" an error rather than a silently misapplied record.
#include "replication/applier.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "replication/log.h"
#include "replication/record_codec.h"
#include "server/storage/version.h"

namespace tandem::replication {

void Applier::StartLink(uint64_t peer_id, std::string peer_name) {
  ApplyPending();  // the previous link's, in its phase
  peer_id_ = peer_id;
  peer_name_ = std::move(peer_name);
  phase_ = Phase::kAwaitingSync;
  last_ack_ = ~uint64_t{0};
  pending_nacks_.clear();
}

absl::Status Applier::Receive(FrameType type, std::string_view payload, size_t frame_size) {
  absl::Status st = ReceiveDeferred(type, payload, frame_size);
  ApplyPending();
  return st;
}

absl::Status Applier::ReceiveDeferred(FrameType type, std::string_view payload, size_t frame_size) {
  // Whatever is not a store sees every earlier frame applied.
  if (type != FrameType::kRecord && type != FrameType::kSnapshotItem) ApplyPending();
  switch (type) {
    case FrameType::kSyncStart:
      return OnSyncStart(payload);
    case FrameType::kRecord:
    case FrameType::kSnapshotItem:
      return OnMutation(type, payload, frame_size);
    case FrameType::kSnapshotEnd:
      return OnSnapshotEnd(payload);
    case FrameType::kAeItem:
      return OnRepair(payload);
    case FrameType::kHello:
    case FrameType::kAuth:
    case FrameType::kAck:
    case FrameType::kHeartbeat:
    case FrameType::kForwardRequest:
    case FrameType::kForwardAnswer:
    case FrameType::kNack:
    case FrameType::kGoodbye:
    case FrameType::kAeDigest:
    case FrameType::kAeRanges:
      break;
  }
  return absl::DataLossError("not a frame of the peer's stream");
}

absl::Status Applier::OnSyncStart(std::string_view payload) {
  SyncStart s;
  if (absl::Status st = ParseSyncStart(payload, &s); !st.ok()) return st;
  if (s.full && s.nothing_to_copy) {
    // The peer holds nothing: a full copy of it is the empty set, so the
    // stream simply starts at its offset (not counted as a full sync).
    phase_ = Phase::kStreaming;
    SetPosition(peer_id_, s.offset);
    stats_.link.store(LinkState::kUp);
    Log(absl::StrCat(peer_name_, " holds nothing: no full copy to receive"));
    return absl::OkStatus();
  }
  if (s.full) {
    phase_ = Phase::kReceivingFull;
    full_resume_ = s.offset;
    SetPosition(0, 0);
    stats_.full_syncs.fetch_add(1);
    stats_.link.store(LinkState::kSyncing);
    engine_.ReserveForItems(s.items);
    Log(absl::StrCat("receiving a full copy from ", peer_name_));
    return absl::OkStatus();
  }
  if (stream_ != peer_id_ || s.offset > offset_) {
    return absl::DataLossError("partial resync from an offset this node never applied");
  }
  SetPosition(peer_id_, s.offset);
  stats_.partial_syncs.fetch_add(1);
  // A partial SYNC_START during a full copy leaves the copy running (it
  // can only pass the check above from a peer whose node id is 0).
  if (phase_ == Phase::kAwaitingSync) phase_ = Phase::kStreaming;
  return absl::OkStatus();
}

absl::Status Applier::OnMutation(FrameType type, std::string_view payload, size_t frame_size) {
  // Records also come during a full copy: the writes made meanwhile,
  // streamed alongside it in order from the copy's offset (peer_link.h).
  const bool in_sequence = type == FrameType::kRecord ? phase_ != Phase::kAwaitingSync
                                                      : phase_ == Phase::kReceivingFull;
  if (!in_sequence) return absl::DataLossError("record out of sequence");
  server::storage::Mutation m{};
  if (absl::Status st = ParseMutation(payload, &m); !st.ok()) return st;
  if (m.kind == server::storage::Mutation::Kind::kStore && Defer(m, payload, type, frame_size)) {
    return absl::OkStatus();
  }
  ApplyPending();
  const server::storage::ApplyResult result = Apply(m);
  if (type != FrameType::kRecord) return absl::OkStatus();
  // During a full copy the stream resumes after these records (full_resume_).
  uint64_t& position = phase_ == Phase::kReceivingFull ? full_resume_ : offset_;
  position += frame_size;
  Refused(result, m, position);
  return absl::OkStatus();
}

bool Applier::Defer(const server::storage::Mutation& m, std::string_view payload, FrameType type,
                    size_t frame_size) {
  if (payload.size() > kPendingBytes) return false;
  if (pending_.size() == kPendingStores || pending_used_ + payload.size() > kPendingBytes) ApplyPending();
  char* copy = pending_bytes_.get() + pending_used_;
  std::memcpy(copy, payload.data(), payload.size());
  pending_used_ += payload.size();
  const auto rebase = [&](std::string_view v) {
    return std::string_view(copy + (v.data() - payload.data()), v.size());
  };
  server::storage::Mutation& kept = pending_.emplace_back(m);
  kept.key = rebase(m.key);
  kept.value = rebase(m.value);
  Localize(kept);
  pending_record_sizes_.push_back(type == FrameType::kRecord ? frame_size : 0);
  return true;
}

void Applier::ApplyPending() {
  using server::storage::ApplyResult;
  if (pending_.empty()) return;
  uint64_t newest = 0;
  for (const server::storage::Mutation& m : pending_) newest = std::max(newest, m.version);
  WarnIfAhead(newest);
  pending_results_.resize(pending_.size());
  engine_.ApplyReplicatedStores(pending_, pending_results_);
  uint64_t applied = 0, superseded = 0;
  for (size_t i = 0; i < pending_.size(); ++i) {
    const ApplyResult result = pending_results_[i];
    applied += result == ApplyResult::kApplied;
    superseded += result == ApplyResult::kSuperseded;
    if (pending_record_sizes_[i] == 0) continue;
    // During a full copy the stream resumes after these records (full_resume_).
    uint64_t& position = phase_ == Phase::kReceivingFull ? full_resume_ : offset_;
    position += pending_record_sizes_[i];
    Refused(result, pending_[i], position);
  }
  if (applied != 0) stats_.applied.fetch_add(applied, std::memory_order_relaxed);
  if (superseded != 0) stats_.conflicts_resolved.fetch_add(superseded, std::memory_order_relaxed);
  pending_.clear();
  pending_record_sizes_.clear();
  pending_used_ = 0;
}

absl::Status Applier::OnSnapshotEnd(std::string_view payload) {
  if (absl::Status st = ParseSnapshotEnd(payload); !st.ok()) return st;
  if (phase_ != Phase::kReceivingFull) return absl::DataLossError("snapshot end without a snapshot");
  phase_ = Phase::kStreaming;
  SetPosition(peer_id_, full_resume_);
  stats_.link.store(LinkState::kUp);
  Log(absl::StrCat("full copy from ", peer_name_, " complete"));
  return absl::OkStatus();
}

absl::Status Applier::OnPeerClock(int64_t peer_wall_ms) {
  const int64_t offset = peer_wall_ms - engine_.WallMs();
  if (offset > kMaxClockOffsetMs || offset < -kMaxClockOffsetMs) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the peer's clock is ", offset, " ms off ours (more than a day): refusing the link"));
  }
  stats_.peer_clock_offset_ms.store(offset, std::memory_order_relaxed);
  engine_.SetPeerClockOffset(offset);
  return absl::OkStatus();
}

void Applier::Localize(server::storage::Mutation& m) const {
  const int64_t offset = stats_.peer_clock_offset_ms.load(std::memory_order_relaxed);
  m.origin_ms -= offset;
  if (m.expires_at > 1) {
    // To the nearest second: the offset is measured to a few ms, and
    // rounding up would turn 30 s minus 2 ms of noise into a second late.
    const int64_t at_ms = m.expires_at * 1000 - offset;
    m.expires_at = at_ms <= 1000 ? 1 : (at_ms + 500) / 1000;
  }
}

void Applier::WarnIfAhead(uint64_t version) {
  const int64_t now = engine_.WallMs();
  const int64_t ahead = static_cast<int64_t>(server::storage::Hlc::PhysicalMs(version)) - now;
  if (ahead <= engine_.max_skew_ms() || now - last_skew_log_ms_ < 10000) return;
  last_skew_log_ms_ = now;
  Log(absl::StrCat("a record from ", peer_name_, " is stamped ", ahead,
                   " ms ahead of our clock (--repl-max-skew-ms=", engine_.max_skew_ms(),
                   "); our clock advances only to the bound"));
}

// An anti-entropy item (anti_entropy.h): applied like a record, outside the
// stream's offsets (nothing to ack or NACK). One that changes something
// here means this node had missed it: counted, and logged at most every 10 s.
absl::Status Applier::OnRepair(std::string_view payload) {
  if (phase_ != Phase::kStreaming) return absl::DataLossError("AE_ITEM before the stream");
  server::storage::Mutation m{};
  if (absl::Status st = ParseMutation(payload, &m); !st.ok()) return st;
  if (m.kind == server::storage::Mutation::Kind::kFlushAll) return absl::DataLossError("AE_ITEM carries a flush");
  // Not Apply(): a re-sent item the pair already agrees on is no conflict.
  Localize(m);
  if (engine_.ApplyReplicatedResult(m) != server::storage::ApplyResult::kApplied) return absl::OkStatus();
  stats_.applied.fetch_add(1, std::memory_order_relaxed);
  const uint64_t repaired = stats_.antientropy_repaired_keys.fetch_add(1, std::memory_order_relaxed) + 1;
  const int64_t now = engine_.WallMs();
  if (now - last_repair_log_ms_ >= 10000) {
    last_repair_log_ms_ = now;
    Log(absl::StrCat("anti-entropy: took a key this node had missed from ", peer_name_, " (", repaired,
                     " so far): the stream lost a write"));
  }
  return absl::OkStatus();
}

server::storage::ApplyResult Applier::Apply(server::storage::Mutation& m) {
  using server::storage::ApplyResult;
  WarnIfAhead(m.version);
  Localize(m);
  const ApplyResult result = engine_.ApplyReplicatedResult(m);
  if (result == ApplyResult::kApplied) {
    stats_.applied.fetch_add(1, std::memory_order_relaxed);
  } else if (result == ApplyResult::kSuperseded && m.kind != server::storage::Mutation::Kind::kFlushAll) {
    stats_.conflicts_resolved.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

void Applier::Refused(server::storage::ApplyResult result, const server::storage::Mutation& m,
                      uint64_t end_offset) {
  using server::storage::ApplyResult;
  struct Row {
    ApplyResult result;
    NackReason reason;
    const char* why;
  };
  static constexpr Row kRefusals[] = {
      {ApplyResult::kTooLarge, NackReason::kTooLarge, "larger than this node's -I"},
      {ApplyResult::kOutOfMemory, NackReason::kOutOfMemory, "out of memory"},
  };
  for (const Row& row : kRefusals) {
    if (row.result != result) continue;
    EncodeNack(Nack{end_offset, row.reason}, &pending_nacks_);
    stats_.refused_records.fetch_add(1, std::memory_order_relaxed);
    const int64_t now = engine_.WallMs();
    if (now - last_refusal_log_ms_ >= 10000) {
      last_refusal_log_ms_ = now;
      Log(absl::StrCat("could not apply a record from ", peer_name_, " (key of ", m.key.size(), " bytes, value of ",
                       m.value.size(), " bytes): ", row.why, "; the peer is told (NACK)"));
    }
    return;
  }
}

bool Applier::TakeAck(std::string* out) {
  ApplyPending();  // an ack covers applied records only
  if (phase_ != Phase::kStreaming || offset_ == last_ack_) return false;
  out->append(pending_nacks_);
  pending_nacks_.clear();
  EncodeAck(offset_, out);
  last_ack_ = offset_;
  return true;
}

}  // namespace tandem::replication
