// tandem's client library against libmemcached (Debian libmemcached-dev),
// single-threaded, on the same three tandemd shards, interleaved in one run:
// each round runs every workload once with each library, one after the
// other, so a machine that slows down (other builds on a shared host) slows
// both alike. Workloads:
//
//   get        one 100-byte hit
//   set        one 100-byte value
//   mget100    100 keys over the three shards, all hits (tandem: into a
//              reused MultiGetResult; mget100map: the map-returning call)
//   lookup3    key -> shard, 3 shards (no I/O)
//   lookup100  key -> shard, 100 shards (no I/O)
//
// Both libraries use the same ring (libmemcached KETAMA_WEIGHTED, MD5, which
// is tandem's default, checked key by key before the run), the text
// protocol, TCP_NODELAY and one connection per server. At the end the
// reporter sums every round and prints, per workload, tandem's throughput
// and CPU time per operation (of the benchmark thread) as ratios to
// libmemcached's: throughput > 1 and CPU < 1 mean tandem is faster.
//
// get and set also run a third client, "bare": the request's fixed bytes
// written with one send() on a connected socket and the reply read with
// blocking recv() until its last line, no hashing, no parsing, no
// allocation. No client library can make fewer system calls or do less
// in user space, so bare / libmemcached is the floor of any library's
// ratio on this machine: it shows how much of a round trip belongs to the
// kernel and the server.
//
//   build/bin/libmemcached_benchmark [--tandemd=PATH] [--rounds=N] [--benchmark_min_time=S]
#include <libmemcached/memcached.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "client/benchmarks/bench_servers.h"
#include "client/client.h"

namespace tandem::client {
namespace {

std::vector<std::unique_ptr<Tandemd>>& Servers() {
  static auto* servers = new std::vector<std::unique_ptr<Tandemd>>();
  return *servers;
}

const std::string kValue(100, 'v');
constexpr int kMultiKeys = 100;

std::vector<std::string> Keys(const char* prefix, int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(absl::StrCat(prefix, i * 7919));
  return keys;
}

// ---------------------------------------------------------------------------
// The two libraries, configured alike
// ---------------------------------------------------------------------------

std::string TandemConfig(const std::vector<std::pair<std::string, int>>& nodes) {
  std::string config;
  for (const auto& [host, port] : nodes) absl::StrAppend(&config, config.empty() ? "" : ",", host, ":", port);
  return config;
}

std::vector<std::pair<std::string, int>> LocalNodes() {
  std::vector<std::pair<std::string, int>> nodes;
  for (const auto& server : Servers()) nodes.emplace_back("127.0.0.1", server->port());
  return nodes;
}

// 100 addresses nobody listens on: lookups only.
std::vector<std::pair<std::string, int>> HundredNodes() {
  std::vector<std::pair<std::string, int>> nodes;
  for (int i = 0; i < 100; ++i) nodes.emplace_back(absl::StrCat("10.0.", i / 250, ".", i % 250 + 1), 11211);
  return nodes;
}

struct MemcachedDeleter {
  void operator()(memcached_st* memc) const { memcached_free(memc); }
};
using Memcached = std::unique_ptr<memcached_st, MemcachedDeleter>;

Memcached MakeLibmemcached(const std::vector<std::pair<std::string, int>>& nodes) {
  Memcached memc(memcached_create(nullptr));
  memcached_behavior_set(memc.get(), MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
  memcached_behavior_set(memc.get(), MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
  for (const auto& [host, port] : nodes) {
    memcached_server_add(memc.get(), host.c_str(), static_cast<in_port_t>(port));
  }
  return memc;
}

std::unique_ptr<Client> MakeTandem(const std::vector<std::pair<std::string, int>>& nodes) {
  return std::move(*Client::Create(TandemConfig(nodes)));
}

// ---------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------

void TandemGet(benchmark::State& state) {
  std::unique_ptr<Client> client = MakeTandem(LocalNodes());
  if (!client->Set("cmp:get", kValue).ok()) return state.SkipWithError("set failed");
  for (auto _ : state) {
    auto item = client->Get("cmp:get");
    if (!item.ok() || !item->has_value()) return state.SkipWithError("get failed");
    benchmark::DoNotOptimize(item);
  }
}

void LibmemcachedGet(benchmark::State& state) {
  Memcached memc = MakeLibmemcached(LocalNodes());
  for (auto _ : state) {
    size_t length = 0;
    uint32_t flags = 0;
    memcached_return_t rc;
    char* value = memcached_get(memc.get(), "cmp:get", 7, &length, &flags, &rc);
    if (value == nullptr || rc != MEMCACHED_SUCCESS) return state.SkipWithError("get failed");
    benchmark::DoNotOptimize(value);
    std::free(value);
  }
}

void TandemSet(benchmark::State& state) {
  std::unique_ptr<Client> client = MakeTandem(LocalNodes());
  for (auto _ : state) {
    if (!client->Set("cmp:set", kValue).ok()) return state.SkipWithError("set failed");
  }
}

void LibmemcachedSet(benchmark::State& state) {
  Memcached memc = MakeLibmemcached(LocalNodes());
  for (auto _ : state) {
    if (memcached_set(memc.get(), "cmp:set", 7, kValue.data(), kValue.size(), 0, 0) != MEMCACHED_SUCCESS) {
      return state.SkipWithError("set failed");
    }
  }
}

// One request's bytes out, then recv() until the reply ends with `last`.
// Returns false (and the benchmark fails) on an error or a wrong reply.
bool BareRoundTrip(int fd, std::string_view request, std::string_view last, char* buffer, size_t capacity) {
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return false;
  size_t have = 0;
  while (have < last.size() || std::string_view(buffer + have - last.size(), last.size()) != last) {
    const ssize_t n = recv(fd, buffer + have, capacity - have, 0);
    if (n <= 0) return false;
    have += static_cast<size_t>(n);
    if (have == capacity) return false;
  }
  return true;
}

// A socket to the server tandem (and libmemcached) would send `key` to.
int BareSocketFor(std::string_view key) {
  std::unique_ptr<Client> client = MakeTandem(LocalNodes());
  return ConnectLoopback(Servers()[client->ShardFor(key)]->port());
}

void BareGet(benchmark::State& state) {
  const int fd = BareSocketFor("cmp:get");
  if (fd < 0) return state.SkipWithError("connect failed");
  char buffer[4096];
  for (auto _ : state) {
    if (!BareRoundTrip(fd, "get cmp:get\r\n", "END\r\n", buffer, sizeof(buffer))) {
      close(fd);
      return state.SkipWithError("get failed");
    }
  }
  close(fd);
}

void BareSet(benchmark::State& state) {
  const int fd = BareSocketFor("cmp:set");
  if (fd < 0) return state.SkipWithError("connect failed");
  const std::string request = absl::StrCat("set cmp:set 0 0 ", kValue.size(), "\r\n", kValue, "\r\n");
  char buffer[256];
  for (auto _ : state) {
    if (!BareRoundTrip(fd, request, "STORED\r\n", buffer, sizeof(buffer))) {
      close(fd);
      return state.SkipWithError("set failed");
    }
  }
  close(fd);
}

// Into one reused MultiGetResult, as libmemcached fetches into one reused
// memcached_result_st.
void TandemMultiGet(benchmark::State& state) {
  std::unique_ptr<Client> client = MakeTandem(LocalNodes());
  const std::vector<std::string> keys = Keys("cmp:multi:", kMultiKeys);
  MultiGetResult result;
  for (auto _ : state) {
    if (!client->GetMulti(keys, &result).ok() || result.size() != keys.size()) {
      return state.SkipWithError("multi-get failed");
    }
    benchmark::DoNotOptimize(result[0].value.data());
  }
}

// The map-returning GetMulti (a node and strings per hit).
void TandemMultiGetMap(benchmark::State& state) {
  std::unique_ptr<Client> client = MakeTandem(LocalNodes());
  const std::vector<std::string> keys = Keys("cmp:multi:", kMultiKeys);
  for (auto _ : state) {
    auto items = client->GetMulti(keys);
    if (!items.ok() || items->size() != keys.size()) return state.SkipWithError("multi-get failed");
    benchmark::DoNotOptimize(items);
  }
}

void LibmemcachedMultiGet(benchmark::State& state) {
  Memcached memc = MakeLibmemcached(LocalNodes());
  const std::vector<std::string> keys = Keys("cmp:multi:", kMultiKeys);
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  for (const std::string& key : keys) {
    pointers.push_back(key.data());
    lengths.push_back(key.size());
  }
  memcached_result_st result;
  memcached_result_create(memc.get(), &result);
  for (auto _ : state) {
    if (memcached_mget(memc.get(), pointers.data(), lengths.data(), keys.size()) != MEMCACHED_SUCCESS) {
      return state.SkipWithError("mget failed");
    }
    size_t hits = 0;
    memcached_return_t rc;
    while (memcached_fetch_result(memc.get(), &result, &rc) != nullptr) {
      benchmark::DoNotOptimize(memcached_result_value(&result));
      ++hits;
    }
    if (hits != keys.size()) return state.SkipWithError("multi-get missed keys");
  }
  memcached_result_free(&result);
}

void TandemLookup(benchmark::State& state, size_t shards) {
  std::unique_ptr<Client> client = MakeTandem(shards == 3 ? LocalNodes() : HundredNodes());
  const std::vector<std::string> keys = Keys("user:", 4096);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(client->ShardFor(keys[i++ & 4095]));
}

void LibmemcachedLookup(benchmark::State& state, size_t shards) {
  Memcached memc = MakeLibmemcached(shards == 3 ? LocalNodes() : HundredNodes());
  const std::vector<std::string> keys = Keys("user:", 4096);
  size_t i = 0;
  for (auto _ : state) {
    const std::string& key = keys[i++ & 4095];
    benchmark::DoNotOptimize(memcached_generate_hash(memc.get(), key.data(), key.size()));
  }
}

// Both libraries must put every key on the same shard, or the comparison
// (and the compatibility claim) is void.
bool SameRing(const std::vector<std::pair<std::string, int>>& nodes) {
  std::unique_ptr<Client> client = MakeTandem(nodes);
  Memcached memc = MakeLibmemcached(nodes);
  for (const std::string& key : Keys("user:", 4096)) {
    if (client->ShardFor(key) != memcached_generate_hash(memc.get(), key.data(), key.size())) return false;
  }
  return true;
}

// The values every read workload expects, whichever runs first (or alone,
// with --benchmark_filter).
bool Preload() {
  std::unique_ptr<Client> client = MakeTandem(LocalNodes());
  if (!client->Set("cmp:get", kValue).ok()) return false;
  for (const std::string& key : Keys("cmp:multi:", kMultiKeys)) {
    if (!client->Set(key, kValue).ok()) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Ratios
// ---------------------------------------------------------------------------

// Prints Google Benchmark's table, and at the end the summed rounds as
// tandem / libmemcached ratios. Benchmark names are WORKLOAD/LIBRARY/round:N.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) {
        failed_ = true;
        continue;
      }
      const std::string name = run.benchmark_name();
      const size_t slash = name.find('/');
      const size_t second = name.find('/', slash + 1);
      const std::string workload = name.substr(0, slash);
      const std::string library = name.substr(slash + 1, second - slash - 1);
      const std::string round = name.substr(second + 1, name.find('/', second + 1) - second - 1);
      Sums& sums = sums_[workload][library];
      sums.iterations += static_cast<double>(run.iterations);
      sums.real += run.real_accumulated_time;
      sums.cpu += run.cpu_accumulated_time;
      sums.user += Counter(run, "user_ns");
      sums.sys += Counter(run, "sys_ns");
      Sums& this_round = rounds_[workload][round][library];
      this_round.iterations = static_cast<double>(run.iterations);
      this_round.real = run.real_accumulated_time;
      this_round.cpu = run.cpu_accumulated_time;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nSums over all rounds, and (in brackets) the median of the per-round ratios,\n"
                "which a noisy neighbour distorts less. tput x > 1 and cpu/op x < 1: tandem is faster.\n");
    std::printf("%-10s %12s %12s %17s %11s %11s %17s\n", "workload", "tandem op/s", "libmc op/s",
                "tput x (median)", "tandem cpu", "libmc cpu", "cpu/op x (median)");
    for (const auto& [workload, libraries] : sums_) {
      auto tandem = libraries.find("tandem");
      auto libmc = libraries.find("libmemcached");
      if (tandem == libraries.end() || libmc == libraries.end()) continue;
      const Sums& t = tandem->second;
      const Sums& l = libmc->second;
      std::vector<double> rate_ratios, cpu_ratios;
      for (const auto& [round, pair] : rounds_[workload]) {
        auto rt = pair.find("tandem");
        auto rl = pair.find("libmemcached");
        if (rt == pair.end() || rl == pair.end()) continue;
        rate_ratios.push_back(rt->second.Rate() / rl->second.Rate());
        cpu_ratios.push_back(rt->second.CpuNanos() / rl->second.CpuNanos());
      }
      std::printf("%-10s %12.0f %12.0f %7.2fx (%5.2fx) %9.0fns %9.0fns %7.2fx (%5.2fx)\n", workload.c_str(),
                  t.Rate(), l.Rate(), t.Rate() / l.Rate(), Median(rate_ratios), t.CpuNanos(), l.CpuNanos(),
                  t.CpuNanos() / l.CpuNanos(), Median(cpu_ratios));
    }
    std::printf("\nThe floor: a bare socket (one send, blocking recv, nothing else) / libmemcached, medians of\n"
                "the per-round ratios. No library can beat these; tandem's ratios above, for comparison.\n");
    std::printf("%-10s %15s %15s %15s %15s %10s %10s\n", "workload", "bare tput x", "tandem tput x",
                "bare cpu/op x", "tandem cpu/op x", "bare usr", "bare sys");
    for (const auto& [workload, per_round] : rounds_) {
      std::vector<double> bare_rate, bare_cpu, tandem_rate, tandem_cpu;
      for (const auto& [round, pair] : per_round) {
        auto rb = pair.find("bare");
        auto rt = pair.find("tandem");
        auto rl = pair.find("libmemcached");
        if (rb == pair.end() || rt == pair.end() || rl == pair.end()) continue;
        bare_rate.push_back(rb->second.Rate() / rl->second.Rate());
        bare_cpu.push_back(rb->second.CpuNanos() / rl->second.CpuNanos());
        tandem_rate.push_back(rt->second.Rate() / rl->second.Rate());
        tandem_cpu.push_back(rt->second.CpuNanos() / rl->second.CpuNanos());
      }
      if (bare_rate.empty()) continue;
      const Sums& bare = sums_[workload]["bare"];
      std::printf("%-10s %14.2fx %14.2fx %14.2fx %14.2fx %8.0fns %8.0fns\n", workload.c_str(), Median(bare_rate),
                  Median(tandem_rate), Median(bare_cpu), Median(tandem_cpu), bare.user / bare.iterations,
                  bare.sys / bare.iterations);
    }
    std::printf("\nCPU per op split into user space (the libraries' own code) and kernel (system calls):\n");
    std::printf("%-10s %11s %11s %8s %11s %11s %8s\n", "workload", "tandem usr", "libmc usr", "usr x", "tandem sys",
                "libmc sys", "sys x");
    for (const auto& [workload, libraries] : sums_) {
      auto tandem = libraries.find("tandem");
      auto libmc = libraries.find("libmemcached");
      if (tandem == libraries.end() || libmc == libraries.end()) continue;
      const Sums& t = tandem->second;
      const Sums& l = libmc->second;
      const double tu = t.user / t.iterations, lu = l.user / l.iterations;
      const double ts = t.sys / t.iterations, ls = l.sys / l.iterations;
      std::printf("%-10s %9.0fns %9.0fns %7.2fx %9.0fns %9.0fns %7.2fx\n", workload.c_str(), tu, lu,
                  lu > 0 ? tu / lu : 0, ts, ls, ls > 0 ? ts / ls : 0);
    }
  }
  bool failed() const { return failed_; }

 private:
  struct Sums {
    double iterations = 0, real = 0, cpu = 0;
    double user = 0, sys = 0;  // ns, from getrusage
    double Rate() const { return iterations / real; }
    double CpuNanos() const { return cpu * 1e9 / iterations; }
  };
  static double Counter(const Run& run, const char* name) {
    auto it = run.counters.find(name);
    return it == run.counters.end() ? 0 : it->second.value;
  }
  static double Median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }
  std::map<std::string, std::map<std::string, Sums>> sums_;
  // workload -> round -> library -> that one run
  std::map<std::string, std::map<std::string, std::map<std::string, Sums>>> rounds_;
  bool failed_ = false;
};

// This thread's user and system CPU, in nanoseconds.
std::pair<double, double> ThreadCpu() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  auto nanos = [](const timeval& tv) { return tv.tv_sec * 1e9 + tv.tv_usec * 1e3; };
  return {nanos(usage.ru_utime), nanos(usage.ru_stime)};
}

// Runs `workload` and records its user and system CPU time (the kernel's
// share is most of a loopback round trip) as counters user_ns and sys_ns,
// totals the reporter divides by the iterations.
template <void (*workload)(benchmark::State&)>
void Measured(benchmark::State& state) {
  const auto [user0, sys0] = ThreadCpu();
  workload(state);
  const auto [user1, sys1] = ThreadCpu();
  state.counters["user_ns"] = benchmark::Counter(user1 - user0);
  state.counters["sys_ns"] = benchmark::Counter(sys1 - sys0);
}

void TandemLookup3(benchmark::State& s) { TandemLookup(s, 3); }
void TandemLookup100(benchmark::State& s) { TandemLookup(s, 100); }
void LibmemcachedLookup3(benchmark::State& s) { LibmemcachedLookup(s, 3); }
void LibmemcachedLookup100(benchmark::State& s) { LibmemcachedLookup(s, 100); }

void Register(int rounds) {
  struct Workload {
    const char* name;
    void (*tandem)(benchmark::State&);
    void (*libmemcached)(benchmark::State&);
    void (*bare)(benchmark::State&) = nullptr;  // the floor (get, set)
  };
  static const Workload kWorkloads[] = {
      {"get", Measured<TandemGet>, Measured<LibmemcachedGet>, Measured<BareGet>},
      {"set", Measured<TandemSet>, Measured<LibmemcachedSet>, Measured<BareSet>},
      {"mget100", Measured<TandemMultiGet>, Measured<LibmemcachedMultiGet>},
      {"mget100map", Measured<TandemMultiGetMap>, Measured<LibmemcachedMultiGet>},
      {"lookup3", Measured<TandemLookup3>, Measured<LibmemcachedLookup3>},
      {"lookup100", Measured<TandemLookup100>, Measured<LibmemcachedLookup100>},
  };
  for (int round = 1; round <= rounds; ++round) {
    for (const Workload& w : kWorkloads) {
      // Alternate which library goes first, so neither always runs warm
      // (and the bare socket: last in odd rounds, first in even ones).
      const bool tandem_first = round % 2 == 1;
      auto register_bare = [&] {
        if (w.bare == nullptr) return;
        benchmark::RegisterBenchmark(absl::StrCat(w.name, "/bare/round:", round).c_str(), w.bare)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      };
      if (!tandem_first) register_bare();
      for (int k = 0; k < 2; ++k) {
        const bool tandem = (k == 0) == tandem_first;
        benchmark::RegisterBenchmark(
            absl::StrCat(w.name, "/", tandem ? "tandem" : "libmemcached", "/round:", round).c_str(),
            tandem ? w.tandem : w.libmemcached)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
      if (tandem_first) register_bare();
    }
  }
}

}  // namespace
}  // namespace tandem::client

int main(int argc, char** argv) {
  // --tandemd=PATH and --rounds=N are ours; everything else goes to Google Benchmark.
  std::string tandemd = (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "tandemd").string();
  int rounds = 5;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--tandemd=", 10) == 0) {
      tandemd = argv[i] + 10;
    } else if (std::strncmp(argv[i], "--rounds=", 9) == 0) {
      rounds = std::max(1, std::atoi(argv[i] + 9));
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;
  for (int i = 0; i < 3; ++i) {
    std::unique_ptr<tandem::client::Tandemd> server = tandem::client::Tandemd::Start(tandemd);
    if (server == nullptr) {
      std::fprintf(stderr, "libmemcached_benchmark: could not start %s (pass --tandemd=PATH)\n", tandemd.c_str());
      return 1;
    }
    tandem::client::Servers().push_back(std::move(server));
  }
  if (!tandem::client::Preload()) {
    std::fprintf(stderr, "libmemcached_benchmark: could not store the values to read\n");
    return 1;
  }
  if (!tandem::client::SameRing(tandem::client::LocalNodes()) ||
      !tandem::client::SameRing(tandem::client::HundredNodes())) {
    std::fprintf(stderr, "libmemcached_benchmark: the two libraries disagree on key placement\n");
    return 1;
  }
  tandem::client::Register(rounds);
  tandem::client::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  tandem::client::Servers().clear();
  return reporter.failed() ? 1 : 0;
}
