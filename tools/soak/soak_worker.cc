// SoakWorker: see soak_worker.h.
#include "tools/soak/soak_worker.h"

#include <cstdio>
#include <memory>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/client.h"
#include "protocol/error_strings.h"
#include "tools/soak/soak_values.h"

namespace tandem::soak {
namespace {

constexpr int kMaxReportedErrors = 5;  // per worker: enough to debug, not a flood

std::string PlainKey(uint32_t i) { return absl::StrCat("s:", i); }
std::string AppendKey(uint32_t i) { return absl::StrCat("a:", i); }
std::string CounterKey(uint32_t i) { return absl::StrCat("n:", i); }

class Worker {
 public:
  Worker(const WorkerOptions& options, WorkerCounters& counters)
      : options_(options), counters_(counters), rng_(options.seed) {}

  void Run(const std::atomic<bool>& stop) {
    while (!stop.load(std::memory_order_relaxed)) {
      if (client_ == nullptr || since_connect_ >= options_.churn_ops) Reconnect();
      if (client_ == nullptr) return;
      OneOp();
      ++since_connect_;
      counters_.ops.fetch_add(1, std::memory_order_relaxed);
    }
  }

 private:
  void Reconnect() {
    client::ClientOptions copts;
    copts.retry_timeout = absl::Milliseconds(500);
    auto created = client::Client::Create(options_.servers, copts);
    if (!created.ok()) {
      Report("client", created.status());
      client_.reset();
      return;
    }
    client_ = std::move(*created);
    since_connect_ = 0;
    counters_.reconnects.fetch_add(1, std::memory_order_relaxed);
  }

  uint32_t Pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  size_t ValueSize() {
    return std::uniform_int_distribution<size_t>(options_.min_value, options_.max_value)(rng_);
  }

  void OneOp() {
    const uint32_t dice = Pick(100);
    if (dice < 40) return Get();
    if (dice < 65) return Store(false);
    if (dice < 70) return Store(true);
    if (dice < 75) return options_.deletes ? Delete() : Store(false);
    if (dice < 85) return Append();
    if (dice < 95) return Incr();
    if (dice < 97) return Touch();
    return MultiGet();
  }

  void Get() {
    std::string key = PlainKey(Pick(options_.keys.plain));
    auto item = client_->Get(key);
    if (!item.ok()) return Report(key, item.status());
    if (item->has_value()) CheckPlain(key, (*item)->value);
  }

  void MultiGet() {
    std::vector<std::string> keys;
    for (int i = 0; i < 10; ++i) keys.push_back(PlainKey(Pick(options_.keys.plain)));
    auto items = client_->GetMulti(keys);
    if (!items.ok()) return Report("multi-get", items.status());
    for (const auto& [key, item] : *items) CheckPlain(key, item.value);
  }

  void Store(bool add) {
    std::string key = PlainKey(Pick(options_.keys.plain));
    std::string value = MakeValue(key, ++seq_ * 1000 + options_.seed % 1000, ValueSize());
    if (add) {
      auto r = client_->Add(key, value);
      if (!r.ok()) Report(key, r.status());
    } else {
      absl::Status s = client_->Set(key, value);
      if (!s.ok()) Report(key, s);
    }
  }

  void Delete() {
    std::string key = PlainKey(Pick(options_.keys.plain));
    auto r = client_->Delete(key);
    if (!r.ok()) Report(key, r.status());
  }

  void Touch() {
    std::string key = PlainKey(Pick(options_.keys.plain));
    auto r = client_->Touch(key, 3600);
    if (!r.ok()) Report(key, r.status());
  }

  void Append() {
    std::string key = AppendKey(Pick(options_.keys.appended));
    std::string chunk = MakeChunk(++seq_);
    auto r = client_->Append(key, chunk);
    if (!r.ok()) return Report(key, r.status());
    if (*r == client::StoreResult::kNotStored) {
      auto added = client_->Add(key, chunk);  // lost to a concurrent add: fine
      if (!added.ok()) return Report(key, added.status());
    }
    if (Pick(20) == 0) {
      auto item = client_->Get(key);
      if (!item.ok()) return Report(key, item.status());
      if (item->has_value() && !IsChunkRun((*item)->value)) Corrupt(key, (*item)->value);
    }
  }

  void Incr() {
    std::string key = CounterKey(Pick(options_.keys.counters));
    auto r = client_->Incr(key, 1);
    if (!r.ok()) return Report(key, r.status());
    if (!r->has_value()) {
      auto added = client_->Add(key, "0");
      if (!added.ok()) return Report(key, added.status());
    }
  }

  void CheckPlain(const std::string& key, const std::string& value) {
    counters_.hits.fetch_add(1, std::memory_order_relaxed);
    if (!IsValueFor(key, value)) Corrupt(key, value);
  }

  void Corrupt(const std::string& key, const std::string& value) {
    counters_.corrupt.fetch_add(1, std::memory_order_relaxed);
    if (reported_++ < kMaxReportedErrors) {
      std::fprintf(stderr, "soak: corrupt value for %s: %.80s\n", key.c_str(), value.c_str());
    }
  }

  void Report(const std::string& what, const absl::Status& status) {
    const std::string_view lost = protocol::kServerErrorPeerLost;
    if (absl::StrContains(status.message(), absl::string_view(lost.data(), lost.size()))) {
      counters_.indeterminate.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    switch (status.code()) {
      case absl::StatusCode::kUnavailable:
      case absl::StatusCode::kDeadlineExceeded:
        counters_.unavailable.fetch_add(1, std::memory_order_relaxed);
        break;
      case absl::StatusCode::kInternal:
        counters_.malformed.fetch_add(1, std::memory_order_relaxed);
        break;
      default:
        counters_.other_errors.fetch_add(1, std::memory_order_relaxed);
    }
    if (reported_++ < kMaxReportedErrors) {
      std::fprintf(stderr, "soak: %s: %s\n", what.c_str(), std::string(status.message()).c_str());
    }
  }

  const WorkerOptions& options_;
  WorkerCounters& counters_;
  std::mt19937_64 rng_;
  std::unique_ptr<client::Client> client_;
  uint64_t since_connect_ = 0;
  uint64_t seq_ = 0;
  int reported_ = 0;
};

}  // namespace

std::vector<std::string> KeySpace::AllKeys() const {
  std::vector<std::string> keys;
  keys.reserve(plain + appended + counters);
  for (uint32_t i = 0; i < plain; ++i) keys.push_back(PlainKey(i));
  for (uint32_t i = 0; i < appended; ++i) keys.push_back(AppendKey(i));
  for (uint32_t i = 0; i < counters; ++i) keys.push_back(CounterKey(i));
  return keys;
}

void RunWorker(const WorkerOptions& options, const std::atomic<bool>& stop, WorkerCounters& counters) {
  Worker(options, counters).Run(stop);
}

}  // namespace tandem::soak
