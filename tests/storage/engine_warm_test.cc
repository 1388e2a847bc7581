// Tests for the engine's half of a warm restart (engine_warm.cc) and the
// metadata format (warm_state.cc): an engine saves, a second engine over a
// copy of the arena at another address restores, and every item, its LRU
// order, CAS and TTL come back; anything that does not check out is
// refused before the new engine changes.
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/storage/engine.h"
#include "server/storage/item.h"
#include "server/storage/warm_state.h"
#include "tests/storage/peer_writes.h"
#include "tests/support/status_helpers.h"

namespace tandem::server::storage {
namespace {

constexpr size_t kPage = 1u << 20;
constexpr size_t kArena = 80 * kPage;

// An anonymous mapping standing in for the memory file.
class Arena {
 public:
  Arena() {
    void* p = mmap(nullptr, kArena, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    base_ = p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  ~Arena() {
    if (base_ != nullptr) munmap(base_, kArena);
  }
  char* base() const { return base_; }

 private:
  char* base_;
};

struct Snapshot {
  std::string value;
  uint32_t flags = 0;
  uint64_t cas = 0;
  int64_t ttl = 0;
};

class EngineWarmTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> Make(const Arena& arena, bool segmented = true, bool replicating = false) {
    EngineOptions o;
    o.cas_from_version = replicating;
    o.tombstone_window_ms = 60000;
    o.clock = &clock_;
    o.memory_limit = 16 * kPage;
    o.segmented_lru = segmented;
    o.arena_base = arena.base();
    o.arena_size = kArena;
    return std::make_unique<Engine>(o);
  }
  static std::optional<Snapshot> Read(Engine& e, std::string_view key) {
    Snapshot s;
    MetaGetOptions o;
    o.bump = false;
    const bool hit = e.MetaGet(key, o, [&](MetaItem& it, bool) {
      it.AppendValueTo(&s.value);
      s.flags = it.flags();
      s.cas = it.cas();
      s.ttl = it.ttl_remaining();
    });
    if (!hit) return std::nullopt;
    return s;
  }
  static std::vector<std::string> Dump(Engine& e) {
    std::vector<std::string> out;
    for (int id = 1; id <= e.SizeClassCount(); ++id) {
      e.CacheDump(id, 0, [&](std::string_view k, size_t n, int64_t exp) {
        out.push_back(absl::StrCat(id, ":", std::string(k), ":", n, ":", exp));
      });
    }
    return out;
  }
  // Saves `from`, copies the arena into `to` (the file mapped elsewhere).
  static WarmState SaveInto(Engine& from, const Arena& src, const Arena& to) {
    WarmState st;
    from.SaveWarm(&st);
    std::memcpy(to.base(), src.base(), st.page_classes.size() * kPage);
    return st;
  }

  ManualClock clock_;
};

TEST_F(EngineWarmTest, EveryItemComesBackAtAnotherAddress) {
  Arena a, b;
  ASSERT_NE(a.base(), nullptr);
  ASSERT_NE(b.base(), nullptr);
  auto first = Make(a);
  // Inline items of several classes, and chunked ones (over slab_chunk_max).
  std::vector<std::pair<std::string, std::string>> items;
  for (size_t size : {0, 1, 100, 5000, 200000, 600000, 1000000 - 100}) {
    for (int i = 0; i < 3; ++i) {
      std::string value(size, static_cast<char>('a' + i));
      for (size_t j = 0; j < size; j += 7) value[j] = static_cast<char>(j * 31 + i);
      items.emplace_back(absl::StrCat("key", size, "_", i), value);
    }
  }
  uint32_t flags = 0;
  for (const auto& [k, v] : items) {
    ++flags;
    ASSERT_EQ(first->Store(StoreMode::kSet, k, flags, flags % 2 == 0 ? 0 : 1000, v).outcome,
              StoreOutcome::kStored);
  }
  ASSERT_TRUE(first->Get("key100_1", [](const ItemView&) {}));  // fetched + active bits
  std::vector<std::optional<Snapshot>> before;
  for (const auto& [k, v] : items) before.push_back(Read(*first, k));
  const std::vector<std::string> dump_before = Dump(*first);

  WarmState st = SaveInto(*first, a, b);
  EXPECT_EQ(st.curr_items, items.size());
  EXPECT_EQ(st.mmap_base, reinterpret_cast<uintptr_t>(a.base()));
  first.reset();
  std::memset(a.base(), 0xAB, st.page_classes.size() * kPage);  // the old mapping is gone

  clock_.Advance(30);
  auto second = Make(b);
  ASSERT_OK_AND_ASSIGN(size_t restored, second->RestoreWarm(st, clock_.Now()));
  EXPECT_EQ(restored, items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    std::optional<Snapshot> now = Read(*second, items[i].first);
    ASSERT_TRUE(now.has_value()) << items[i].first;
    EXPECT_EQ(now->value, items[i].second) << items[i].first;
    EXPECT_EQ(now->flags, before[i]->flags);
    EXPECT_EQ(now->cas, before[i]->cas);
    EXPECT_EQ(now->ttl, before[i]->ttl == -1 ? -1 : before[i]->ttl - 30);
  }
  EXPECT_EQ(Dump(*second), dump_before);  // same LRU lists, same order
  // New CAS values continue above the old ones; the memory keeps working.
  const StoreResult r = second->Store("new", "v", StoreOptions{});
  EXPECT_EQ(r.outcome, StoreOutcome::kStored);
  EXPECT_EQ(r.cas, items.size() + 2);  // one skipped, as memcached does
  EXPECT_TRUE(second->Delete("key600000_0"));
  ASSERT_EQ(second->Store(StoreMode::kSet, "again", 0, 0, std::string(600000, 'z')).outcome,
            StoreOutcome::kStored);
  EXPECT_EQ(Read(*second, "again")->value, std::string(600000, 'z'));
}

// Page moves (slabs reassign, automove) leave a class's pages anywhere in
// the file, a page given to the global pool, and a page given to a class
// that has not carved it yet: a restart still finds every item, and the
// pool page still serves after it.
TEST_F(EngineWarmTest, ItemsComeBackAfterPagesMovedBetweenClassesAndToThePool) {
  Arena a, b;
  ASSERT_NE(a.base(), nullptr);
  ASSERT_NE(b.base(), nullptr);
  auto first = Make(a);
  auto run_moves = [](Engine& e) {
    for (int i = 0; i < 10000 && e.RebalanceStep(); ++i) {
    }
  };
  // Three pages of small items, then big ones in a class of their own.
  std::vector<std::string> keys;
  const std::string small(100, 's');
  for (int i = 0; i < 25000; ++i) {
    keys.push_back(absl::StrCat("s", i));
    ASSERT_EQ(first->Store(StoreMode::kSet, keys.back(), 7, 0, small).outcome, StoreOutcome::kStored);
  }
  for (int i = 0; i < 20; ++i) {
    keys.push_back(absl::StrCat("b", i));
    ASSERT_EQ(first->Store(StoreMode::kSet, keys.back(), 8, 0, std::string(5000, 'b')).outcome,
              StoreOutcome::kStored);
  }
  const int small_class = first->ClassForItem(2, small.size(), 7);
  const int big_class = first->ClassForItem(2, 5000, 8);
  ASSERT_NE(small_class, big_class);
  // The oldest small page to the pool, the next to the big class.
  ASSERT_EQ(first->SlabsReassign(small_class, 0), ReassignOutcome::kOk);
  run_moves(*first);
  ASSERT_EQ(first->SlabsReassign(small_class, big_class), ReassignOutcome::kOk);
  run_moves(*first);
  std::vector<std::optional<Snapshot>> before;
  size_t kept = 0;
  for (const std::string& k : keys) {
    before.push_back(Read(*first, k));
    kept += before.back().has_value();
  }
  ASSERT_GT(kept, 20u);
  ASSERT_LT(kept, keys.size());  // the moved pages' items were evicted or rescued

  WarmState st = SaveInto(*first, a, b);
  EXPECT_NE(std::find(st.page_classes.begin(), st.page_classes.end(), 0), st.page_classes.end());
  first.reset();
  auto second = Make(b);
  ASSERT_OK_AND_ASSIGN(size_t restored, second->RestoreWarm(st, clock_.Now()));
  EXPECT_EQ(restored, kept);
  for (size_t i = 0; i < keys.size(); ++i) {
    std::optional<Snapshot> now = Read(*second, keys[i]);
    ASSERT_EQ(now.has_value(), before[i].has_value()) << keys[i];
    if (now) {
      EXPECT_EQ(now->value, before[i]->value) << keys[i];
    }
  }
  // The memory keeps working: new items of both classes, and a move after
  // the restart (BeginMove takes the class's oldest page in file order).
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(second->Store(StoreMode::kSet, absl::StrCat("nb", i), 0, 0, std::string(5000, 'n')).outcome,
              StoreOutcome::kStored);
  }
  EXPECT_EQ(second->SlabsReassign(small_class, big_class), ReassignOutcome::kOk);
  run_moves(*second);
  EXPECT_EQ(Read(*second, "nb29")->value, std::string(5000, 'n'));
}

TEST_F(EngineWarmTest, ItemsThatExpiredWhileStoppedAreGoneAndTheirMemoryIsFree) {
  Arena a, b;
  auto first = Make(a);
  ASSERT_EQ(first->Store(StoreMode::kSet, "short", 0, 10, "x").outcome, StoreOutcome::kStored);
  ASSERT_EQ(first->Store(StoreMode::kSet, "long", 0, 100, "y").outcome, StoreOutcome::kStored);
  ASSERT_EQ(first->Store(StoreMode::kSet, "bigshort", 0, 10, std::string(700000, 'b')).outcome,
            StoreOutcome::kStored);
  WarmState st = SaveInto(*first, a, b);
  first.reset();
  clock_.Advance(20);
  auto second = Make(b);
  ASSERT_OK_AND_ASSIGN(size_t restored, second->RestoreWarm(st, clock_.Now()));
  EXPECT_EQ(restored, 1u);
  EXPECT_FALSE(Read(*second, "short").has_value());
  EXPECT_FALSE(Read(*second, "bigshort").has_value());
  EXPECT_EQ(Read(*second, "long")->ttl, 80);
  StatList general;
  second->GeneralStats(&general);
  EXPECT_THAT(general, ::testing::Contains(::testing::Pair("curr_items", "1")));
}

TEST_F(EngineWarmTest, AFlushPendingAtTheStopStillHappens) {
  Arena a, b;
  auto first = Make(a);
  ASSERT_EQ(first->Store(StoreMode::kSet, "k", 0, 0, "v").outcome, StoreOutcome::kStored);
  first->FlushAll(10);
  WarmState st = SaveInto(*first, a, b);
  first.reset();
  auto second = Make(b);
  ASSERT_OK(second->RestoreWarm(st, clock_.Now()));
  EXPECT_TRUE(Read(*second, "k").has_value());
  clock_.Advance(11);
  EXPECT_FALSE(Read(*second, "k").has_value());
}

// A replicating engine (-x/-X) also carries what decides between its copy
// and the peer's: a peer store older than a delete, than an item that
// expired or than a flush stays out after the restart, and new CAS values
// stay above every one handed out before it, on the same node bit.
TEST_F(EngineWarmTest, AReplicatingEngineKeepsItsTombstonesFloorFlushMarksAndClock) {
  Arena a, b;
  LastVersionObserver observer;
  auto first = Make(a, true, true);
  first->SetObserver(&observer);
  first->SetCasNodeBit(1);  // the odd half of the pair's CAS values
  ASSERT_TRUE(first->ApplyReplicated(PeerFlush(WallVersion(-5000))));
  ASSERT_EQ(first->Store(StoreMode::kSet, "kept", 0, 0, "v").outcome, StoreOutcome::kStored);
  const uint64_t kept_cas = Read(*first, "kept")->cas;
  ASSERT_EQ(first->Store(StoreMode::kSet, "gone", 0, 0, "v").outcome, StoreOutcome::kStored);
  ASSERT_TRUE(first->Delete("gone"));
  const uint64_t deleted = observer.last(Mutation::Kind::kDelete);
  StoreOptions expired;
  expired.exptime = -1;
  ASSERT_EQ(first->Store("e", "v", expired).outcome, StoreOutcome::kStored);
  const uint64_t expired_version = observer.last(Mutation::Kind::kStore);
  ASSERT_FALSE(Read(*first, "e").has_value());
  WarmState saved = SaveInto(*first, a, b);
  first->SetObserver(nullptr);
  first.reset();
  ASSERT_TRUE(saved.replicating);
  EXPECT_EQ(saved.tombstones.size(), 1u);
  EXPECT_EQ(saved.flush_marks.size(), 1u);
  EXPECT_FALSE(saved.floor_slots.empty());
  saved.node_id = 12345;
  saved.stream_end = 999;
  ASSERT_OK_AND_ASSIGN(WarmState st, DecodeWarmState(EncodeWarmState(saved)));
  EXPECT_EQ(st.tombstones, saved.tombstones);
  EXPECT_EQ(st.floor_slots, saved.floor_slots);
  EXPECT_EQ(st.node_id, 12345u);
  EXPECT_EQ(st.stream_end, 999u);

  auto second = Make(b, true, true);
  ASSERT_OK(second->RestoreWarm(st, clock_.Now()));
  LastVersionObserver observer2;
  second->SetObserver(&observer2);
  EXPECT_EQ(Read(*second, "kept")->value, "v");
  EXPECT_FALSE(second->ApplyReplicated(PeerStore("gone", "older", deleted - 1)));
  EXPECT_FALSE(Read(*second, "gone").has_value());
  EXPECT_FALSE(second->ApplyReplicated(PeerStore("e", "older", expired_version - 1)));
  EXPECT_FALSE(Read(*second, "e").has_value());
  second->ApplyReplicated(PeerStore("flushed", "older", WallVersion(-6000)));
  EXPECT_FALSE(Read(*second, "flushed").has_value());
  EXPECT_TRUE(second->ApplyReplicated(PeerStore("fresh", "newer", WallVersion(+1000))));
  ASSERT_EQ(second->Store(StoreMode::kSet, "new", 0, 0, "v").outcome, StoreOutcome::kStored);
  EXPECT_GT(Read(*second, "new")->cas, kept_cas);
  EXPECT_EQ(Read(*second, "new")->cas & 1, 1u);
  second->SetObserver(nullptr);
}

// Each corruption is refused by the first pass, and the engine is left as
// it was built: empty and working.
TEST_F(EngineWarmTest, AnythingThatDoesNotCheckOutIsRefusedBeforeAChange) {
  Arena a;
  auto first = Make(a);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(
        first->Store(StoreMode::kSet, absl::StrCat("k", i), 0, 0, std::string(i * 40, 'v')).outcome,
        StoreOutcome::kStored);
  }
  ASSERT_EQ(first->Store(StoreMode::kSet, "big", 0, 0, std::string(900000, 'c')).outcome,
            StoreOutcome::kStored);
  WarmState good;
  first->SaveWarm(&good);
  first.reset();
  const std::vector<char> pristine(a.base(), a.base() + good.page_classes.size() * kPage);

  struct Case {
    const char* name;
    std::function<void(WarmState&, char* base)> spoil;
  };
  const std::vector<Case> cases = {
      {"head off the pages", [](WarmState& s, char*) { s.lrus[0].head = s.mmap_base + kArena; }},
      {"head inside a chunk", [](WarmState& s, char*) { s.lrus[0].head += 8; }},
      {"wrong count", [](WarmState& s, char*) { s.lrus[0].count += 1; }},
      {"wrong tail",
       [](WarmState& s, char*) {
         for (auto& l : s.lrus) {
           if (l.count > 1) l.tail = l.head;
         }
       }},
      {"item count", [](WarmState& s, char*) { s.curr_items += 1; }},
      {"page class", [](WarmState& s, char*) { s.page_classes[0] = 200; }},
      {"carve position", [](WarmState& s, char*) { s.classes[0].end_offset += 1; }},
      {"a list twice", [](WarmState& s, char*) { s.lrus.push_back(s.lrus[0]); }},
      {"next pointer into a free chunk",
       [](WarmState& s, char* base) {
         auto* it = reinterpret_cast<Item*>(base + (s.lrus[0].head - s.mmap_base));
         it->next = reinterpret_cast<Item*>(s.lrus[0].head);  // a cycle
       }},
      {"key length",
       [](WarmState& s, char* base) {
         reinterpret_cast<Item*>(base + (s.lrus[0].head - s.mmap_base))->nkey = 0;
       }},
      {"value length",
       [](WarmState& s, char* base) {
         reinterpret_cast<Item*>(base + (s.lrus[0].head - s.mmap_base))->nbytes = 1u << 30;
       }},
      {"chunk chain",
       [](WarmState& s, char* base) {
         for (const auto& l : s.lrus) {
           auto* it = reinterpret_cast<Item*>(base + (l.head - s.mmap_base));
           if (!it->has(Item::kChunked)) continue;
           ItemLayout layout(true);
           Chunk* c = reinterpret_cast<Chunk*>(
               base + (reinterpret_cast<uint64_t>(layout.first_chunk(it)) - s.mmap_base));
           c->used += 1;
         }
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::memcpy(a.base(), pristine.data(), pristine.size());
    WarmState st = good;
    c.spoil(st, a.base());
    auto second = Make(a);
    absl::StatusOr<size_t> r = second->RestoreWarm(st, clock_.Now());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_FALSE(Read(*second, "k1").has_value());
    ASSERT_EQ(second->Store(StoreMode::kSet, "k1", 0, 0, "fresh").outcome, StoreOutcome::kStored);
    EXPECT_EQ(Read(*second, "k1")->value, "fresh");
  }
}

// Random damage to the item memory (a few bytes, mostly in headers: small
// items pack them densely) is either refused or restores an engine that
// reads, writes and evicts without touching memory it does not own (the
// sanitizer build runs this too).
TEST_F(EngineWarmTest, RandomDamageIsRefusedOrHarmless) {
  Arena a;
  auto first = Make(a);
  std::vector<std::string> keys;
  for (int i = 0; i < 400; ++i) {
    keys.push_back(absl::StrCat("key", i));
    const size_t size = i % 50 == 0 ? 600000 : static_cast<size_t>(i % 7) * 30;
    ASSERT_EQ(first->Store(StoreMode::kSet, keys.back(), i, i % 3 == 0 ? 0 : 500,
                           std::string(size, 'v')).outcome,
              StoreOutcome::kStored);
  }
  WarmState good;
  first->SaveWarm(&good);
  first.reset();
  const size_t used = good.page_classes.size() * kPage;
  const std::vector<char> pristine(a.base(), a.base() + used);
  uint64_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 33;
  };
  int refused = 0;
  int restored = 0;
  for (int round = 0; round < 150; ++round) {
    std::memcpy(a.base(), pristine.data(), used);
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int f = 0; f < flips; ++f) {
      const size_t page = next() % good.page_classes.size();
      const size_t off = page * kPage + next() % 8192;
      a.base()[off] = static_cast<char>(a.base()[off] ^ (1 << (next() % 8)));
    }
    auto second = Make(a);
    absl::StatusOr<size_t> r = second->RestoreWarm(good, clock_.Now());
    if (!r.ok()) {
      ++refused;
      continue;
    }
    ++restored;
    for (const std::string& k : keys) Read(*second, k);
    for (int i = 0; i < 40; ++i) {
      second->Store(StoreMode::kSet, keys[next() % keys.size()], 0, 0,
                    std::string(next() % 3 == 0 ? 700000 : next() % 300, 'n'));
      second->Delete(keys[next() % keys.size()]);
    }
    // Fill past -m so eviction walks the restored lists.
    for (int i = 0; i < 24; ++i) {
      second->Store(StoreMode::kSet, absl::StrCat("fill", i), 0, 0, std::string(500000, 'f'));
    }
  }
  EXPECT_EQ(refused + restored, 150);
  EXPECT_GT(refused, 0);
  EXPECT_GT(restored, 0);
}

TEST(WarmStateTest, RoundTripsAndRefusesAnyChangedByte) {
  WarmState s;
  s.settings = {{"maxbytes", "67108864"}, {"tandem_version", "0.1.0 x"}};
  s.mmap_base = 0x7f0012345000;
  s.cas = 99;
  s.oldest_live = 7;
  s.oldest_cas = 5;
  s.curr_items = 3;
  s.page_classes = {1, 39, 1};
  s.classes = {{1, 2, 2 * kPage + 96, 10000}, {39, 1, kPage + 524288, 1}};
  s.lrus = {{1, 2, 0x7f0012345000, 0x7f0012345060, 2}};
  s.process_started = 1700000000;
  s.current_time = 42;
  s.stop_time = 1700000042;
  const std::string text = EncodeWarmState(s);
  ASSERT_OK_AND_ASSIGN(WarmState back, DecodeWarmState(text));
  EXPECT_EQ(EncodeWarmState(back), text);
  EXPECT_EQ(back.settings, s.settings);
  EXPECT_EQ(back.page_classes, s.page_classes);

  for (size_t i = 0; i < text.size(); i += 13) {
    std::string bad = text;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(DecodeWarmState(bad).ok()) << "byte " << i;
  }
  EXPECT_FALSE(DecodeWarmState(text.substr(0, text.size() / 2)).ok());
  EXPECT_FALSE(DecodeWarmState("").ok());
  EXPECT_FALSE(DecodeWarmState("garbage\n").ok());
}

}  // namespace
}  // namespace tandem::server::storage
