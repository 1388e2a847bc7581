// Tests for flush_all on a replicating engine (flush_mark.h): the peer's
// flush removes only the writes older than it, a store older than a known
// flush stays out, a delayed flush waits for its time without hiding a
// later immediate one, an absolute flush time travels as a delay, a local
// flush spends no CAS and answers only once its millisecond has passed, a
// peer's flush is due by its (translated) origin time, and the engine hands
// out its marks for a full copy. Without an observer (no replication)
// flush_all is memcached's alone and leaves no mark.
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"
#include "server/storage/flush_mark.h"
#include "server/storage/mutation_observer.h"
#include "server/storage/version.h"
#include "tests/storage/peer_writes.h"

namespace tandem::server::storage {
namespace {

class EngineFlushMarkTest : public ReplicatingEngineTest {
 protected:
  bool ApplyStore(std::string_view key, std::string_view value, uint64_t version) {
    return engine_->ApplyReplicated(PeerStore(key, value, version));
  }
  bool ApplyFlush(uint64_t version, int64_t delay_s = 0) { return engine_->ApplyReplicated(PeerFlush(version, delay_s)); }
};

TEST_F(EngineFlushMarkTest, PeerFlushRemovesOnlyTheWritesBeforeIt) {
  ASSERT_TRUE(ApplyStore("older", "o", WallVersion(-2000)));
  ASSERT_TRUE(ApplyStore("newer", "n", WallVersion(+2000)));  // a write after the peer's flush
  ASSERT_TRUE(ApplyFlush(WallVersion(-1000)));
  EXPECT_EQ(GetValue("older"), "<miss>");
  EXPECT_EQ(GetValue("newer"), "n");
}

TEST_F(EngineFlushMarkTest, LocalWritesAfterThePeerFlushSurviveIt) {
  const uint64_t flush_version = WallVersion(-1);
  ASSERT_EQ(engine_->Store(StoreMode::kSet, "mine", 0, 0, "m").outcome, StoreOutcome::kStored);
  // memcached's own flush would take every item this node holds; the
  // peer's takes only those older than it.
  ASSERT_TRUE(ApplyFlush(flush_version));
  EXPECT_EQ(GetValue("mine"), "m");
}

TEST_F(EngineFlushMarkTest, AStoreOlderThanAKnownFlushStaysOut) {
  engine_->FlushAll(0);
  const uint64_t flushed = observer_.last(Mutation::Kind::kFlushAll);
  ASSERT_NE(flushed, 0u);
  EXPECT_FALSE(ApplyStore("late", "old", flushed - 1));  // from before the flush
  EXPECT_EQ(GetValue("late"), "<miss>");
  EXPECT_TRUE(ApplyStore("fresh", "new", flushed + 1));
  EXPECT_EQ(GetValue("fresh"), "new");
}

TEST_F(EngineFlushMarkTest, ADelayedFlushWaitsForItsTime) {
  ASSERT_TRUE(ApplyStore("k", "v", WallVersion(-10'000)));
  ASSERT_TRUE(ApplyFlush(WallVersion(-5'000), /*delay_s=*/60));  // takes effect in 55 s
  EXPECT_EQ(GetValue("k"), "v");
  EXPECT_TRUE(ApplyStore("k2", "v2", WallVersion(-10'000)));
}

TEST_F(EngineFlushMarkTest, ADelayedFlushOnceDueTakesWhatCameBeforeItsTime) {
  ASSERT_TRUE(ApplyStore("before", "b", WallVersion(-4'000)));
  ASSERT_TRUE(ApplyStore("after", "a", WallVersion(-1'000)));
  ASSERT_TRUE(ApplyFlush(WallVersion(-5'000), /*delay_s=*/2));  // took effect 3 s ago
  EXPECT_EQ(GetValue("before"), "<miss>");
  EXPECT_EQ(GetValue("after"), "a");
}

// Each flush mark that still matters: (version, delay_ms, due_ms).
std::vector<std::tuple<uint64_t, int64_t, int64_t>> Marks(const Engine& e) {
  std::vector<std::tuple<uint64_t, int64_t, int64_t>> out;
  e.ForEachFlush([&](uint64_t v, int64_t d, int64_t due) { out.emplace_back(v, d, due); });
  return out;
}

TEST_F(EngineFlushMarkTest, TheFlushMarksAreHandedToAFullCopy) {
  EXPECT_TRUE(Marks(*engine_).empty());
  engine_->FlushAll(30);
  auto marks = Marks(*engine_);
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(std::get<0>(marks[0]), observer_.last(Mutation::Kind::kFlushAll));
  EXPECT_EQ(std::get<1>(marks[0]), 30000);
  // An older immediate flush from the peer takes effect at once; the
  // delayed one still waits, so both are passed on.
  ASSERT_TRUE(ApplyFlush(observer_.last(Mutation::Kind::kFlushAll) - 5));
  EXPECT_EQ(Marks(*engine_).size(), 2u);
}

TEST_F(EngineFlushMarkTest, ADelayedFlushDoesNotSwallowALaterImmediateOne) {
  ASSERT_EQ(engine_->Store(StoreMode::kSet, "k", 0, 0, "v").outcome, StoreOutcome::kStored);
  engine_->FlushAll(3600);
  EXPECT_EQ(GetValue("k"), "v");
  engine_->FlushAll(0);
  EXPECT_EQ(GetValue("k"), "<miss>");
  // The same two flushes from the peer (made now, after the local ones).
  ASSERT_TRUE(ApplyStore("p", "v", WallVersion(+1000)));
  Mutation delayed = PeerFlush(WallVersion(+2000), 3600);
  delayed.origin_ms = clock_.WallMs();
  ASSERT_TRUE(engine_->ApplyReplicated(delayed));
  EXPECT_EQ(GetValue("p"), "v");
  Mutation now = PeerFlush(WallVersion(+3000));
  now.origin_ms = clock_.WallMs();
  ASSERT_TRUE(engine_->ApplyReplicated(now));
  EXPECT_EQ(GetValue("p"), "<miss>");
}

// Notes the last flush the engine sent.
class FlushObserver : public MutationObserver {
 public:
  uint64_t OnMutation(const Mutation& m) override {
    if (m.kind == Mutation::Kind::kFlushAll) last = m;
    return 0;
  }
  Mutation last{};
};

TEST_F(EngineFlushMarkTest, AnAbsoluteFlushTimeTravelsAsADelay) {
  FlushObserver flushes;
  engine_->SetObserver(&flushes);
  ASSERT_EQ(engine_->Store(StoreMode::kSet, "k", 0, 0, "v").outcome, StoreOutcome::kStored);
  const int64_t now_s = clock_.WallMs() / 1000;
  engine_->FlushAll(now_s + 100);
  EXPECT_GT(flushes.last.flush_delay_ms, 98000);
  EXPECT_LE(flushes.last.flush_delay_ms, 100000);
  EXPECT_EQ(GetValue("k"), "v");
  clock_.AdvanceWallMs(101000);
  EXPECT_EQ(GetValue("k"), "<miss>");
}

TEST_F(EngineFlushMarkTest, ALocalFlushSpendsNoCasThatHidesThePeersWrites) {
  ASSERT_EQ(engine_->Store(StoreMode::kSet, "k", 0, 0, "v").outcome, StoreOutcome::kStored);
  engine_->FlushAll(0);
  engine_->FlushAll(0);
  // The peer's write after the flushes carries the peer's (small) CAS.
  Mutation m = PeerStore("k2", "new", WallVersion(+1000));
  m.cas = 1;
  ASSERT_TRUE(engine_->ApplyReplicated(m));
  EXPECT_EQ(GetValue("k2"), "new");
}

// A local flush returns only once the clock has left its millisecond, so a
// write the peer stamps after the reply (same wall clock, before the flush
// reached it) is newer than the flush and survives it. Twenty flushes in
// a row, each after a burst of writes that spends logical counter values.
TEST_F(EngineFlushMarkTest, ALocalFlushAnswersOnlyOnceItsMillisecondHasPassed) {
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 50; ++i) engine_->Store(StoreMode::kSet, "burst", 0, 0, "b");
    engine_->FlushAll(0);
    const uint64_t flush = observer_.last(Mutation::Kind::kFlushAll);
    const uint64_t peer_next = Hlc::Make(static_cast<uint64_t>(clock_.WallMs()), 0);
    ASSERT_GT(peer_next, flush) << "round " << round;
    ASSERT_TRUE(ApplyStore("after", "peer", peer_next));
    ASSERT_TRUE(engine_->Get("after", {}, [](const ItemView&) {})) << "round " << round;
  }
}

TEST_F(EngineFlushMarkTest, APeerFlushIsDueByItsOriginTimeNotItsVersion) {
  // A peer whose clock runs 30 s ahead: its versions are in our future,
  // but its flush (origin time already on our clock) is due now.
  ASSERT_TRUE(ApplyStore("k", "v", WallVersion(+29000)));
  Mutation f = PeerFlush(WallVersion(+30000));
  f.origin_ms = clock_.WallMs();
  ASSERT_TRUE(engine_->ApplyReplicated(f));
  EXPECT_EQ(GetValue("k"), "<miss>");
}

TEST(EngineFlushWithoutReplication, LeavesNoMark) {
  ManualClock clock;
  EngineOptions o;
  o.clock = &clock;
  Engine engine(o);
  ASSERT_EQ(engine.Store(StoreMode::kSet, "k", 0, 0, "v").outcome, StoreOutcome::kStored);
  engine.FlushAll(0);
  EXPECT_TRUE(Marks(engine).empty());
  EXPECT_FALSE(engine.Get("k", [](const ItemView&) {}));
}

TEST(FlushMarkThreshold, DelayMovesTheThresholdOnInWholeMilliseconds) {
  const uint64_t v = Hlc::Make(1'000'000, 7);
  EXPECT_EQ(FlushMarks::Threshold(v, 0), v);
  EXPECT_EQ(FlushMarks::Threshold(v, 3000), Hlc::Make(1'003'000, 0));
}

}  // namespace
}  // namespace tandem::server::storage
