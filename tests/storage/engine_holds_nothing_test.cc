// Engine::HoldsNothing: what lets a node skip sending its peer a full copy
// (replication SYNC_START's nothing-to-copy form). Each of an item, a
// tombstone and a flush mark is something a copy would have to carry.
#include "gtest/gtest.h"
#include "server/storage/engine.h"
#include "tests/storage/peer_writes.h"

namespace tandem::server::storage {
namespace {

using EngineHoldsNothingTest = ReplicatingEngineTest;

TEST_F(EngineHoldsNothingTest, AFreshEngineHoldsNothing) { EXPECT_TRUE(engine_->HoldsNothing()); }

TEST_F(EngineHoldsNothingTest, AnItemIsSomething) {
  ASSERT_EQ(engine_->Store(StoreMode::kSet, "k", 0, 0, "v").outcome, StoreOutcome::kStored);
  EXPECT_FALSE(engine_->HoldsNothing());
}

TEST_F(EngineHoldsNothingTest, ADeletedKeyLeavesATombstoneThatIsSomething) {
  ASSERT_EQ(engine_->Store(StoreMode::kSet, "k", 0, 0, "v").outcome, StoreOutcome::kStored);
  ASSERT_TRUE(engine_->Delete("k"));
  EXPECT_EQ(GetValue("k"), "<miss>");
  EXPECT_FALSE(engine_->HoldsNothing());
}

TEST_F(EngineHoldsNothingTest, AFlushMarkIsSomething) {
  engine_->FlushAll(0);
  EXPECT_FALSE(engine_->HoldsNothing());
}

TEST_F(EngineHoldsNothingTest, AnItemFromThePeerIsSomething) {
  ASSERT_TRUE(engine_->ApplyReplicated(PeerStore("k", "peer", 1000)));
  EXPECT_FALSE(engine_->HoldsNothing());
}

}  // namespace
}  // namespace tandem::server::storage
