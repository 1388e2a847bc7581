// Engine::ApplyReplicatedStores, the full copy's receiving path: a run of
// the peer's stores must come to exactly what applying them one by one with
// ApplyReplicatedResult does (same results, same items), whatever the run
// holds: repeated keys in either version order, ties, stores a remembered
// delete buries, stores too large to hold, and runs longer than one group.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/storage/engine.h"
#include "server/storage/mutation.h"
#include "tests/storage/peer_writes.h"

namespace tandem::server::storage {
namespace {

class EngineApplyStoresTest : public ReplicatingEngineTest {
 protected:
  // A second replicating engine on the same clock, fed one by one.
  void SetUp() override {
    ReplicatingEngineTest::SetUp();
    EngineOptions o;
    o.clock = &clock_;
    o.tombstone_window_ms = 60000;
    single_ = std::make_unique<Engine>(o);
    single_->SetObserver(&single_observer_);
  }
  std::string SingleValue(std::string_view key) {
    std::string v;
    if (!single_->Get(key, [&](const ItemView& it) { it.AppendValueTo(&v); })) return "<miss>";
    return v;
  }
  // Applies `run` as one batch here and one by one on the other engine,
  // and checks that results and contents agree.
  void ExpectSameAsOneByOne(const std::vector<Mutation>& run, const std::vector<std::string>& keys) {
    std::vector<ApplyResult> batched(run.size());
    engine_->ApplyReplicatedStores(run, batched);
    for (size_t i = 0; i < run.size(); ++i) {
      EXPECT_EQ(batched[i], single_->ApplyReplicatedResult(run[i])) << "mutation " << i << " key " << run[i].key;
    }
    for (const std::string& key : keys) EXPECT_EQ(GetValue(key), SingleValue(key)) << key;
  }

  LastVersionObserver single_observer_;
  std::unique_ptr<Engine> single_;
};

TEST_F(EngineApplyStoresTest, ARunComesToWhatOneByOneComesTo) {
  const uint64_t v = WallVersion(-1000);
  // A delete of an absent key, remembered on both engines, buries an
  // older store of that key.
  engine_->ApplyReplicated(PeerDelete("buried", v + 50));
  single_->ApplyReplicated(PeerDelete("buried", v + 50));
  std::vector<std::string> keys, values;
  for (int i = 0; i < 40; ++i) {
    keys.push_back(absl::StrCat("key", i));
    values.push_back(absl::StrCat("value", i));
  }
  const std::string big(2u << 20, 'x');  // over the 1 MB default limit
  std::vector<Mutation> run;
  // One key three times within one group (groups are 16): in run order.
  run.push_back(PeerStore("dup", "first", v + 300));
  run.push_back(PeerStore("dup", "second", v + 301));
  run.push_back(PeerStore("dup", "stale", v + 299));
  for (int i = 0; i < 40; ++i) run.push_back(PeerStore(keys[i], values[i], v + i));
  run.push_back(PeerStore("key3", "newer", v + 100));   // the same key again, newer: wins
  run.push_back(PeerStore("key4", "older", v));         // older than key4's v + 4: loses
  run.push_back(PeerStore("key5", "value5", v + 5));    // the same version and content: a tie, loses
  run.push_back(PeerStore("buried", "back?", v + 10));  // older than the delete
  run.push_back(PeerStore("big", big, v + 1));          // too large
  run.push_back(PeerStore("key6", "newest", v + 200));  // after a refusal, the run goes on
  keys.insert(keys.end(), {"buried", "big", "dup"});
  ExpectSameAsOneByOne(run, keys);
  EXPECT_EQ(GetValue("dup"), "second");
  EXPECT_EQ(GetValue("key3"), "newer");
  EXPECT_EQ(GetValue("key4"), "value4");
  EXPECT_EQ(GetValue("key6"), "newest");
  EXPECT_EQ(GetValue("buried"), "<miss>");
  EXPECT_EQ(GetValue("big"), "<miss>");
}

TEST_F(EngineApplyStoresTest, AnEmptyRunDoesNothing) {
  std::vector<ApplyResult> results;
  engine_->ApplyReplicatedStores({}, results);
  EXPECT_EQ(engine_->ItemCount(), 0u);
}

}  // namespace
}  // namespace tandem::server::storage
