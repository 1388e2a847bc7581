// Tests for flush_all on a replicating engine (flush_mark.h): the peer's
// flush removes only the writes older than it, a store older than a known
// flush stays out, a delayed flush waits for its time, and the engine hands
// out its latest flush for a full copy. Without an observer (no
// replication) flush_all is memcached's alone and leaves no mark.
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"
#include "server/storage/flush_mark.h"
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

TEST_F(EngineFlushMarkTest, TheLatestFlushIsHandedToAFullCopy) {
  uint64_t version = 0;
  int64_t delay = -1;
  EXPECT_FALSE(engine_->LastFlush(&version, &delay));
  engine_->FlushAll(30);
  ASSERT_TRUE(engine_->LastFlush(&version, &delay));
  EXPECT_EQ(version, observer_.last(Mutation::Kind::kFlushAll));
  EXPECT_EQ(delay, 30);
  // An older flush from the peer does not replace it.
  ASSERT_TRUE(ApplyFlush(observer_.last(Mutation::Kind::kFlushAll) - 5));
  ASSERT_TRUE(engine_->LastFlush(&version, &delay));
  EXPECT_EQ(delay, 30);
}

TEST(EngineFlushWithoutReplication, LeavesNoMark) {
  ManualClock clock;
  EngineOptions o;
  o.clock = &clock;
  Engine engine(o);
  ASSERT_EQ(engine.Store(StoreMode::kSet, "k", 0, 0, "v").outcome, StoreOutcome::kStored);
  engine.FlushAll(0);
  uint64_t version = 0;
  int64_t delay = 0;
  EXPECT_FALSE(engine.LastFlush(&version, &delay));
  EXPECT_FALSE(engine.Get("k", [](const ItemView&) {}));
}

TEST(FlushMarkThreshold, DelayMovesTheThresholdOnInWholeMilliseconds) {
  const uint64_t v = Hlc::Make(1'000'000, 7);
  EXPECT_EQ(FlushMark::Threshold(v, 0), v);
  EXPECT_EQ(FlushMark::Threshold(v, 3), Hlc::Make(1'003'000, 0));
}

}  // namespace
}  // namespace tandem::server::storage
