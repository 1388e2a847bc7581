// Ring lookup cost: key -> shard for 100 pairs (16,000 ketama points), the
// size the client is tuned for (target: < 100 ns per key), split into the
// key hash (MD5 for libmemcached compatibility: one 64-byte block whose 64
// dependent steps cost ~320 cycles, the floor of any MD5) and the search
// (bucket index over the sorted points), plus 10,000 shards, a cheap key
// hash, modula, and the cost of rebuilding after an eject.
#include <optional>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "client/ring.h"

namespace tandem::client {
namespace {

std::string PairConfig(int pairs) {
  std::string config;
  for (int i = 0; i < pairs; ++i) {
    if (i) config += ',';
    config += "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) +
              ":11211/10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) +
              ":11211";
  }
  return config;
}

std::vector<std::string> Keys() {
  std::vector<std::string> keys;
  for (int i = 0; i < 4096; ++i) keys.push_back("user:" + std::to_string(i * 7919) + ":profile");
  return keys;
}

void BM_ShardFor(benchmark::State& state, Distribution distribution,
                 std::optional<KeyHash> key_hash = std::nullopt) {
  RingOptions options;
  options.distribution = distribution;
  options.key_hash = key_hash;
  const Ring ring = *Ring::Create(PairConfig(static_cast<int>(state.range(0))), options);
  const std::vector<std::string> keys = Keys();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ring.ShardFor(keys[i++ & 4095]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_ShardFor, ketama, Distribution::kKetama)->Arg(3)->Arg(100)->Arg(10000);
BENCHMARK_CAPTURE(BM_ShardFor, ketama_fnv1a64, Distribution::kKetama, KeyHash::kFnv1a_64)
    ->Arg(100);
BENCHMARK_CAPTURE(BM_ShardFor, modula, Distribution::kModula)->Arg(100);

void BM_KeyHashOnly(benchmark::State& state) {
  const Ring ring = *Ring::Create(PairConfig(100));
  const std::vector<std::string> keys = Keys();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ring.HashFor(keys[i++ & 4095]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyHashOnly);

void BM_SearchOnly(benchmark::State& state) {
  const Ring ring = *Ring::Create(PairConfig(static_cast<int>(state.range(0))));
  std::vector<uint32_t> hashes;
  for (const std::string& k : Keys()) hashes.push_back(ring.HashFor(k));
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ring.ShardForHash(hashes[i++ & 4095]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SearchOnly)->Arg(100)->Arg(10000);

void BM_BuildAndEject(benchmark::State& state) {
  Ring ring = *Ring::Create(PairConfig(static_cast<int>(state.range(0))));
  size_t k = 0;
  for (auto _ : state) {
    (void)ring.Eject(k);
    (void)ring.Restore(k);
    k = (k + 1) % ring.size();
  }
  state.SetLabel("2 rebuilds per iteration");
}
BENCHMARK(BM_BuildAndEject)->Arg(100)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tandem::client

BENCHMARK_MAIN();
