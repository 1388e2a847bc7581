// Progress: the line tandem-bench prints on stderr once a second while it
// runs (when stderr is a terminal, or with --progress), in the manner of
// memtier_benchmark:
//
//   [   3 s] 118234 ops/s, 351020 ops, 315870 hits, 0 errors
//
// ops/s is the rate over the last second (on the final line, over the whole
// run); ops, hits and errors count from the start of the timed run
// (preload shows as "preload: N sets"). On a
// terminal the line is rewritten in place and ends with a newline when the
// run stops; otherwise each second is a line of its own. It never goes to
// stdout, which carries the report (and --json).
//
// Workers own one LiveCounters each and publish totals into it with
// relaxed stores every few milliseconds; the reporter thread only reads
// them, so the hot path shares nothing.
#ifndef TANDEM_TOOLS_BENCH_PROGRESS_H_
#define TANDEM_TOOLS_BENCH_PROGRESS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace tandem::bench {

struct alignas(64) LiveCounters {
  std::atomic<uint64_t> preload_sets{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<bool> running{false};  // the timed run has begun (preload over)
};

struct ProgressSample {
  uint64_t preload_sets = 0;
  uint64_t requests = 0;
  uint64_t hits = 0;
  uint64_t errors = 0;
  bool running = false;
};

// Sums the counters of every worker.
template <typename Range>
ProgressSample SumLive(const Range& counters) {
  ProgressSample s;
  for (const LiveCounters* c : counters) {
    s.preload_sets += c->preload_sets.load(std::memory_order_relaxed);
    s.requests += c->requests.load(std::memory_order_relaxed);
    s.hits += c->hits.load(std::memory_order_relaxed);
    s.errors += c->errors.load(std::memory_order_relaxed);
    s.running = s.running || c->running.load(std::memory_order_relaxed);
  }
  return s;
}

// One progress line, without a line ending. `rate` is per second.
std::string FormatProgress(double elapsed_s, const ProgressSample& now, double rate);

class ProgressReporter {
 public:
  // Starts a thread that calls `sample` once a second and prints to `out`.
  // `tty`: rewrite one line in place instead of printing one per second.
  ProgressReporter(std::function<ProgressSample()> sample, bool tty, FILE* out = stderr);
  ~ProgressReporter() { Stop(); }
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // Prints the last line and joins the thread. Idempotent.
  void Stop();

 private:
  void Loop();
  void Print(bool last);

  std::function<ProgressSample()> sample_;
  const bool tty_;
  FILE* const out_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  // Reporter thread only (and Stop after the join).
  uint64_t start_ns_ = 0;
  uint64_t last_ns_ = 0;
  uint64_t series_start_ns_ = 0;  // when the current count began
  uint64_t last_count_ = 0;
  bool last_running_ = false;
  bool printed_ = false;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_PROGRESS_H_
