// Tests for the version floor (version_floor.h) and the bounded clock
// (version.h) on a replicating engine: an item that expired, was evicted
// or flushed, or a tombstone that aged out, keeps an older peer store from
// coming back (the key is deleted on both nodes instead), while newer
// stores get in; a peer version far ahead moves the local clock only up to
// --repl-max-skew-ms.
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"
#include "server/storage/version.h"
#include "tests/storage/peer_writes.h"

namespace tandem::server::storage {
namespace {

using EngineVersionFloorTest = ReplicatingEngineTest;

// Item 3 of "Pairs that keep their promises": B `set e old`, A `set e 0 -1
// new` crossing it. A's already-expired item leaves its version behind.
TEST_F(EngineVersionFloorTest, AnExpiredItemKeepsAnOlderPeerStoreOut) {
  const uint64_t peer_old = WallVersion(-50);
  StoreOptions o;
  o.exptime = -1;
  ASSERT_EQ(engine_->Store("e", "new", o).outcome, StoreOutcome::kStored);
  EXPECT_EQ(GetValue("e"), "<miss>");
  EXPECT_FALSE(engine_->ApplyReplicated(PeerStore("e", "old", peer_old)));
  EXPECT_EQ(GetValue("e"), "<miss>");
  EXPECT_GT(observer_.last(Mutation::Kind::kDelete), peer_old);  // the peer is told to drop it too
}

TEST_F(EngineVersionFloorTest, AnItemThatExpiresLaterDoesTooAndNewerStoresGetIn) {
  StoreOptions o;
  o.exptime = 10;
  ASSERT_EQ(engine_->Store("k", "mine", o).outcome, StoreOutcome::kStored);
  const uint64_t mine = observer_.last(Mutation::Kind::kStore);
  clock_.Advance(11);
  EXPECT_EQ(GetValue("k"), "<miss>");
  EXPECT_FALSE(engine_->ApplyReplicated(PeerStore("k", "older", mine - 1)));
  EXPECT_EQ(GetValue("k"), "<miss>");
  EXPECT_TRUE(engine_->ApplyReplicated(PeerStore("k", "newer", WallVersion(+5000))));
  EXPECT_EQ(GetValue("k"), "newer");
}

TEST_F(EngineVersionFloorTest, AStoreWithoutAnythingForgottenIsApplied) {
  EXPECT_TRUE(engine_->ApplyReplicated(PeerStore("fresh", "v", WallVersion(-100000))));
  EXPECT_EQ(GetValue("fresh"), "v");
}

TEST(EngineVersionFloorEviction, AnEvictedItemKeepsAnOlderPeerStoreOut) {
  ManualClock clock;
  EngineOptions o;
  o.clock = &clock;
  o.memory_limit = 2u << 20;
  o.slab_page_size = 1u << 20;
  Engine engine(o);
  LastVersionObserver observer;
  engine.SetObserver(&observer);
  const std::string value(1000, 'x');
  ASSERT_EQ(engine.Store(StoreMode::kSet, "victim", 0, 0, value).outcome, StoreOutcome::kStored);
  const uint64_t victim = observer.last(Mutation::Kind::kStore);
  for (int i = 0; i < 20000; ++i) engine.Store(StoreMode::kSet, "fill" + std::to_string(i), 0, 0, value);
  ASSERT_FALSE(engine.Get("victim", [](const ItemView&) {}));  // evicted
  EXPECT_FALSE(engine.ApplyReplicated(PeerStore("victim", "older", victim - 1)));
  EXPECT_FALSE(engine.Get("victim", [](const ItemView&) {}));
}

// A slab page move evicts what it cannot rescue: the node must treat those
// items as evicted (their version floors the slot), never as deleted or
// absent-forever, and must not tell the peer (evictions stay local).
TEST(EngineVersionFloorEviction, AnItemEvictedByAPageMoveKeepsAnOlderPeerStoreOut) {
  ManualClock clock;
  EngineOptions o;
  o.clock = &clock;
  Engine engine(o);
  LastVersionObserver observer;
  engine.SetObserver(&observer);
  const std::string value(100, 'x');
  // Two full pages of one class (5461 chunks a page): nothing to rescue into.
  ASSERT_EQ(engine.Store(StoreMode::kSet, "victim", 0, 0, value).outcome, StoreOutcome::kStored);
  const uint64_t victim = observer.last(Mutation::Kind::kStore);
  for (int i = 1; i < 2 * 5461; ++i) {
    engine.Store(StoreMode::kSet, "fill" + std::to_string(10000 + i), 0, 0, value);
  }
  int cls = 0;
  engine.MetaGet("victim", MetaGetOptions{}, [&](MetaItem& it, bool) { cls = it.class_id(); });
  const uint64_t stores_before = observer.last(Mutation::Kind::kStore);
  ASSERT_EQ(engine.SlabsReassign(cls, 0), ReassignOutcome::kOk);
  for (int i = 0; i < 1000 && engine.RebalanceStep(); ++i) {
  }
  ASSERT_FALSE(engine.Get("victim", [](const ItemView&) {}));  // evicted with its page
  EXPECT_EQ(observer.last(Mutation::Kind::kDelete), 0u);        // nothing told the peer
  EXPECT_EQ(observer.last(Mutation::Kind::kStore), stores_before);
  EXPECT_FALSE(engine.ApplyReplicated(PeerStore("victim", "older", victim - 1)));
  EXPECT_FALSE(engine.Get("victim", [](const ItemView&) {}));
  EXPECT_TRUE(engine.ApplyReplicated(PeerStore("victim", "newer", WallVersion(+10))));
}

TEST_F(EngineVersionFloorTest, AFarAheadPeerVersionMovesTheClockOnlyToTheBound) {
  // A forged version near 2^63, and one 30 s ahead: the next local write
  // is stamped no more than --repl-max-skew-ms (1 s) past the wall clock.
  EXPECT_TRUE(engine_->ApplyReplicated(PeerStore("forged", "f", uint64_t{1} << 62)));
  EXPECT_TRUE(engine_->ApplyReplicated(PeerStore("ahead", "a", WallVersion(+30000))));
  ASSERT_EQ(engine_->Store(StoreMode::kSet, "mine", 0, 0, "m").outcome, StoreOutcome::kStored);
  const uint64_t mine = observer_.last(Mutation::Kind::kStore);
  EXPECT_LE(Hlc::PhysicalMs(mine), Hlc::PhysicalMs(WallVersion(+1001)));
  EXPECT_GE(Hlc::PhysicalMs(mine), Hlc::PhysicalMs(WallVersion(+900)));
}

TEST(HlcClockBound, ObserveStopsAtTheBound) {
  HlcClock c;
  EXPECT_TRUE(c.Observe(Hlc::Make(5000, 0), Hlc::Make(2000, 0)));
  EXPECT_EQ(c.Last(), Hlc::Make(2000, 0));
  EXPECT_FALSE(c.Observe(Hlc::Make(1500, 0), Hlc::Make(2000, 0)));
  EXPECT_EQ(c.Now(1000), Hlc::Make(2000, 1));
}

}  // namespace
}  // namespace tandem::server::storage
