// Applier: the receive sequence of a link, in process. Frames are encoded
// with record_codec, fed to an Applier as PeerLink would after the
// handshake, and land in a real storage::Engine (the replicating-engine
// fixture of the storage tests).
#include "replication/applier.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "replication/record_codec.h"
#include "replication/repl_stats.h"
#include "tests/storage/peer_writes.h"
#include "tests/support/status_helpers.h"

namespace tandem::replication {
namespace {

using server::storage::Mutation;
using server::storage::PeerStore;
using server::storage::WallVersion;

constexpr uint64_t kPeer = 7;

class ApplierTest : public server::storage::ReplicatingEngineTest {
 protected:
  void SetUp() override {
    ReplicatingEngineTest::SetUp();
    applier_ = std::make_unique<Applier>(*engine_, stats_);
    applier_->StartLink(kPeer, "peer:1");
  }

  // Decodes one encoded frame and hands it to the applier.
  absl::Status Feed(const std::string& bytes) {
    Frame frame;
    size_t consumed = 0;
    absl::Status st = DecodeFrame(bytes, kMaxBody, &frame, &consumed);
    EXPECT_OK(st);
    EXPECT_EQ(consumed, bytes.size());
    return applier_->Receive(frame.type, frame.payload, consumed);
  }
  absl::Status SyncStart(bool full, uint64_t offset) {
    std::string out;
    EncodeSyncStart({full, offset}, &out);
    return Feed(out);
  }
  std::string MutationFrame(FrameType type, const Mutation& m) {
    std::string out;
    EncodeMutation(type, m, &out);
    return out;
  }
  // An empty full copy: the link then streams from offset 0.
  void StartStreaming() {
    ASSERT_OK(SyncStart(/*full=*/true, 0));
    ASSERT_OK(SnapshotEnd());
  }
  absl::Status SnapshotEnd() {
    std::string out;
    EncodeSnapshotEnd(&out);
    return Feed(out);
  }
  // The offset in the ACK the applier wants sent, or -1 for none.
  int64_t AckDue() {
    std::string out;
    if (!applier_->TakeAck(&out)) return -1;
    Frame frame;
    size_t consumed = 0;
    EXPECT_OK(DecodeFrame(out, kMaxBody, &frame, &consumed));
    EXPECT_EQ(frame.type, FrameType::kAck);
    uint64_t offset = 0;
    EXPECT_OK(ParseAck(frame.payload, &offset));
    return static_cast<int64_t>(offset);
  }

  ReplStats stats_;
  std::unique_ptr<Applier> applier_;
};

// A peer that holds nothing sends no copy: its stream starts at once, from
// the offset named, and the link counts no full sync.
TEST_F(ApplierTest, NothingToCopyStreamsAtOnceFromTheOffset) {
  std::string out;
  replication::SyncStart s;
  s.full = true;
  s.offset = 300;
  s.nothing_to_copy = true;
  EncodeSyncStart(s, &out);
  ASSERT_OK(Feed(out));
  EXPECT_EQ(applier_->phase(), Applier::Phase::kStreaming);
  EXPECT_EQ(applier_->stream(), kPeer);
  EXPECT_EQ(applier_->offset(), 300u);
  EXPECT_EQ(stats_.full_syncs.load(), 0u);
  // No snapshot follows: an end frame is out of sequence.
  EXPECT_FALSE(SnapshotEnd().ok());
}

TEST_F(ApplierTest, FullCopyThenStream) {
  EXPECT_EQ(applier_->phase(), Applier::Phase::kAwaitingSync);
  EXPECT_EQ(AckDue(), -1);
  ASSERT_OK(SyncStart(/*full=*/true, 100));
  EXPECT_EQ(applier_->phase(), Applier::Phase::kReceivingFull);
  EXPECT_EQ(applier_->stream(), 0u);
  EXPECT_EQ(stats_.full_syncs.load(), 1u);
  EXPECT_EQ(stats_.link.load(), LinkState::kSyncing);

  ASSERT_OK(Feed(MutationFrame(FrameType::kSnapshotItem, PeerStore("a", "1", WallVersion()))));
  EXPECT_EQ(GetValue("a"), "1");
  EXPECT_EQ(applier_->offset(), 0u);  // snapshot items are not stream offsets
  EXPECT_EQ(AckDue(), -1);            // no acks during a full copy

  ASSERT_OK(SnapshotEnd());
  EXPECT_EQ(applier_->phase(), Applier::Phase::kStreaming);
  EXPECT_EQ(applier_->stream(), kPeer);
  EXPECT_EQ(applier_->offset(), 100u);
  EXPECT_EQ(stats_.link.load(), LinkState::kUp);
  EXPECT_EQ(AckDue(), 100);
  EXPECT_EQ(AckDue(), -1);  // nothing new

  const std::string record = MutationFrame(FrameType::kRecord, PeerStore("b", "2", WallVersion()));
  ASSERT_OK(Feed(record));
  EXPECT_EQ(GetValue("b"), "2");
  EXPECT_EQ(applier_->offset(), 100u + record.size());
  EXPECT_EQ(AckDue(), static_cast<int64_t>(100 + record.size()));
  EXPECT_EQ(stats_.applied.load(), 2u);
}

TEST_F(ApplierTest, PartialResyncOnlyFromAnAppliedOffset) {
  ASSERT_OK(SyncStart(/*full=*/true, 40));
  ASSERT_OK(SnapshotEnd());
  const std::string record = MutationFrame(FrameType::kRecord, PeerStore("k", "v", WallVersion()));
  ASSERT_OK(Feed(record));
  const uint64_t applied = 40 + record.size();

  // The next link resumes from what was applied (or earlier: records are
  // idempotent), and counts a partial sync.
  applier_->StartLink(kPeer, "peer:1");
  EXPECT_EQ(AckDue(), -1);
  ASSERT_OK(SyncStart(/*full=*/false, applied));
  EXPECT_EQ(applier_->phase(), Applier::Phase::kStreaming);
  EXPECT_EQ(stats_.partial_syncs.load(), 1u);
  EXPECT_EQ(AckDue(), static_cast<int64_t>(applied));  // a new link acks its start

  applier_->StartLink(kPeer, "peer:1");
  EXPECT_EQ(SyncStart(/*full=*/false, applied + 1).message(),
            "partial resync from an offset this node never applied");
  // Another peer's stream: only a full copy will do.
  applier_->StartLink(kPeer + 1, "other:1");
  EXPECT_FALSE(SyncStart(/*full=*/false, 0).ok());
  EXPECT_OK(SyncStart(/*full=*/true, 0));
}

TEST_F(ApplierTest, RecordsDuringAFullCopyAreAppliedAndTheStreamResumesAfterThem) {
  const std::string record = MutationFrame(FrameType::kRecord, PeerStore("k", "v", WallVersion()));
  ASSERT_OK(SyncStart(/*full=*/true, 100));
  ASSERT_OK(Feed(record));
  EXPECT_EQ(GetValue("k"), "v");
  EXPECT_EQ(AckDue(), -1);  // nothing is acked during a copy
  ASSERT_OK(SnapshotEnd());
  EXPECT_EQ(applier_->offset(), 100 + record.size());
  EXPECT_EQ(AckDue(), static_cast<int64_t>(100 + record.size()));
}

TEST_F(ApplierTest, FramesOutOfSequenceAreRefused) {
  const std::string record = MutationFrame(FrameType::kRecord, PeerStore("k", "v", WallVersion()));
  const std::string item = MutationFrame(FrameType::kSnapshotItem, PeerStore("k", "v", WallVersion()));
  // Before SYNC_START.
  EXPECT_EQ(Feed(record).message(), "record out of sequence");
  EXPECT_EQ(Feed(item).message(), "record out of sequence");
  EXPECT_EQ(SnapshotEnd().message(), "snapshot end without a snapshot");
  // An item outside a full copy.
  ASSERT_OK(SyncStart(/*full=*/true, 0));
  ASSERT_OK(SnapshotEnd());
  EXPECT_EQ(Feed(item).message(), "record out of sequence");
  EXPECT_EQ(SnapshotEnd().message(), "snapshot end without a snapshot");
  EXPECT_EQ(GetValue("k"), "<miss>");
  // Frames that are not the peer's stream are not the applier's.
  EXPECT_FALSE(applier_->Receive(FrameType::kHeartbeat, "", kFrameHeaderSize + 1).ok());
}

TEST_F(ApplierTest, MalformedPayloadsAreErrors) {
  EXPECT_EQ(applier_->Receive(FrameType::kSyncStart, "x", kFrameHeaderSize + 2).code(),
            absl::StatusCode::kDataLoss);
  StartStreaming();
  EXPECT_EQ(applier_->Receive(FrameType::kRecord, "\x01", kFrameHeaderSize + 2).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(applier_->offset(), 0u);
}

// An older peer write loses to a newer one whatever order they arrive in,
// and counts as a resolved conflict.
TEST_F(ApplierTest, OlderWritesLoseAndCountAsConflicts) {
  StartStreaming();
  ASSERT_OK(Feed(MutationFrame(FrameType::kRecord, PeerStore("k", "new", WallVersion(0)))));
  ASSERT_OK(Feed(MutationFrame(FrameType::kRecord, PeerStore("k", "old", WallVersion(-1000)))));
  EXPECT_EQ(GetValue("k"), "new");
  EXPECT_EQ(stats_.applied.load(), 1u);
  EXPECT_EQ(stats_.conflicts_resolved.load(), 1u);
}

// A record this node cannot hold (over its item size limit) is not applied
// and not a conflict: a NACK naming the record's end offset goes out ahead
// of the ACK that covers it.
TEST_F(ApplierTest, ARecordTooLargeToHoldIsNackedAheadOfTheAck) {
  StartStreaming();
  const std::string big(2u << 20, 'x');  // over the engine's 1 MB default
  const std::string frame = MutationFrame(FrameType::kRecord, PeerStore("big", big, WallVersion(0)));
  ASSERT_OK(Feed(frame));
  EXPECT_EQ(GetValue("big"), "<miss>");
  EXPECT_EQ(stats_.refused_records.load(), 1u);
  EXPECT_EQ(stats_.conflicts_resolved.load(), 0u);
  std::string out;
  ASSERT_TRUE(applier_->TakeAck(&out));
  Frame f;
  size_t n = 0;
  ASSERT_OK(DecodeFrame(out, kMaxBody, &f, &n));
  ASSERT_EQ(f.type, FrameType::kNack);
  Nack nack;
  ASSERT_OK(ParseNack(f.payload, &nack));
  EXPECT_EQ(nack.offset, frame.size());
  EXPECT_EQ(nack.reason, NackReason::kTooLarge);
  std::string_view rest = std::string_view(out).substr(n);
  ASSERT_OK(DecodeFrame(rest, kMaxBody, &f, &n));
  ASSERT_EQ(f.type, FrameType::kAck);
  uint64_t acked = 0;
  ASSERT_OK(ParseAck(f.payload, &acked));
  EXPECT_EQ(acked, frame.size());
  // The next ack carries no stale NACK.
  ASSERT_OK(Feed(MutationFrame(FrameType::kRecord, PeerStore("small", "s", WallVersion(0)))));
  EXPECT_EQ(AckDue(), static_cast<int64_t>(frame.size() + MutationFrame(FrameType::kRecord,
                                                                          PeerStore("small", "s", WallVersion(0)))
                                                                  .size()));
}

// The link feeds a read's frames with ReceiveDeferred and then calls
// ApplyPending: stores may wait until then, but every frame that is not a
// store, and every ack, sees them applied, with their offsets.
TEST_F(ApplierTest, DeferredStoresWaitForApplyPendingOrTheNextOtherFrame) {
  StartStreaming();
  auto defer = [&](const std::string& bytes) {
    Frame frame;
    size_t consumed = 0;
    EXPECT_OK(DecodeFrame(bytes, kMaxBody, &frame, &consumed));
    return applier_->ReceiveDeferred(frame.type, frame.payload, consumed);
  };
  const std::string a = MutationFrame(FrameType::kRecord, PeerStore("a", "1", WallVersion(0)));
  const std::string b = MutationFrame(FrameType::kRecord, PeerStore("b", "2", WallVersion(0)));
  ASSERT_OK(defer(a));
  ASSERT_OK(defer(b));
  EXPECT_EQ(applier_->offset(), 0u);
  applier_->ApplyPending();
  EXPECT_EQ(GetValue("a"), "1");
  EXPECT_EQ(GetValue("b"), "2");
  EXPECT_EQ(applier_->offset(), a.size() + b.size());
  EXPECT_EQ(stats_.applied.load(), 2u);

  // A delete of a key whose store still waits: the store goes first.
  const std::string c = MutationFrame(FrameType::kRecord, PeerStore("c", "3", WallVersion(0)));
  Mutation del{};
  del.kind = Mutation::Kind::kDelete;
  del.key = "c";
  del.version = WallVersion(1);
  const std::string d = MutationFrame(FrameType::kRecord, del);
  ASSERT_OK(defer(c));
  ASSERT_OK(defer(d));
  EXPECT_EQ(GetValue("c"), "<miss>");
  EXPECT_EQ(applier_->offset(), a.size() + b.size() + c.size() + d.size());

  // An ack covers what was applied, the deferred stores included.
  const std::string e = MutationFrame(FrameType::kRecord, PeerStore("e", "5", WallVersion(0)));
  ASSERT_OK(defer(e));
  EXPECT_EQ(AckDue(), static_cast<int64_t>(a.size() + b.size() + c.size() + d.size() + e.size()));
  EXPECT_EQ(GetValue("e"), "5");
}

// More stores than one batch holds, and a value larger than the batch's
// buffer: all applied in order, none lost or reordered.
TEST_F(ApplierTest, DeferredStoresBeyondOneBatchAndLargeValuesAllLand) {
  ASSERT_OK(SyncStart(/*full=*/true, 0));
  const std::string large(100u << 10, 'L');  // over the 64 KB batch buffer
  for (int i = 0; i < 300; ++i) {
    const std::string value = i == 150 ? large : absl::StrCat("v", i);
    const std::string frame = MutationFrame(FrameType::kSnapshotItem, PeerStore(absl::StrCat("k", i), value,
                                                                                WallVersion(-1000) + i));
    Frame f;
    size_t consumed = 0;
    ASSERT_OK(DecodeFrame(frame, kMaxBody, &f, &consumed));
    ASSERT_OK(applier_->ReceiveDeferred(f.type, f.payload, consumed));
  }
  ASSERT_OK(SnapshotEnd());  // not a store: everything before it is applied first
  EXPECT_EQ(applier_->phase(), Applier::Phase::kStreaming);
  EXPECT_EQ(stats_.applied.load(), 300u);
  EXPECT_EQ(GetValue("k0"), "v0");
  EXPECT_EQ(GetValue("k150"), large);
  EXPECT_EQ(GetValue("k299"), "v299");
}

}  // namespace
}  // namespace tandem::replication
