// SlabMover (see slab_mover.h).
#include "server/slab_mover.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "server/storage/slab_automove.h"

namespace tandem::server {

void SlabMover::Start() {
  if (thread_.joinable()) return;
  stop_.store(false);
  thread_ = std::thread([this] { Run(); });
}

void SlabMover::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void SlabMover::Run() {
  using Clock = std::chrono::steady_clock;
  constexpr auto kSampleEvery = std::chrono::seconds(1);
  constexpr int kIdleWaitMs = 100;
  double ratio = settings_.slab_automove_ratio.load();
  auto automove =
      std::make_unique<storage::SlabAutomove>(settings_.slab_automove_window, ratio);
  std::vector<storage::SlabClassSample> samples;
  std::vector<uint64_t> last_evicted;
  auto next_sample = Clock::now() + kSampleEvery;
  while (!stop_.load(std::memory_order_relaxed)) {
    if (engine_.RebalanceStep()) {  // items of the page still in use
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    const int level = settings_.slab_automove.load(std::memory_order_relaxed);
    const auto now = Clock::now();
    bool limit_reached = false;
    if (level == 1 && now >= next_sample) {
      next_sample = now + kSampleEvery;
      if (settings_.slab_automove_ratio.load() != ratio) {  // `slabs automove ratio` (a restart, as memcached)
        ratio = settings_.slab_automove_ratio.load();
        automove = std::make_unique<storage::SlabAutomove>(settings_.slab_automove_window, ratio);
      }
      engine_.SlabClassSamples(&samples, &limit_reached);
      const storage::SlabAutomove::Move move = automove->Run(samples, limit_reached);
      if (move.src != -1 && engine_.SlabsReassign(move.src, move.dst) ==
                                 storage::ReassignOutcome::kOk) {
        // A page going back to the pool: look again soon, as memcached does.
        if (move.dst == 0) next_sample = now;
        continue;
      }
    } else if (level == 2) {
      engine_.SlabClassSamples(&samples, &limit_reached);
      last_evicted.resize(samples.size(), 0);
      for (size_t id = 1; id < samples.size(); ++id) {
        const bool evicted = samples[id].evicted > last_evicted[id];
        last_evicted[id] = samples[id].evicted;
        if (evicted && engine_.SlabsReassign(-1, static_cast<int>(id)) ==
                           storage::ReassignOutcome::kOk) {
          break;
        }
      }
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(next_sample - Clock::now(), Clock::duration::zero()));
    engine_.WaitForRebalanceWork(
        static_cast<int>(std::clamp<int64_t>(wait.count(), 1, kIdleWaitMs)));
  }
}

}  // namespace tandem::server
