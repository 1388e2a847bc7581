// Progress: the once-a-second stderr line (see progress.h).
#include "tools/bench/progress.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_format.h"
#include "tools/bench/clock.h"

namespace tandem::bench {

std::string FormatProgress(double elapsed_s, const ProgressSample& now, double rate) {
  if (!now.running) {
    return absl::StrFormat("[%4.0f s] preload: %.0f sets/s, %d sets, %d errors", elapsed_s, rate,
                           now.preload_sets, now.errors);
  }
  return absl::StrFormat("[%4.0f s] %.0f ops/s, %d ops, %d hits, %d errors", elapsed_s, rate,
                         now.requests, now.hits, now.errors);
}

ProgressReporter::ProgressReporter(std::function<ProgressSample()> sample, bool tty, FILE* out)
    : sample_(std::move(sample)), tty_(tty), out_(out) {
  start_ns_ = last_ns_ = series_start_ns_ = NowNs();
  thread_ = std::thread([this] { Loop(); });
}

void ProgressReporter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  Print(true);
}

void ProgressReporter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (int tick = 1;; ++tick) {
    const int64_t wait_ns = static_cast<int64_t>(start_ns_ + tick * 1000000000ULL) -
                            static_cast<int64_t>(NowNs());
    const auto due = std::chrono::steady_clock::now() + std::chrono::nanoseconds(std::max<int64_t>(wait_ns, 0));
    if (cv_.wait_until(lock, due, [this] { return stop_; })) return;
    Print(false);
  }
}

void ProgressReporter::Print(bool last) {
  const uint64_t now = NowNs();
  const ProgressSample s = sample_();
  const uint64_t count = s.running ? s.requests : s.preload_sets;
  // The counter restarts when the timed run begins (and after a comparison's
  // warm-up), so a drop means a new series, not negative progress.
  const bool restarted = s.running != last_running_ || count < last_count_;
  if (restarted) series_start_ns_ = last_ns_;
  const uint64_t base = restarted ? 0 : last_count_;
  // Each second shows that second's rate; the last line, the whole series'.
  const uint64_t since = last ? series_start_ns_ : last_ns_;
  const double seconds = static_cast<double>(now - since) / 1e9;
  const double rate =
      seconds > 0 ? static_cast<double>(last ? count : count - base) / seconds : 0;
  last_ns_ = now;
  last_count_ = count;
  last_running_ = s.running;
  if (last && !printed_ && !tty_ && count == 0) return;  // nothing ran
  const std::string line = FormatProgress(static_cast<double>(now - start_ns_) / 1e9, s, rate);
  if (tty_) {
    std::fprintf(out_, "\r%s\033[K%s", line.c_str(), last ? "\n" : "");
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
  printed_ = true;
}

}  // namespace tandem::bench
