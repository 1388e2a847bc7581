// Threads stress test for Engine, bounded in time (~1.5 s): several workers
// mix every command on a small key space under a tight memory limit (so
// eviction, chunked items and hash growth all race), while a crawler thread
// runs CrawlStep. Values carry their key, so any cross-talk shows up.
#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "server/storage/engine.h"

namespace tandem::server::storage {
namespace {

TEST(EngineStressTest, MixedOperationsFromManyThreads) {
  SystemClock clock;
  EngineOptions o;
  o.memory_limit = 8u << 20;
  o.item_size_max = 2u << 20;
  o.hashpower = 10;
  o.clock = &clock;
  Engine engine(o);

  std::atomic<bool> stop{false};
  std::atomic<int> corrupt{0};
  std::atomic<uint64_t> ops{0};
  std::atomic<int> small_oom{0};
  auto worker = [&](int seed) {
    std::mt19937_64 rng(seed);
    std::string out;
    uint64_t n = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const std::string key = "key:" + std::to_string(rng() % 5000);
      const std::string tag = "K" + key + "|";
      const int op = static_cast<int>(rng() % 100);
      if (op < 50) {
        out.clear();
        engine.Get(key, [&](const ItemView& it) {
          if (it.key() != key) ++corrupt;
          it.AppendValueTo(&out);
          if (out.size() != it.value_size()) ++corrupt;
        });
        if (!out.empty() && out[0] == 'K' && out.find(tag) == std::string::npos) ++corrupt;
      } else if (op < 75) {
        size_t len = rng() % 300;
        if (rng() % 500 == 0) len = 600 * 1024 + rng() % (900 * 1024);  // chunked
        const StoreOutcome o2 = engine.Store(StoreMode::kSet, key, 0, static_cast<int64_t>(rng() % 3),
                                             tag + std::string(len, 'x')).outcome;
        if (o2 == StoreOutcome::kOutOfMemory && len < 1000) ++small_oom;
      } else if (op < 80) {
        engine.Store(StoreMode::kAppend, key, 0, 0, "xx");
      } else if (op < 83) {
        engine.Store(StoreMode::kAdd, key, 0, 0, tag);
      } else if (op < 88) {
        engine.Delete(key);
      } else if (op < 92) {
        const std::string nkey = "num:" + std::to_string(rng() % 50);
        if (engine.Arith(nkey, ArithOptions{.incr = rng() % 2 == 1, .delta = rng() % 1000}).outcome == ArithOutcome::kNotFound) {
          engine.Store(StoreMode::kAdd, nkey, 0, 0, "100");
        }
      } else if (op < 96) {
        engine.Touch(key, 0);
      } else {
        uint64_t cas = 0;
        engine.Get(key, [&](const ItemView& it) { cas = it.cas(); });
        if (cas != 0) engine.Store(StoreMode::kCas, key, 0, 0, tag + "cas", cas);
      }
      ++n;
    }
    ops += n;
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(worker, i + 1);
  threads.emplace_back([&] {
    while (!stop.load()) {
      clock.Tick();
      engine.CrawlStep(100);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  threads.emplace_back([&] {
    while (!stop.load()) {
      StatList s;
      engine.GeneralStats(&s);
      engine.SlabsStats(&s);
      engine.ItemsStats(&s);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(corrupt.load(), 0);
  // Contention on victims' locks must not turn into out-of-memory.
  EXPECT_EQ(small_oom.load(), 0);
  EXPECT_GT(ops.load(), 1000u);

  StatList s;
  engine.SlabsStats(&s);
  for (auto& [k, v] : s) {
    if (k == "total_malloced") {
      // Limit plus memcached's one guaranteed page per class in use.
      EXPECT_LE(std::stoul(v), (8u << 20) + 40u * (1u << 20));
    }
  }
}

}  // namespace
}  // namespace tandem::server::storage
