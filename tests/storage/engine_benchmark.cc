// Google Benchmark for the engine's hot paths: Get (hit and miss) and Store
// of small items, single- and multi-threaded. Not part of storage_tests
// (the test glob only takes *_test.cc); build it with a target such as
//   add_executable(storage_benchmark storage/engine_benchmark.cc)
//   target_link_libraries(storage_benchmark PRIVATE tandem_storage benchmark::benchmark_main)
// in tests/CMakeLists.txt, preferably in a Release build.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/storage/engine.h"

namespace tandem::server::storage {
namespace {

constexpr int kKeys = 100'000;

struct Fixture {
  Fixture() {
    EngineOptions o;
    o.memory_limit = 256u << 20;
    o.clock = &clock;
    engine = std::make_unique<Engine>(o);
    const std::string value(100, 'v');
    for (int i = 0; i < kKeys; ++i) {
      keys.push_back(Key(i));
      engine->Store(StoreMode::kSet, keys.back(), 0, 0, value);
    }
  }
  static std::string Key(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "key:%016d", i);
    return buf;
  }
  ManualClock clock;
  std::unique_ptr<Engine> engine;
  std::vector<std::string> keys;
};

Fixture& Shared() {
  // Debian builds Abseil with deadlock detection on; a server would turn
  // it off at start-up, so measure without it.
  static bool once = (std::getenv("KEEP_DEADLOCK_DETECTION") == nullptr &&
                          (absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore), true));
  (void)once;
  static Fixture* f = new Fixture;
  return *f;
}

void BM_GetHit(benchmark::State& state) {
  Fixture& f = Shared();
  std::string out;
  out.reserve(256);
  int i = static_cast<int>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const std::string& key = f.keys[static_cast<size_t>(i++ % kKeys)];
    out.clear();
    bool hit = f.engine->Get(key, [&](const ItemView& it) { it.AppendValueTo(&out); });
    benchmark::DoNotOptimize(hit);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetHit)->ThreadRange(1, 4)->UseRealTime();

void BM_GetMiss(benchmark::State& state) {
  Fixture& f = Shared();
  int i = 0;
  std::string key = "miss:0000000000000000";
  for (auto _ : state) {
    key[5 + (i % 16)] = static_cast<char>('0' + (i / 16) % 10);
    ++i;
    benchmark::DoNotOptimize(f.engine->Get(key, [](const ItemView&) {}));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetMiss);

void BM_Set(benchmark::State& state) {
  Fixture& f = Shared();
  const std::string value(100, 'w');
  int i = static_cast<int>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const std::string& key = f.keys[static_cast<size_t>(i++ % kKeys)];
    benchmark::DoNotOptimize(f.engine->Store(StoreMode::kSet, key, 0, 0, value));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Set)->ThreadRange(1, 4)->UseRealTime();

}  // namespace
}  // namespace tandem::server::storage
