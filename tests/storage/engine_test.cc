// Tests for Engine: every store mode, CAS, incr/decr edge cases (checked
// against memcached 1.6.18 by hand), chunked items, stats names, the
// observer, and the memory limit under load.
#include "server/storage/engine.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/storage/mutation.h"
#include "server/storage/mutation_observer.h"

namespace tandem::server::storage {
namespace {

using ::testing::Contains;
using ::testing::Pair;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Make(); }
  void Make(EngineOptions o = {}) {
    o.clock = &clock_;
    options_ = o;
    engine_ = std::make_unique<Engine>(o);
  }
  // Value, or "<miss>".
  std::string GetValue(std::string_view key) {
    std::string v;
    if (!engine_->Get(key, [&](const ItemView& it) { it.AppendValueTo(&v); })) return "<miss>";
    return v;
  }
  uint64_t GetCas(std::string_view key) {
    uint64_t cas = 0;
    engine_->Get(key, [&](const ItemView& it) { cas = it.cas(); });
    return cas;
  }
  uint32_t GetFlags(std::string_view key) {
    uint32_t f = 0;
    engine_->Get(key, [&](const ItemView& it) { f = it.flags(); });
    return f;
  }
  StoreOutcome Set(std::string_view k, std::string_view v, int64_t exptime = 0,
                   uint32_t flags = 0) {
    return engine_->Store(StoreMode::kSet, k, flags, exptime, v).outcome;
  }
  std::string Stat(const StatList& list, std::string_view name) {
    for (const auto& [k, v] : list)
      if (k == name) return v;
    return "<none>";
  }

  ManualClock clock_;
  EngineOptions options_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, SetGetDelete) {
  EXPECT_EQ(GetValue("a"), "<miss>");
  EXPECT_EQ(Set("a", "hello", 0, 42), StoreOutcome::kStored);
  EXPECT_EQ(GetValue("a"), "hello");
  EXPECT_EQ(GetFlags("a"), 42u);
  EXPECT_EQ(Set("a", "world"), StoreOutcome::kStored);
  EXPECT_EQ(GetValue("a"), "world");
  EXPECT_TRUE(engine_->Delete("a"));
  EXPECT_FALSE(engine_->Delete("a"));
  EXPECT_EQ(GetValue("a"), "<miss>");
}

TEST_F(EngineTest, EmptyValue) {
  EXPECT_EQ(Set("e", ""), StoreOutcome::kStored);
  EXPECT_EQ(GetValue("e"), "");
}

TEST_F(EngineTest, AddReplace) {
  EXPECT_EQ(engine_->Store(StoreMode::kReplace, "k", 0, 0, "x").outcome,
            StoreOutcome::kNotStored);
  EXPECT_EQ(engine_->Store(StoreMode::kAdd, "k", 0, 0, "x").outcome, StoreOutcome::kStored);
  EXPECT_EQ(engine_->Store(StoreMode::kAdd, "k", 0, 0, "y").outcome, StoreOutcome::kNotStored);
  EXPECT_EQ(engine_->Store(StoreMode::kReplace, "k", 0, 0, "z").outcome, StoreOutcome::kStored);
  EXPECT_EQ(GetValue("k"), "z");
}

TEST_F(EngineTest, AppendPrependKeepFlagsAndExptime) {
  EXPECT_EQ(engine_->Store(StoreMode::kAppend, "k", 0, 0, "x").outcome,
            StoreOutcome::kNotStored);
  EXPECT_EQ(engine_->Store(StoreMode::kPrepend, "k", 0, 0, "x").outcome,
            StoreOutcome::kNotStored);
  ASSERT_EQ(Set("k", "mid", 100, 7), StoreOutcome::kStored);
  EXPECT_EQ(engine_->Store(StoreMode::kAppend, "k", 99, 0, "-end").outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(engine_->Store(StoreMode::kPrepend, "k", 98, 5000, "start-").outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(GetValue("k"), "start-mid-end");
  EXPECT_EQ(GetFlags("k"), 7u);
  clock_.Advance(99);
  EXPECT_EQ(GetValue("k"), "start-mid-end");
  clock_.Advance(1);
  EXPECT_EQ(GetValue("k"), "<miss>");
}

TEST_F(EngineTest, CasSemantics) {
  EXPECT_EQ(engine_->Store(StoreMode::kCas, "k", 0, 0, "v", 1).outcome, StoreOutcome::kNotFound);
  StoreResult r = engine_->Store(StoreMode::kSet, "k", 0, 0, "v");
  ASSERT_EQ(r.outcome, StoreOutcome::kStored);
  EXPECT_NE(r.cas, 0u);
  EXPECT_EQ(GetCas("k"), r.cas);
  EXPECT_EQ(engine_->Store(StoreMode::kCas, "k", 0, 0, "w", r.cas + 1).outcome,
            StoreOutcome::kExists);
  StoreResult r2 = engine_->Store(StoreMode::kCas, "k", 0, 0, "w", r.cas);
  EXPECT_EQ(r2.outcome, StoreOutcome::kStored);
  EXPECT_GT(r2.cas, r.cas);
  EXPECT_EQ(GetValue("k"), "w");
  EXPECT_EQ(engine_->Store(StoreMode::kCas, "k", 0, 0, "x", r.cas).outcome,
            StoreOutcome::kExists);
  EXPECT_EQ(engine_->Store(StoreMode::kCas, "k", 0, 0, "x", 0).outcome, StoreOutcome::kExists);
}

TEST_F(EngineTest, CasUniquePerStore) {
  uint64_t last = 0;
  for (int i = 0; i < 100; ++i) {
    StoreResult r = engine_->Store(StoreMode::kSet, "k" + std::to_string(i % 7), 0, 0, "v");
    EXPECT_GT(r.cas, last);
    last = r.cas;
  }
}

TEST_F(EngineTest, NoCasMeansZero) {
  EngineOptions o;
  o.use_cas = false;
  Make(o);
  StoreResult r = engine_->Store(StoreMode::kSet, "k", 0, 0, "v");
  EXPECT_EQ(r.cas, 0u);
  EXPECT_EQ(GetCas("k"), 0u);
  // memcached 1.6.18 -C: no CAS value ever matches, not even 0 (checked).
  EXPECT_EQ(engine_->Store(StoreMode::kCas, "k", 0, 0, "w", 5).outcome, StoreOutcome::kExists);
  EXPECT_EQ(engine_->Store(StoreMode::kCas, "k", 0, 0, "w", 0).outcome, StoreOutcome::kExists);
  EXPECT_EQ(engine_->Store(StoreMode::kCas, "nokey", 0, 0, "w", 0).outcome,
            StoreOutcome::kNotFound);
}

TEST_F(EngineTest, IncrDecrLikeMemcached) {
  Set("n", "10", 0, 5);
  ArithResult r = engine_->Arith("n", ArithOptions{.incr = false, .delta = 1});
  EXPECT_EQ(r.outcome, ArithOutcome::kOk);
  EXPECT_EQ(r.value, 9u);
  EXPECT_EQ(GetValue("n"), "9 ");  // memcached keeps the length
  r = engine_->Arith("n", ArithOptions{.incr = true, .delta = 100});
  EXPECT_EQ(r.value, 109u);
  EXPECT_EQ(GetValue("n"), "109");
  EXPECT_EQ(GetFlags("n"), 5u);
  r = engine_->Arith("n", ArithOptions{.incr = false, .delta = 1000});
  EXPECT_EQ(r.value, 0u);
  EXPECT_EQ(GetValue("n"), "0  ");
  EXPECT_EQ(engine_->Arith("missing", ArithOptions{.incr = true, .delta = 1}).outcome, ArithOutcome::kNotFound);
}

TEST_F(EngineTest, IncrWrapsAt64Bits) {
  Set("n", "18446744073709551615");
  ArithResult r = engine_->Arith("n", ArithOptions{.incr = true, .delta = 2});
  EXPECT_EQ(r.value, 1u);
  EXPECT_EQ(GetValue("n"), "1                   ");
}

TEST_F(EngineTest, IncrParsesLikeStrtoull) {
  struct Case {
    const char* value;
    bool numeric;
    uint64_t after_incr_1;
    const char* stored;
  };
  const Case cases[] = {
      {" 12", true, 13, "13 "},
      {"00000000000000000000000001", true, 2, "2                         "},
      {"12a", false, 0, ""},
      {"-12", false, 0, ""},
      {"-0", true, 1, "1 "},
      {"+5", true, 6, "6 "},
      {"18446744073709551616", false, 0, ""},
      {"", false, 0, ""},
      {"1 2", true, 2, "2  "},
      {"   ", false, 0, ""},
      {"abc", false, 0, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    Set("n", c.value);
    ArithResult r = engine_->Arith("n", ArithOptions{.incr = true, .delta = 1});
    if (!c.numeric) {
      EXPECT_EQ(r.outcome, ArithOutcome::kNonNumeric);
      EXPECT_EQ(GetValue("n"), c.value);
    } else {
      EXPECT_EQ(r.outcome, ArithOutcome::kOk);
      EXPECT_EQ(r.value, c.after_incr_1);
      EXPECT_EQ(GetValue("n"), c.stored);
    }
  }
}

TEST_F(EngineTest, IncrChangesCas) {
  uint64_t cas = engine_->Store(StoreMode::kSet, "n", 0, 0, "1").cas;
  engine_->Arith("n", ArithOptions{.incr = true, .delta = 1});
  EXPECT_GT(GetCas("n"), cas);
}

TEST_F(EngineTest, TouchAndGetAndTouch) {
  EXPECT_FALSE(engine_->Touch("k", 10));
  Set("k", "v", 10);
  clock_.Advance(5);
  EXPECT_TRUE(engine_->Touch("k", 100));
  clock_.Advance(50);
  EXPECT_EQ(GetValue("k"), "v");
  std::string v;
  EXPECT_TRUE(engine_->Get("k", GetOptions{.touch = true, .exptime = -1},
                          [&](const ItemView& it) { it.AppendValueTo(&v); }));
  EXPECT_EQ(v, "v");
  EXPECT_EQ(GetValue("k"), "<miss>");
}

TEST_F(EngineTest, GetManyReportsEveryKeyInOrder) {
  // More keys than one prefetch batch, hits and misses interleaved, and a
  // key asked for twice.
  std::vector<std::string> owned;
  for (int i = 0; i < 40; ++i) {
    owned.push_back("k" + std::to_string(i));
    if (i % 3 != 0) { ASSERT_EQ(Set(owned.back(), "v" + std::to_string(i)), StoreOutcome::kStored); }
  }
  owned.push_back("k1");
  std::vector<std::string_view> keys(owned.begin(), owned.end());
  std::vector<std::string> seen;
  engine_->GetMany(keys, GetOptions{}, [&](size_t i, const ItemView* item) {
    std::string v = "<miss>";
    if (item != nullptr) {
      v.clear();
      item->AppendValueTo(&v);
    }
    seen.push_back(owned[i] + "=" + v);
  });
  ASSERT_EQ(seen.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    int n = std::stoi(owned[i].substr(1));
    EXPECT_EQ(seen[i], owned[i] + "=" + (n % 3 == 0 ? "<miss>" : "v" + std::to_string(n)));
  }
}

TEST_F(EngineTest, GetManyTouchSetsNewExptime) {
  ASSERT_EQ(Set("a", "1", 0, 0), StoreOutcome::kStored);
  std::vector<std::string_view> keys = {"a", "b"};
  int hits = 0;
  engine_->GetMany(keys, GetOptions{.touch = true, .exptime = 10},
                   [&](size_t, const ItemView* item) { hits += item != nullptr; });
  EXPECT_EQ(hits, 1);
  clock_.Advance(11);
  EXPECT_EQ(GetValue("a"), "<miss>");
}

TEST_F(EngineTest, TooLargeUsesMemcachedArithmetic) {
  // memcached: 48 header + 8 cas + key + 1 + value + 2 (+4 with flags) <= -I.
  const size_t max_value = (1u << 20) - 56 - 4 - 2;  // 1048514, as memcached
  EXPECT_EQ(engine_->Store(StoreMode::kSet, "big", 0, 0, std::string(max_value, 'x')).outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(engine_->Store(StoreMode::kSet, "big", 0, 0, std::string(max_value + 1, 'x')).outcome,
            StoreOutcome::kTooLarge);
  // ... and a failed set removes the old value.
  EXPECT_EQ(GetValue("big"), "<miss>");
  EXPECT_EQ(engine_->Store(StoreMode::kSet, "big", 1, 0, std::string(max_value, 'x')).outcome,
            StoreOutcome::kTooLarge);
}

TEST_F(EngineTest, ChunkedItemsRoundTrip) {
  EngineOptions o;
  o.item_size_max = 8u << 20;
  o.memory_limit = 64u << 20;
  Make(o);
  std::string big;
  for (size_t i = 0; i < (3u << 20) + 12345; ++i) big.push_back(static_cast<char>('a' + i % 26));
  ASSERT_EQ(Set("big", big, 0, 3), StoreOutcome::kStored);
  EXPECT_EQ(GetValue("big"), big);
  ASSERT_EQ(engine_->Store(StoreMode::kAppend, "big", 0, 0, "tail").outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(GetValue("big"), big + "tail");
  ASSERT_EQ(engine_->Store(StoreMode::kPrepend, "big", 0, 0, "head").outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(GetValue("big"), "head" + big + "tail");
  EXPECT_EQ(engine_->Arith("big", ArithOptions{.incr = true, .delta = 1}).outcome, ArithOutcome::kNonNumeric);
  EXPECT_TRUE(engine_->Delete("big"));
  // All chunks went back to the free lists.
  StatList slabs;
  engine_->SlabsStats(&slabs);
  for (const auto& [k, v] : slabs) {
    if (k.ends_with(":used_chunks")) {
      EXPECT_EQ(v, "0") << k;
    }
  }
}

TEST_F(EngineTest, ChunkedItemsEvictEachOther) {
  EngineOptions o;
  o.item_size_max = 2u << 20;
  o.memory_limit = 16u << 20;
  Make(o);
  for (int i = 0; i < 100; ++i) {
    std::string v(1500000, static_cast<char>('a' + i % 26));
    ASSERT_EQ(Set("big" + std::to_string(i), v), StoreOutcome::kStored) << i;
    EXPECT_EQ(GetValue("big" + std::to_string(i)), v);
  }
  EXPECT_EQ(GetValue("big0"), "<miss>");
  StatList slabs;
  engine_->SlabsStats(&slabs);
  // Limit plus the guaranteed first page of each class used.
  EXPECT_LE(std::stoul(Stat(slabs, "total_malloced")), (16u + 4u) << 20);
}

// As in memcached (which answers "SERVER_ERROR Out of memory during read"
// here): once small items own every page, a chunked item cannot get chunks.
TEST_F(EngineTest, ChunkedItemAfterSmallItemsFillMemory) {
  EngineOptions o;
  o.item_size_max = 2u << 20;
  o.memory_limit = 8u << 20;
  Make(o);
  for (int i = 0; i < 100000; ++i) Set("k" + std::to_string(i), std::string(100, 'v'));
  EXPECT_EQ(Set("big", std::string(1500000, 'x')), StoreOutcome::kOutOfMemory);
  EXPECT_EQ(Set("k99999", std::string(100, 'w')), StoreOutcome::kStored);
}

TEST_F(EngineTest, GiantItemWithOneGigLimit) {
  EngineOptions o;
  o.item_size_max = 1024u << 20;
  o.memory_limit = 64u << 20;
  Make(o);
  std::string v(20u << 20, 'q');
  ASSERT_EQ(Set("huge", v), StoreOutcome::kStored);
  std::string got;
  engine_->Get("huge", [&](const ItemView& it) {
    EXPECT_EQ(it.value_size(), v.size());
    it.AppendValueTo(&got);
  });
  EXPECT_EQ(got, v);
}

TEST_F(EngineTest, StatsNames) {
  Set("a", "abc");
  Set("n", "109", 0, 5);
  std::string ignored = GetValue("a");
  StatList general;
  engine_->GeneralStats(&general);
  EXPECT_EQ(Stat(general, "curr_items"), "2");
  EXPECT_EQ(Stat(general, "total_items"), "2");
  // memcached's ITEM_ntotal: 56 + key+1 + value+2 (+4 for nonzero flags).
  EXPECT_EQ(Stat(general, "bytes"), std::to_string(63 + 67));
  EXPECT_EQ(Stat(general, "limit_maxbytes"), std::to_string(64u << 20));
  EXPECT_EQ(Stat(general, "evictions"), "0");
  EXPECT_EQ(Stat(general, "hash_power_level"), "16");
  StatList slabs;
  engine_->SlabsStats(&slabs);
  EXPECT_THAT(slabs, Contains(Pair("1:chunk_size", "96")));
  EXPECT_THAT(slabs, Contains(Pair("1:chunks_per_page", "10922")));
  EXPECT_THAT(slabs, Contains(Pair("1:used_chunks", "2")));
  EXPECT_THAT(slabs, Contains(Pair("1:free_chunks", "10920")));
  EXPECT_THAT(slabs, Contains(Pair("1:get_hits", "1")));
  EXPECT_THAT(slabs, Contains(Pair("1:cmd_set", "2")));
  EXPECT_THAT(slabs, Contains(Pair("active_slabs", "1")));
  EXPECT_THAT(slabs, Contains(Pair("total_malloced", "1048576")));
  StatList items;
  engine_->ItemsStats(&items);
  EXPECT_THAT(items, Contains(Pair("items:1:number", "2")));
  EXPECT_THAT(items, Contains(Pair("items:1:mem_requested", "130")));
  StatList sizes;
  engine_->SizesStats(&sizes);
  EXPECT_THAT(sizes, Contains(Pair("sizes_status", "disabled")));
}

// memcached 1.6.18: a fresh item is in HOT and not dumped; once the LRU
// maintainer (our CrawlStep) ages it into COLD it is, newest first.
TEST_F(EngineTest, CacheDumpWalksCold) {
  std::vector<std::string> lines;
  auto dump = [&](int id, unsigned limit) {
    lines.clear();
    return engine_->CacheDump(id, limit, [&](std::string_view k, size_t n, int64_t exp) {
      lines.push_back(absl::StrCat("ITEM ", std::string(k), " [", n, " b; ", exp, " s]"));
    });
  };
  Set("a", "1");  // a lone item is over HOT's share at once
  EXPECT_TRUE(dump(1, 10));
  EXPECT_EQ(lines, std::vector<std::string>({"ITEM a [1 b; 0 s]"}));
  Set("b", "1", 100);
  Set("c", "123", 0, 5);
  clock_.Advance(2);
  engine_->CrawlStep(100);
  EXPECT_TRUE(dump(1, 0));
  const std::string b_exp = std::to_string(clock_.ProcessStarted() + clock_.Now() - 2 + 100);
  EXPECT_EQ(lines, std::vector<std::string>(
                       {"ITEM c [3 b; 0 s]", "ITEM b [1 b; " + b_exp + " s]", "ITEM a [1 b; 0 s]"}));
  EXPECT_TRUE(dump(1, 1));
  EXPECT_EQ(lines.size(), 1u);
  EXPECT_TRUE(dump(2, 0));
  EXPECT_TRUE(lines.empty());
  EXPECT_FALSE(dump(99, 0));
  EXPECT_FALSE(dump(0, 0));
}

TEST_F(EngineTest, SizesHistogram) {
  StatList l;
  engine_->SizesStats(&l);
  EXPECT_THAT(l, Contains(Pair("sizes_status", "disabled")));
  Set("before", "x");  // stored before enabling: never counted
  l.clear();
  engine_->EnableSizes(&l);
  EXPECT_THAT(l, Contains(Pair("sizes_status", "enabled")));
  Set("a", "1");                     // 61 bytes -> bucket 64
  Set("b", std::string(100, 'v'));   // 160 -> 160
  Set("c", std::string(101, 'v'));   // 161 -> 192
  engine_->Delete("before");
  l.clear();
  engine_->SizesStats(&l);
  EXPECT_EQ(l, StatList({{"64", "1"}, {"160", "1"}, {"192", "1"}}));
  engine_->Delete("c");
  l.clear();
  engine_->SizesStats(&l);
  EXPECT_EQ(l, StatList({{"64", "1"}, {"160", "1"}}));
  l.clear();
  engine_->DisableSizes(&l);
  EXPECT_THAT(l, Contains(Pair("sizes_status", "disabled")));

  EngineOptions o;
  o.use_cas = false;
  Make(o);
  l.clear();
  engine_->EnableSizes(&l);
  EXPECT_EQ(l, StatList({{"sizes_status", "error"}, {"sizes_error", "cas_support_disabled"}}));
}

TEST_F(EngineTest, ResetStatsKeepsGauges) {
  Set("a", "1");
  GetValue("a");
  engine_->ResetStats();
  StatList general, slabs;
  engine_->GeneralStats(&general);
  engine_->SlabsStats(&slabs);
  EXPECT_EQ(Stat(general, "total_items"), "0");
  EXPECT_EQ(Stat(general, "curr_items"), "1");
  EXPECT_EQ(Stat(general, "bytes"), "61");
  EXPECT_EQ(Stat(slabs, "1:get_hits"), "0");
  EXPECT_EQ(Stat(slabs, "1:used_chunks"), "1");
}

class RecordingObserver : public MutationObserver {
 public:
  struct Rec {
    Mutation::Kind kind;
    std::string key, value;
    uint32_t flags;
    int64_t expires_at;
    uint64_t cas;
    uint64_t version;
  };
  // Answers with a stream of one byte per record: the receipt after the
  // n-th record says n.
  uint64_t OnMutation(const Mutation& m) override {
    recs.push_back({m.kind, std::string(m.key), std::string(m.value), m.flags, m.expires_at, m.cas, m.version});
    return recs.size();
  }
  std::vector<Rec> recs;
};

TEST_F(EngineTest, ObserverSeesFullValues) {
  RecordingObserver obs;
  engine_->SetObserver(&obs);
  Set("k", "10", 100, 9);
  engine_->Store(StoreMode::kAppend, "k", 0, 0, "0");
  engine_->Arith("k", ArithOptions{.incr = false, .delta = 1});
  engine_->Store(StoreMode::kAdd, "k", 0, 0, "x");  // not applied: no record
  engine_->Touch("k", 0);
  engine_->Delete("k");
  engine_->FlushAll(0);
  ASSERT_EQ(obs.recs.size(), 6u);
  EXPECT_EQ(obs.recs[0].value, "10");
  EXPECT_EQ(obs.recs[0].flags, 9u);
  EXPECT_EQ(obs.recs[0].expires_at, clock_.ProcessStarted() + clock_.Now() + 100);
  EXPECT_EQ(obs.recs[1].value, "100");
  EXPECT_EQ(obs.recs[2].value, "99 ");
  EXPECT_EQ(obs.recs[3].kind, Mutation::Kind::kTouch);  // touch: the expiry of the value's version (see below)
  EXPECT_EQ(obs.recs[3].version, obs.recs[2].version);
  EXPECT_EQ(obs.recs[3].expires_at, 0);
  EXPECT_EQ(obs.recs[4].kind, Mutation::Kind::kDelete);
  EXPECT_EQ(obs.recs[5].kind, Mutation::Kind::kFlushAll);
}

// Every call that changes an item hands back where its record ends in the
// observer's stream; a call that changes nothing leaves the receipt alone.
TEST_F(EngineTest, WriteReceiptCarriesTheObserversStreamEnd) {
  RecordingObserver obs;  // its stream grows one byte per record
  engine_->SetObserver(&obs);
  WriteReceipt r;
  engine_->Store("k", "10", StoreOptions{}, &r);
  EXPECT_EQ(r.stream_end, 1u);
  r = {};
  engine_->Arith("k", ArithOptions{.incr = true, .delta = 1}, [](MetaItem&, bool) {}, &r);
  EXPECT_EQ(r.stream_end, 2u);
  r = {};
  engine_->Store("k", "x", StoreOptions{.mode = StoreMode::kAdd}, &r);  // refused: no record
  EXPECT_EQ(r.stream_end, 0u);
  engine_->Get("k", GetOptions{}, [](const ItemView&) {}, &r);  // a plain get writes nothing
  EXPECT_EQ(r.stream_end, 0u);
  engine_->Get("k", GetOptions{.touch = true, .exptime = 50}, [](const ItemView&) {}, &r);
  EXPECT_EQ(r.stream_end, 3u);
  engine_->Touch("k", 0, &r);
  EXPECT_EQ(r.stream_end, 4u);
  engine_->Delete("k", &r);
  EXPECT_EQ(r.stream_end, 5u);
  engine_->FlushAll(0, &r);
  EXPECT_EQ(r.stream_end, 6u);
  // A set too large to store drops the old value: that delete is its record.
  engine_->Store("k", "v", StoreOptions{});
  r = {};
  engine_->Store("k", std::string(2u << 20, 'x'), StoreOptions{}, &r);
  EXPECT_EQ(r.stream_end, 8u);
}

// Two nodes, a write of k on each crossing in flight, and a touch on one:
// whatever order the records arrive in, both must end with the same value.
TEST_F(EngineTest, TouchRacingAPeerWriteStillConverges) {
  ManualClock clock_b;
  EngineOptions ob;
  ob.clock = &clock_b;
  Engine b(ob);
  // Versions come from the wall clock in ms (version.h): a pause between the
  // writes orders them as written.
  auto tick = [] { absl::SleepFor(absl::Milliseconds(3)); };
  RecordingObserver from_a, from_b;
  engine_->SetObserver(&from_a);
  b.SetObserver(&from_b);
  auto replay = [](const RecordingObserver::Rec& r, Engine& to) {
    Mutation m{};
    m.kind = r.kind;
    m.key = r.key;
    m.value = r.value;
    m.flags = r.flags;
    m.expires_at = r.expires_at;
    m.cas = r.cas;
    m.version = r.version;
    to.ApplyReplicated(m);
  };
  Set("k", "from-a");  // a: version 1
  tick();
  b.Store(StoreMode::kSet, "k", 0, 0, "from-b");  // b: version 2, crossing a's
  tick();
  engine_->Touch("k", 100);  // a: version 3
  replay(from_a.recs[0], b);  // a's set: older than b's, dropped
  replay(from_a.recs[1], b);  // a's touch
  replay(from_b.recs[0], *engine_);
  std::string va = GetValue("k"), vb;
  b.Get("k", [&](const ItemView& it) { it.AppendValueTo(&vb); });
  EXPECT_EQ(va, vb);
  EXPECT_EQ(va, "from-b");  // the newer write; the touch never brings "from-a" back
}

// A peer's touch applies only to the value it touched: same version, new
// expiry; another version or a miss ignores it.
TEST_F(EngineTest, APeersTouchAppliesOnlyToTheValueItTouched) {
  Set("k", "v");
  uint64_t version = 0;
  engine_->Get("k", [&](const ItemView& it) { version = it.version(); });
  Mutation touch{};
  touch.kind = Mutation::Kind::kTouch;
  touch.key = "k";
  touch.version = version + 1;  // another value
  touch.expires_at = clock_.ProcessStarted() + clock_.Now() + 100;
  EXPECT_FALSE(engine_->ApplyReplicated(touch));
  touch.version = version;
  EXPECT_TRUE(engine_->ApplyReplicated(touch));
  int64_t expires = 0;
  engine_->Get("k", [&](const ItemView& it) {
    expires = it.expires_at();
    EXPECT_EQ(it.version(), version);
  });
  EXPECT_EQ(expires, touch.expires_at);
  touch.key = "absent";
  EXPECT_FALSE(engine_->ApplyReplicated(touch));
  EXPECT_FALSE(engine_->Get("absent", [](const ItemView&) {}));
}

TEST_F(EngineTest, MemoryLimitRespectedUnder100kInserts) {
  for (size_t mb : {2u, 4u, 8u}) {
    SCOPED_TRACE(mb);
    EngineOptions o;
    o.memory_limit = mb << 20;
    Make(o);
    std::string value(100, 'v');
    for (int i = 0; i < 100000; ++i) {
      ASSERT_EQ(Set("key:" + std::to_string(i), value), StoreOutcome::kStored) << i;
    }
    StatList slabs, general;
    engine_->SlabsStats(&slabs);
    engine_->GeneralStats(&general);
    EXPECT_LE(std::stoul(Stat(slabs, "total_malloced")), mb << 20);
    EXPECT_GT(std::stoul(Stat(general, "evictions")), 0u);
    // The most recent keys are present.
    EXPECT_EQ(GetValue("key:99999"), value);
  }
}

TEST_F(EngineTest, NoEvictReturnsOutOfMemory) {
  EngineOptions o;
  o.memory_limit = 2u << 20;
  o.evict_to_free = false;
  Make(o);
  std::string value(100, 'v');
  int stored = 0;
  StoreOutcome last = StoreOutcome::kStored;
  for (int i = 0; i < 50000 && last == StoreOutcome::kStored; ++i) {
    last = Set("key:" + std::to_string(i), value);
    if (last == StoreOutcome::kStored) ++stored;
  }
  EXPECT_EQ(last, StoreOutcome::kOutOfMemory);
  EXPECT_GT(stored, 5000);
  EXPECT_EQ(GetValue("key:0"), value);
}

// Slab classes as observed on memcached 1.6.18 (-I 2m) with `stats slabs`.
TEST_F(EngineTest, ClassPlacementMatchesMemcached) {
  EngineOptions o;
  o.item_size_max = 2u << 20;
  auto used = [&](int n, uint32_t flags = 0) {
    o.clock = &clock_;
    engine_ = std::make_unique<Engine>(o);
    engine_->Store(StoreMode::kSet, "k", flags, 0, std::string(static_cast<size_t>(n), 'x'));
    StatList slabs;
    engine_->SlabsStats(&slabs);
    std::vector<std::string> classes;
    for (auto& [k, v] : slabs) {
      if (k.ends_with(":used_chunks") && v != "0") classes.push_back(k.substr(0, k.find(':')));
    }
    return classes;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(used(32, 1), V({"1"}));  // 56 + 2 + 32 + 2 + 4 = 96
  EXPECT_EQ(used(33, 1), V({"2"}));
  EXPECT_EQ(used(36), V({"1"}));
  EXPECT_EQ(used(37), V({"2"}));
  EXPECT_EQ(used(524228), V({"39"}));             // not chunked
  EXPECT_EQ(used(524229), V({"2", "39"}));        // header + one chunk
  EXPECT_EQ(used(590422), V({"2", "30", "39"}));  // memcached's 48-byte chunk headers
  EXPECT_EQ(used(590423), V({"2", "31", "39"}));
  StatList items;
  engine_->ItemsStats(&items);
  EXPECT_THAT(items, Contains(Pair("items:39:number", "1")));
  EXPECT_THAT(items, Contains(Pair("items:39:mem_requested", "590483")));
}

TEST_F(EngineTest, ReplicationVersionsAndApply) {
  RecordingObserver obs;
  engine_->SetObserver(&obs);
  Set("k", "v1");
  uint64_t v1 = 0;
  engine_->Get("k", [&](const ItemView& it) { v1 = it.version(); });
  EXPECT_NE(v1, 0u);
  Set("k", "v2");
  uint64_t v2 = 0;
  engine_->Get("k", [&](const ItemView& it) { v2 = it.version(); });
  EXPECT_GT(v2, v1);
  ASSERT_EQ(obs.recs.size(), 2u);

  Mutation m{};
  m.kind = Mutation::Kind::kStore;
  m.key = "k";
  m.value = "old";
  m.version = v1;  // older than ours: dropped
  EXPECT_FALSE(engine_->ApplyReplicated(m));
  EXPECT_EQ(GetValue("k"), "v2");
  m.value = "new";
  m.flags = 4;
  m.expires_at = clock_.ProcessStarted() + clock_.Now() + 10;
  m.version = v2 + 1;
  EXPECT_TRUE(engine_->ApplyReplicated(m));
  EXPECT_EQ(GetValue("k"), "new");
  EXPECT_EQ(GetFlags("k"), 4u);
  EXPECT_EQ(obs.recs.size(), 2u);  // applied records are not re-observed
  // Local writes after that order after the remote version.
  Set("k", "v3");
  uint64_t v3 = 0;
  engine_->Get("k", [&](const ItemView& it) { v3 = it.version(); });
  EXPECT_GT(v3, v2 + 1);
  Mutation d{};
  d.kind = Mutation::Kind::kDelete;
  d.key = "k";
  d.version = v3 - 1;
  EXPECT_FALSE(engine_->ApplyReplicated(d));
  d.version = v3 + 1;
  EXPECT_TRUE(engine_->ApplyReplicated(d));
  EXPECT_EQ(GetValue("k"), "<miss>");
  // Expiry carried as unix time.
  m.key = "e";
  m.version = v3 + 2;
  EXPECT_TRUE(engine_->ApplyReplicated(m));
  clock_.Advance(10);
  EXPECT_EQ(GetValue("e"), "<miss>");
}

TEST_F(EngineTest, SnapshotStepStopsByBytesShown) {
  const std::string big(100 << 10, 'b');
  for (int i = 0; i < 40; ++i) Set("big" + std::to_string(i), big);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  bool more = true;
  while (more) {
    size_t shown = 0;
    more = engine_->SnapshotStep(
        &cursor, 256,
        [&](const ItemView& it) {
          shown += it.value_size();
          seen.insert(std::string(it.key()));
        },
        [](std::string_view, uint64_t) {}, 64 << 10);
    // Whole buckets: the one that crossed 64 KB ends the step (a bucket
    // rarely holds more than two of these 40 items).
    EXPECT_LE(shown, size_t{3} * big.size());
  }
  EXPECT_EQ(seen.size(), 40u);
}

TEST_F(EngineTest, SnapshotVisitsEveryItem) {
  for (int i = 0; i < 3000; ++i) Set("s" + std::to_string(i), "v" + std::to_string(i));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int steps = 0;
  bool more = true;
  while (more) {
    more = engine_->SnapshotStep(&cursor, 64, [&](const ItemView& it) {
      std::string v;
      it.AppendValueTo(&v);
      if (it.key()[0] == 's') {
        EXPECT_EQ("v" + std::string(it.key().substr(1)), v);
      }
      EXPECT_NE(it.version(), 0u);
      seen.insert(std::string(it.key()));
    });
    // Keep inserting so segments grow mid-walk.
    Set("late" + std::to_string(steps), "x");
    ++steps;
  }
  for (int i = 0; i < 3000; ++i) EXPECT_TRUE(seen.count("s" + std::to_string(i))) << i;
  EXPECT_GT(steps, 10);
}

}  // namespace
}  // namespace tandem::server::storage
