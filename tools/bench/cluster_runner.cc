// ClusterRunner: worker threads calling the client library (see header).
#include "tools/bench/cluster_runner.h"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/client.h"
#include "tools/bench/clock.h"
#include "tools/bench/progress.h"
#include "tools/bench/request_budget.h"

namespace tandem::bench {

namespace {

// The error kind of a failed call (client.h lists what each code means).
ErrorKind KindOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorKind::kTimeout;
    case absl::StatusCode::kUnavailable:
      return ErrorKind::kConnection;
    case absl::StatusCode::kInvalidArgument:
      return ErrorKind::kClientError;
    case absl::StatusCode::kUnimplemented:
      return ErrorKind::kError;
    default:
      break;
  }
  const absl::string_view message = status.message();
  if (message.find("SERVER_ERROR") != absl::string_view::npos) return ErrorKind::kServerError;
  if (message.find("not stored") != absl::string_view::npos) return ErrorKind::kNotStored;
  return ErrorKind::kMalformed;
}

// One worker: a thread with one call in flight.
class Worker {
 public:
  Worker(const BenchConfig& config, const Workload& workload, client::Client* client, int index)
      : config_(config),
        workload_(workload),
        client_(client),
        index_(index),
        rng_(config.seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(index) + 1) {}

  // Sets keys index, index + workers, ... once each; false on timeout.
  bool Preload(int workers, uint64_t deadline_ns) {
    for (uint64_t k = static_cast<uint64_t>(index_); k < workload_.spec().keys;
         k += static_cast<uint64_t>(workers)) {
      if (NowNs() >= deadline_ns) {
        preload_.AddError(ErrorKind::kTimeout, "preload did not finish in time");
        return false;
      }
      Set(k, workload_.PreloadValueSize(k), &preload_);
      Publish(true);
    }
    Publish(true);
    return true;
  }

  void Run(uint64_t end_ns, RequestBudget* budget) {
    const uint64_t start = NowNs();
    const int multiget = workload_.spec().multiget;
    std::vector<uint64_t> indices(static_cast<size_t>(multiget));
    std::vector<std::string> keys(static_cast<size_t>(multiget));
    while (NowNs() < end_ns && budget->Take()) {
      if (workload_.NextIsGet(rng_)) {
        for (int i = 0; i < multiget; ++i) {
          indices[i] = workload_.NextKey(rng_);
          keys[i] = workload_.KeyString(indices[i]);
        }
        if (multiget == 1) {
          GetOne(keys[0]);
        } else {
          GetMany(keys);
        }
      } else {
        Set(workload_.NextKey(rng_), workload_.NextValueSize(rng_), &stats_);
      }
      Publish(false);
    }
    run_ns_ = NowNs() - start;
  }

  const GroupStats& stats() const { return stats_; }
  const GroupStats& preload_stats() const { return preload_; }
  uint64_t run_ns() const { return run_ns_; }
  const LiveCounters* live() const { return &live_; }

 private:
  void Set(uint64_t index, int size, GroupStats* stats) {
    const std::string key = workload_.KeyString(index);
    const uint64_t start = NowNs();
    absl::Status status = client_->Set(key, workload_.Value(size));
    if (!status.ok()) {
      stats->AddError(KindOf(status), absl::StrCat("set ", key, ": ", status.ToString()));
      return;
    }
    ++stats->sets;
    Complete(start, stats);
  }

  void GetOne(const std::string& key) {
    const uint64_t start = NowNs();
    absl::StatusOr<std::optional<client::Item>> item = client_->Get(key);
    if (!item.ok()) {
      stats_.AddError(KindOf(item.status()), absl::StrCat("get ", key, ": ", item.status().ToString()));
      return;
    }
    int hits = 0;
    if (item->has_value()) {
      if (!CheckHit(key, **item)) return;
      hits = 1;
    }
    FinishGet(start, 1, hits);
  }

  void GetMany(const std::vector<std::string>& keys) {
    const uint64_t start = NowNs();
    absl::StatusOr<std::unordered_map<std::string, client::Item>> items = client_->GetMulti(keys);
    if (!items.ok()) {
      stats_.AddError(KindOf(items.status()),
                      absl::StrCat("multi-get of ", keys.size(), " keys: ", items.status().ToString()));
      return;
    }
    // A key asked for twice is answered twice by its server: count each.
    int hits = 0;
    for (const std::string& key : keys) {
      auto it = items->find(key);
      if (it == items->end()) continue;
      if (!CheckHit(key, it->second)) return;
      ++hits;
    }
    FinishGet(start, static_cast<int>(keys.size()), hits);
  }

  bool CheckHit(const std::string& key, const client::Item& item) {
    if (item.flags == 0 && workload_.ValueMatches(item.value)) return true;
    stats_.AddError(ErrorKind::kBadValue,
                    absl::StrCat("hit with wrong flags, length or bytes for ", key, " (flags ",
                                 item.flags, ", ", item.value.size(), " bytes)"));
    return false;
  }

  void FinishGet(uint64_t start, int nkeys, int hits) {
    ++stats_.gets;
    stats_.keys_requested += static_cast<uint64_t>(nkeys);
    stats_.hits += static_cast<uint64_t>(hits);
    stats_.misses += static_cast<uint64_t>(nkeys - hits);
    Complete(start, &stats_);
  }

  static void Complete(uint64_t start, GroupStats* stats) {
    stats->latency.Record(NowNs() - start);
    ++stats->requests;
  }

  void Publish(bool preloading) {
    live_.preload_sets.store(preload_.requests, std::memory_order_relaxed);
    live_.requests.store(stats_.requests, std::memory_order_relaxed);
    live_.hits.store(stats_.hits, std::memory_order_relaxed);
    live_.errors.store(preloading ? preload_.TotalErrors() : stats_.TotalErrors(),
                       std::memory_order_relaxed);
    live_.running.store(!preloading, std::memory_order_relaxed);
  }

  const BenchConfig& config_;
  const Workload& workload_;
  client::Client* client_;
  const int index_;
  Rng rng_;
  GroupStats stats_;
  GroupStats preload_;
  uint64_t run_ns_ = 0;
  LiveCounters live_;
};

}  // namespace

BenchResult RunCluster(const BenchConfig& config) {
  BenchResult result;
  client::ClientOptions options;
  options.distribution = config.distribution;
  const absl::Duration timeout = absl::Milliseconds(config.timeout_ms);
  options.connect_timeout = options.send_timeout = options.receive_timeout = timeout;
  // Keep a connection per worker per node: none is closed and reopened.
  options.pool_size = static_cast<size_t>(config.connections);
  absl::StatusOr<std::unique_ptr<client::Client>> client =
      client::Client::Create(config.cluster, options);
  if (!client.ok()) {
    result.fatal = absl::StrCat("--cluster: ", client.status().message());
    return result;
  }
  const Workload workload(config.workload);
  const int nworkers = config.connections;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<const LiveCounters*> live;
  for (int i = 0; i < nworkers; ++i) {
    workers.push_back(std::make_unique<Worker>(config, workload, client->get(), i));
    live.push_back(workers.back()->live());
  }

  result.phases = BuildSchedule(config);
  RequestBudget budget(config.requests);
  std::atomic<uint64_t> t0{0};
  std::atomic<bool> preload_ok{true};
  const bool preload = config.preload || config.preload_only;
  const uint64_t preload_start = NowNs();
  std::barrier sync(nworkers, [&]() noexcept { t0.store(NowNs()); });
  std::optional<ProgressReporter> progress;
  if (config.progress) progress.emplace([&live] { return SumLive(live); }, config.progress_tty);
  std::vector<std::thread> threads;
  for (int i = 0; i < nworkers; ++i) {
    threads.emplace_back([&, i] {
      Worker* w = workers[i].get();
      if (preload) {
        uint64_t deadline = preload_start + static_cast<uint64_t>(config.preload_timeout_s * 1e9);
        if (!w->Preload(nworkers, deadline)) preload_ok.store(false);
      }
      sync.arrive_and_wait();
      if (config.preload_only || !preload_ok.load()) return;
      w->Run(t0.load() + result.phases[0].end_offset_ns, &budget);
    });
  }
  for (std::thread& t : threads) t.join();
  const uint64_t end = NowNs();
  if (progress) progress->Stop();

  result.preload_complete = preload_ok.load();
  result.preload_seconds = preload ? static_cast<double>(t0.load() - preload_start) / 1e9 : 0;
  result.elapsed_s = static_cast<double>(end - t0.load()) / 1e9;
  result.groups.resize(1);
  result.targets.resize(1);
  result.preload.resize(1);
  result.target_group = {0};
  const size_t shards = (*client)->shard_count();
  result.target_label = {absl::StrCat("ring of ", shards, shards == 1 ? " shard" : " shards")};
  result.target_lost = {0};
  result.connections_lost = {0};
  result.phase_rate.assign(1, 0);
  result.phase_requests.assign(1, 0);
  for (const std::unique_ptr<Worker>& w : workers) {
    result.groups[0].Merge(w->stats());
    result.targets[0].Merge(w->stats());
    result.preload[0].Merge(w->preload_stats());
    result.phase_requests[0] += w->stats().requests;
    // As the plain runner: each worker's completions over its own window.
    if (w->run_ns() > 0) {
      result.phase_rate[0] +=
          static_cast<double>(w->stats().requests) * 1e9 / static_cast<double>(w->run_ns());
    }
  }
  return result;
}

}  // namespace tandem::bench
