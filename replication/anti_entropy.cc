// AntiEntropy: see anti_entropy.h. The frames:
//   AE_DIGEST := kRanges x digest:u64le
//   AE_RANGES := kRanges / 8 bytes, bit r of byte r/8 set when range r differs
//   AE_ITEM   := a mutation (record_codec.h), store or delete
#include "replication/anti_entropy.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "replication/log.h"
#include "replication/record_codec.h"
#include "replication/snapshot_sender.h"

namespace tandem::replication {

namespace {

constexpr size_t kDigestPayload = AntiEntropy::kRanges * sizeof(uint64_t);
constexpr size_t kRangesPayload = AntiEntropy::kRanges / 8;

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  return h;
}

uint64_t GetLe64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutLe64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

// Not HashTable::Hash: that one is seeded per process (hash_table.h), so
// the two nodes would cut their key spaces differently and every range
// would differ in every round (each round re-sent every item both ways).
size_t AntiEntropy::RangeOf(std::string_view key) { return Mix(Fnv1a64(key)) >> (64 - kRangeBits); }

uint64_t AntiEntropy::ItemHash(std::string_view key, uint64_t version) {
  return Mix(Fnv1a64(key) ^ Mix(version + 0x9e3779b97f4a7c15ULL));
}

AntiEntropy::Digests AntiEntropy::DigestAll(server::storage::Engine& engine) {
  Digests d{};
  uint64_t cursor = 0;
  while (engine.SnapshotStep(&cursor, 4096, [&](const server::storage::ItemView& item) {
    d[RangeOf(item.key())] ^= ItemHash(item.key(), item.version());
  })) {
  }
  return d;
}

void AntiEntropy::Begin() {
  if (busy()) return;
  StartWalk(State::kInitiatorDigest);
}

void AntiEntropy::Cancel() {
  state_ = State::kIdle;
  peer_pending_ = false;
}

void AntiEntropy::StartWalk(State state) {
  state_ = state;
  cursor_ = 0;
  mine_.fill(0);
}

absl::Status AntiEntropy::Receive(FrameType type, std::string_view payload) {
  if (type == FrameType::kAeDigest) return OnDigest(payload);
  return OnRanges(payload);
}

absl::Status AntiEntropy::OnDigest(std::string_view payload) {
  if (payload.size() != kDigestPayload) return absl::DataLossError("malformed AE_DIGEST");
  for (size_t r = 0; r < kRanges; ++r) peer_[r] = GetLe64(payload.data() + 8 * r);
  if (busy()) {
    peer_pending_ = true;  // answered when the current round is done (FinishRound)
    return absl::OkStatus();
  }
  StartWalk(State::kResponderDigest);
  return absl::OkStatus();
}

absl::Status AntiEntropy::OnRanges(std::string_view payload) {
  if (payload.size() != kRangesPayload) return absl::DataLossError("malformed AE_RANGES");
  if (state_ != State::kAwaitRanges) return absl::DataLossError("AE_RANGES without a round");
  RangeSet ranges;
  for (size_t r = 0; r < kRanges; ++r) ranges[r] = (static_cast<uint8_t>(payload[r / 8]) >> (r % 8)) & 1;
  StartRepair(ranges);
  return absl::OkStatus();
}

void AntiEntropy::Step(size_t budget, size_t max_bytes, std::string* out) {
  switch (state_) {
    case State::kInitiatorDigest:
    case State::kResponderDigest:
      DigestStep(budget, out);
      return;
    case State::kRepair:
      RepairStep(budget, max_bytes, out);
      return;
    case State::kIdle:
    case State::kAwaitRanges:
      return;
  }
}

void AntiEntropy::DigestStep(size_t budget, std::string* out) {
  const bool more = engine_.SnapshotStep(&cursor_, budget, [&](const server::storage::ItemView& item) {
    mine_[RangeOf(item.key())] ^= ItemHash(item.key(), item.version());
  });
  if (more) return;
  if (state_ == State::kInitiatorDigest) {
    std::string payload;
    payload.reserve(kDigestPayload);
    for (uint64_t d : mine_) PutLe64(d, &payload);
    EncodeFrame(FrameType::kAeDigest, payload, out);
    state_ = State::kAwaitRanges;
    return;
  }
  RangeSet ranges;
  std::string payload(kRangesPayload, '\0');
  for (size_t r = 0; r < kRanges; ++r) {
    if (mine_[r] == peer_[r]) continue;
    ranges[r] = true;
    payload[r / 8] = static_cast<char>(static_cast<uint8_t>(payload[r / 8]) | (1u << (r % 8)));
  }
  EncodeFrame(FrameType::kAeRanges, payload, out);
  StartRepair(ranges);
}

void AntiEntropy::StartRepair(const RangeSet& ranges) {
  differ_ = ranges;
  round_resent_ = 0;
  cursor_ = 0;
  state_ = State::kRepair;
}

// A range spreads over every segment of the engine's table (RangeOf), so
// a repair walks the whole table, skipping items of the ranges that agree;
// nothing differing, nothing is walked.
void AntiEntropy::RepairStep(size_t budget, size_t max_bytes, std::string* out) {
  if (differ_.none()) {
    FinishRound();
    return;
  }
  const int64_t now_ms = engine_.WallMs();
  const bool more = engine_.SnapshotStep(&cursor_, budget, [&](const server::storage::ItemView& item) {
    if (!differ_[RangeOf(item.key())]) return;
    EncodeItemFrame(FrameType::kAeItem, item, now_ms, &value_, out);
    ++round_resent_;
  }, [&](std::string_view key, uint64_t version) {
    if (!differ_[RangeOf(key)]) return;
    EncodeTombstoneFrame(FrameType::kAeItem, key, version, now_ms, out);
    ++round_resent_;
  }, max_bytes);
  if (!more) FinishRound();
}

void AntiEntropy::FinishRound() {
  stats_.antientropy_rounds.fetch_add(1, std::memory_order_relaxed);
  stats_.antientropy_resent_keys.fetch_add(round_resent_, std::memory_order_relaxed);
  if (differ_.any()) {
    // At most once a round, and rounds are --repl-antientropy-s apart.
    Log(absl::StrCat("anti-entropy: ", differ_.count(), " of ", kRanges, " hash ranges differ from the peer; re-sent ",
                     round_resent_, " items and tombstones of them"));
  }
  differ_.reset();
  state_ = State::kIdle;
  if (peer_pending_) {
    peer_pending_ = false;
    StartWalk(State::kResponderDigest);
  }
}

}  // namespace tandem::replication
