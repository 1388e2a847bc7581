// AntiEntropy: the range digests (order-free, sensitive to one version),
// and a whole round between two in-process engines: frames carried by hand
// from one side to the other, AE_ITEMs applied by each side's Applier.
#include "replication/anti_entropy.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "replication/applier.h"
#include "replication/record_codec.h"
#include "replication/repl_stats.h"
#include "tests/storage/peer_writes.h"
#include "tests/support/status_helpers.h"

namespace tandem::replication {
namespace {

using server::storage::Engine;
using server::storage::EngineOptions;
using server::storage::ManualClock;
using server::storage::Mutation;
using server::storage::PeerStore;
using server::storage::WallVersion;

struct Node {
  explicit Node(ManualClock* clock, size_t memory = 64u << 20) {
    EngineOptions o;
    o.clock = clock;
    o.memory_limit = memory;
    o.tombstone_window_ms = 60000;
    engine = std::make_unique<Engine>(o);
    applier = std::make_unique<Applier>(*engine, stats);
    ae = std::make_unique<AntiEntropy>(*engine, stats);
  }
  void Store(const std::string& key, const std::string& value, uint64_t version) {
    ASSERT_TRUE(engine->ApplyReplicated(PeerStore(key, value, version)));
  }
  std::string Value(const std::string& key) {
    std::string v;
    if (!engine->Get(key, [&](const server::storage::ItemView& it) { it.AppendValueTo(&v); })) return "<miss>";
    return v;
  }
  ReplStats stats;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Applier> applier;
  std::unique_ptr<AntiEntropy> ae;
};

class AntiEntropyTest : public ::testing::Test {
 protected:
  ManualClock clock_;
};

TEST_F(AntiEntropyTest, SameItemsGiveTheSameDigestsWhateverTheOrder) {
  Node a(&clock_), b(&clock_);
  const uint64_t v = WallVersion(-1000);
  for (int i = 0; i < 500; ++i) a.Store(absl::StrCat("key", i), "x", v + i);
  for (int i = 499; i >= 0; --i) b.Store(absl::StrCat("key", i), "x", v + i);
  EXPECT_EQ(AntiEntropy::DigestAll(*a.engine), AntiEntropy::DigestAll(*b.engine));
}

TEST_F(AntiEntropyTest, OneNewerVersionChangesExactlyItsRange) {
  Node a(&clock_), b(&clock_);
  const uint64_t v = WallVersion(-1000);
  for (int i = 0; i < 100; ++i) {
    a.Store(absl::StrCat("key", i), "x", v);
    b.Store(absl::StrCat("key", i), "x", v);
  }
  b.Store("key42", "x", v + 1);
  const AntiEntropy::Digests da = AntiEntropy::DigestAll(*a.engine);
  const AntiEntropy::Digests db = AntiEntropy::DigestAll(*b.engine);
  for (size_t r = 0; r < AntiEntropy::kRanges; ++r) {
    EXPECT_EQ(da[r] != db[r], r == AntiEntropy::RangeOf("key42")) << "range " << r;
  }
}

TEST_F(AntiEntropyTest, AnEmptyEngineHasAllZeroDigests) {
  Node a(&clock_);
  AntiEntropy::Digests zero{};
  EXPECT_EQ(AntiEntropy::DigestAll(*a.engine), zero);
}

// Runs the frames in `bytes` into `to`: AE_DIGEST/AE_RANGES to its
// AntiEntropy, AE_ITEM to its Applier.
void Deliver(const std::string& bytes, Node& to) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    Frame frame;
    size_t consumed = 0;
    ASSERT_OK(DecodeFrame(std::string_view(bytes).substr(pos), kMaxBody, &frame, &consumed));
    ASSERT_GT(consumed, 0u);
    if (frame.type == FrameType::kAeItem) {
      ASSERT_OK(to.applier->Receive(frame.type, frame.payload, consumed));
    } else {
      ASSERT_OK(to.ae->Receive(frame.type, frame.payload));
    }
    pos += consumed;
  }
}

// Steps `from` until it has nothing more to do, delivering what it says.
void Exchange(Node& from, Node& to) {
  for (int i = 0; i < 100000 && from.ae->walking(); ++i) {
    std::string out;
    from.ae->Step(16, 1 << 16, &out);
    Deliver(out, to);
  }
}

void StartStreaming(Node& n) {
  std::string out;
  EncodeSyncStart({true, 0}, &out);
  EncodeSnapshotEnd(&out);
  n.applier->StartLink(7, "peer:1");
  size_t pos = 0;
  while (pos < out.size()) {
    Frame frame;
    size_t consumed = 0;
    ASSERT_OK(DecodeFrame(std::string_view(out).substr(pos), kMaxBody, &frame, &consumed));
    ASSERT_OK(n.applier->Receive(frame.type, frame.payload, consumed));
    pos += consumed;
  }
}

TEST_F(AntiEntropyTest, ARoundRepairsBothSidesAndCountsOnlyRealRepairs) {
  Node a(&clock_), b(&clock_);
  StartStreaming(a);
  StartStreaming(b);
  const uint64_t v = WallVersion(-1000);
  for (int i = 0; i < 300; ++i) {
    a.Store(absl::StrCat("same", i), "x", v);
    b.Store(absl::StrCat("same", i), "x", v);
  }
  a.Store("only-a", "1", v);
  b.Store("only-b", "2", v);
  a.Store("newer-on-a", "old", v);
  b.Store("newer-on-a", "new", v + 5);

  a.ae->Begin();
  Exchange(a, b);  // a's digest walk, then AE_DIGEST to b
  Exchange(b, a);  // b compares, sends AE_RANGES and its items
  Exchange(a, b);  // a re-sends its items of those ranges

  EXPECT_EQ(a.Value("only-b"), "2");
  EXPECT_EQ(b.Value("only-a"), "1");
  EXPECT_EQ(a.Value("newer-on-a"), "new");
  EXPECT_EQ(AntiEntropy::DigestAll(*a.engine), AntiEntropy::DigestAll(*b.engine));
  EXPECT_EQ(a.stats.antientropy_rounds.load(), 1u);
  EXPECT_EQ(b.stats.antientropy_rounds.load(), 1u);
  EXPECT_EQ(a.stats.antientropy_repaired_keys.load() + b.stats.antientropy_repaired_keys.load(), 3u);
  EXPECT_FALSE(a.ae->busy());
  EXPECT_FALSE(b.ae->busy());

  // A second round finds nothing to re-send.
  const uint64_t resent = a.stats.antientropy_resent_keys.load() + b.stats.antientropy_resent_keys.load();
  a.ae->Begin();
  Exchange(a, b);
  Exchange(b, a);
  Exchange(a, b);
  EXPECT_EQ(a.stats.antientropy_rounds.load(), 2u);
  EXPECT_EQ(a.stats.antientropy_resent_keys.load() + b.stats.antientropy_resent_keys.load(), resent);
  EXPECT_EQ(a.stats.antientropy_repaired_keys.load() + b.stats.antientropy_repaired_keys.load(), 3u);
}

TEST_F(AntiEntropyTest, RangesWithoutARoundAreAProtocolError) {
  Node a(&clock_);
  std::string out;
  EncodeFrame(FrameType::kAeRanges, std::string(AntiEntropy::kRanges / 8, '\0'), &out);
  Frame frame;
  size_t consumed = 0;
  ASSERT_OK(DecodeFrame(out, kMaxBody, &frame, &consumed));
  EXPECT_FALSE(a.ae->Receive(frame.type, frame.payload).ok());
  EXPECT_FALSE(a.ae->Receive(FrameType::kAeDigest, "short").ok());
}

// The cost of a round per million keys (README "Anti-entropy"): the digest
// walk as PeerLink runs it (steps of 1024 items), the frames of a round that
// finds nothing, and the worst case, every range re-sent. Not a check:
// run with --gtest_also_run_disabled_tests to print the numbers.
TEST_F(AntiEntropyTest, DISABLED_CostOfARoundPerMillionKeys) {
  constexpr int kKeys = 1000000;
  Node a(&clock_, size_t{1} << 30), b(&clock_, size_t{1} << 30);
  StartStreaming(a);
  const uint64_t v = WallVersion(-1000);
  const std::string value(32, 'v');
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = absl::StrCat("key:", i);
    a.Store(key, value, v + i);
    b.Store(key, value, v + i);
  }
  auto walk = [&](Node& n, size_t* bytes) {
    const absl::Time start = absl::Now();
    while (n.ae->walking()) {
      std::string out;
      n.ae->Step(1024, 64u << 10, &out);
      *bytes += out.size();
      if (&n == &b) Deliver(out, a);
    }
    return absl::Now() - start;
  };
  // A round that finds nothing: a's digest walk and AE_DIGEST, b's walk and AE_RANGES.
  size_t digest_bytes = 0;
  a.ae->Begin();
  const absl::Duration digest = walk(a, &digest_bytes);
  std::printf("digest walk of %d keys: %s; AE_DIGEST frame %zu bytes, AE_RANGES %zu bytes\n", kKeys,
              absl::FormatDuration(digest).c_str(), digest_bytes, AntiEntropy::kRanges / 8 + kFrameHeaderSize + 1);
  a.ae->Cancel();
  // Worst case: every range differs, b re-sends all it holds.
  std::string ranges;
  EncodeFrame(FrameType::kAeRanges, std::string(AntiEntropy::kRanges / 8, '\xff'), &ranges);
  Frame f;
  size_t used = 0;
  ASSERT_OK(DecodeFrame(ranges, kMaxBody, &f, &used));
  for (int i = 0; i < kKeys; i += 2) b.Store(absl::StrCat("key:", i), value, v + kKeys + i);
  b.ae->Begin();
  size_t b_digest = 0;
  walk(b, &b_digest);
  ASSERT_OK(b.ae->Receive(f.type, f.payload));
  size_t repair_bytes = 0;
  const absl::Duration repair = walk(b, &repair_bytes);
  std::printf("worst-case repair (all %zu ranges, half the keys newer) of %d keys: %s (walk, encode and the "
              "peer's apply), %zu bytes on the wire, %llu repaired\n",
              AntiEntropy::kRanges, kKeys, absl::FormatDuration(repair).c_str(), repair_bytes,
              static_cast<unsigned long long>(a.stats.antientropy_repaired_keys.load()));
}

}  // namespace
}  // namespace tandem::replication
