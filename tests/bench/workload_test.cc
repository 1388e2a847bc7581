// Workload: --value-size parsing and the value range (sizes drawn, values
// a hit may carry). The request bytes are request_writer_test's.
#include "tools/bench/workload.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace tandem::bench {
namespace {

TEST(WorkloadTest, ParsesValueSize) {
  int min = -1, max = -1;
  EXPECT_EQ(ParseValueSize("100", &min, &max), "");
  EXPECT_EQ(min, 100);
  EXPECT_EQ(max, 100);
  EXPECT_EQ(ParseValueSize("10-2000", &min, &max), "");
  EXPECT_EQ(min, 10);
  EXPECT_EQ(max, 2000);
  EXPECT_EQ(ParseValueSize("0-0", &min, &max), "");
  EXPECT_EQ(max, 0);
  for (const char* bad : {"", "-", "5-", "-5", "9-3", "a", "1-2-3", " 1", "1 -2", "67108865"}) {
    EXPECT_NE(ParseValueSize(bad, &min, &max), "") << bad;
  }
}

WorkloadSpec Spec(Protocol protocol, int min, int max) {
  WorkloadSpec spec;
  spec.keys = 1000;
  spec.key_size = 8;
  spec.value_min = min;
  spec.value_max = max;
  spec.protocol = protocol;
  EXPECT_EQ(Workload::Validate(spec), "");
  return spec;
}

TEST(WorkloadTest, DrawsSizesAcrossTheRangeAndValidatesHits) {
  Workload w(Spec(Protocol::kText, 3, 6));
  Rng rng(1);
  std::set<int> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(w.NextValueSize(rng));
  EXPECT_EQ(seen, (std::set<int>{3, 4, 5, 6}));
  for (int n = 3; n <= 6; ++n) EXPECT_TRUE(w.ValueMatches(w.Value(n))) << n;
  // Values left by a run with other sizes follow the same pattern: not
  // corruption (the README's zipf example followed by its --cluster one).
  EXPECT_TRUE(w.ValueMatches(w.Value(2)));
  Workload wide(Spec(Protocol::kText, 1, 5000));
  EXPECT_TRUE(w.ValueMatches(wide.Value(5000)));
  std::string broken(wide.Value(5000));
  broken[4000] = broken[4000] == 'z' ? 'a' : 'z';
  EXPECT_FALSE(w.ValueMatches(broken));
  EXPECT_FALSE(w.ValueMatches(std::string(w.Value(6)) + "x"));
  EXPECT_FALSE(w.ValueMatches("zzzz"));
  // Preload sizes are fixed per key and in range.
  EXPECT_EQ(w.PreloadValueSize(17), w.PreloadValueSize(17));
  for (uint64_t k = 0; k < 100; ++k) {
    EXPECT_GE(w.PreloadValueSize(k), 3);
    EXPECT_LE(w.PreloadValueSize(k), 6);
  }
}

TEST(WorkloadTest, FixedSizeNeverVaries) {
  Workload w(Spec(Protocol::kText, 100, 100));
  Rng rng(1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(w.NextValueSize(rng), 100);
}

}  // namespace
}  // namespace tandem::bench
