// Tests for the engine's delete tombstones (engine.h, ApplyReplicated): a
// delete, local or replicated, keeps an older copy of the key from coming
// back from the peer; a tie goes to the delete; tombstones travel in the
// full-copy walk; and they are invisible in the client-facing stats.
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"
#include "server/storage/version.h"
#include "tests/storage/peer_writes.h"

namespace tandem::server::storage {
namespace {

class EngineTombstoneTest : public ReplicatingEngineTest {
 protected:
  uint64_t Version(std::string_view key) {
    uint64_t v = 0;
    engine_->Get(key, [&](const ItemView& it) { v = it.version(); });
    return v;
  }
  std::map<std::string, std::string> Stats() {
    StatList list;
    engine_->TombstoneStats(&list);
    return {list.begin(), list.end()};
  }
};

TEST_F(EngineTombstoneTest, LocalDeleteKeepsAnOlderPeerCopyOut) {
  ASSERT_EQ(engine_->Store(StoreMode::kSet, "k", 0, 0, "mine").outcome, StoreOutcome::kStored);
  const uint64_t stored = Version("k");
  ASSERT_TRUE(engine_->Delete("k"));
  // The peer's copy from before the delete (resync or full copy) stays out.
  EXPECT_FALSE(engine_->ApplyReplicated(PeerStore("k", "peer", stored)));
  EXPECT_FALSE(engine_->ApplyReplicated(PeerStore("k", "peer", observer_.last(Mutation::Kind::kDelete) - 1)));
  EXPECT_EQ(GetValue("k"), "<miss>");
  // A write after the delete is a new value, whoever made it.
  EXPECT_TRUE(engine_->ApplyReplicated(PeerStore("k", "later", observer_.last(Mutation::Kind::kDelete) + 1)));
  EXPECT_EQ(GetValue("k"), "later");
}

TEST_F(EngineTombstoneTest, MetaDeleteLeavesATombstoneToo) {
  ASSERT_EQ(engine_->Store(StoreMode::kSet, "m", 0, 0, "v").outcome, StoreOutcome::kStored);
  const uint64_t v = Version("m");
  ASSERT_EQ(engine_->MetaDelete("m", MetaDeleteOptions{}), MetaDeleteOutcome::kDeleted);
  EXPECT_FALSE(engine_->ApplyReplicated(PeerStore("m", "old", v)));
  EXPECT_EQ(GetValue("m"), "<miss>");
}

TEST_F(EngineTombstoneTest, ReplicatedDeleteOfAnAbsentKeyIsRemembered) {
  // The delete arrives before the older store it overtook (concurrent writes).
  const uint64_t base = WallVersion();
  EXPECT_FALSE(engine_->ApplyReplicated(PeerDelete("c", base + 10)));
  EXPECT_FALSE(engine_->ApplyReplicated(PeerStore("c", "stale", base + 5)));
  EXPECT_EQ(GetValue("c"), "<miss>");
  EXPECT_EQ(Stats()["tombstones"], "1");
}

TEST_F(EngineTombstoneTest, EqualVersionsGoToTheDeleteOnBothSides) {
  const uint64_t v = WallVersion();
  // Node A holds the store and receives the delete of the same version...
  ASSERT_TRUE(engine_->ApplyReplicated(PeerStore("t", "x", v)));
  EXPECT_TRUE(engine_->ApplyReplicated(PeerDelete("t", v)));
  EXPECT_EQ(GetValue("t"), "<miss>");
  // ...node B holds the tombstone and receives the store: both end absent.
  EXPECT_FALSE(engine_->ApplyReplicated(PeerStore("t", "x", v)));
  EXPECT_EQ(GetValue("t"), "<miss>");
}

TEST_F(EngineTombstoneTest, NewerItemBeatsAnOlderDelete) {
  const uint64_t v = WallVersion();
  ASSERT_TRUE(engine_->ApplyReplicated(PeerStore("n", "new", v + 5)));
  EXPECT_FALSE(engine_->ApplyReplicated(PeerDelete("n", v)));
  EXPECT_EQ(GetValue("n"), "new");
}

// A delete older than the tombstone window (item 4 of "Pairs that keep
// their promises"): the tombstone is forgotten, but its version stays in
// the floor (version_floor.h), so the store it beat cannot come back; the
// key is deleted on both nodes instead. A newer store still gets in.
TEST_F(EngineTombstoneTest, ExpiredTombstonesStillKeepOlderStoresOut) {
  const uint64_t long_ago = WallVersion(-120000);  // twice the window
  EXPECT_FALSE(engine_->ApplyReplicated(PeerDelete("e", long_ago + 10)));
  EXPECT_FALSE(engine_->ApplyReplicated(PeerStore("e", "back", long_ago + 5)));
  EXPECT_EQ(GetValue("e"), "<miss>");
  EXPECT_GT(observer_.last(Mutation::Kind::kDelete), long_ago + 10);  // deleted on the peer too
  EXPECT_TRUE(engine_->ApplyReplicated(PeerStore("e", "newer", WallVersion(+1000))));
  EXPECT_EQ(GetValue("e"), "newer");
}

TEST_F(EngineTombstoneTest, SnapshotCarriesTombstones) {
  for (int i = 0; i < 50; ++i) {
    engine_->Store(StoreMode::kSet, "s" + std::to_string(i), 0, 0, "v");
  }
  for (int i = 0; i < 50; i += 2) ASSERT_TRUE(engine_->Delete("s" + std::to_string(i)));
  std::map<std::string, uint64_t> tombs;
  size_t items = 0;
  uint64_t cursor = 0;
  for (int steps = 0; steps < 100000; ++steps) {
    const bool more = engine_->SnapshotStep(
        &cursor, 16, [&](const ItemView&) { ++items; },
        [&](std::string_view key, uint64_t version) { tombs[std::string(key)] = version; });
    if (!more) break;
  }
  EXPECT_EQ(items, 25u);
  EXPECT_EQ(tombs.size(), 25u);
  EXPECT_TRUE(tombs.count("s0"));
  EXPECT_FALSE(tombs.count("s1"));
}

TEST_F(EngineTombstoneTest, InvisibleToClientStats) {
  ASSERT_EQ(engine_->Store(StoreMode::kSet, "k", 0, 0, "v").outcome, StoreOutcome::kStored);
  ASSERT_TRUE(engine_->Delete("k"));
  StatList general;
  engine_->GeneralStats(&general);
  std::map<std::string, std::string> g(general.begin(), general.end());
  EXPECT_EQ(g["curr_items"], "0");
  EXPECT_EQ(g["bytes"], "0");
  EXPECT_EQ(Stats()["tombstones"], "1");
  EXPECT_NE(Stats()["tombstone_bytes"], "0");
}

TEST(EngineTombstoneStandaloneTest, NoObserverNoTombstones) {
  ManualClock clock;
  EngineOptions o;
  o.clock = &clock;
  Engine engine(o);
  ASSERT_EQ(engine.Store(StoreMode::kSet, "k", 0, 0, "v").outcome, StoreOutcome::kStored);
  ASSERT_TRUE(engine.Delete("k"));
  StatList list;
  engine.TombstoneStats(&list);
  EXPECT_EQ(list[0].second, "0");
}

}  // namespace
}  // namespace tandem::server::storage
