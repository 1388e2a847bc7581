// RequestBudget: the --requests cap, shared by every connection of a run.
//
// A connection takes one unit before it writes each request; once the
// budget is spent no connection starts another and the run ends when the
// requests in flight are answered, so exactly N requests are sent (the
// duration cap still applies). Unlimited (0) costs one predictable branch.
#ifndef TANDEM_TOOLS_BENCH_REQUEST_BUDGET_H_
#define TANDEM_TOOLS_BENCH_REQUEST_BUDGET_H_

#include <atomic>
#include <cstdint>

namespace tandem::bench {

class RequestBudget {
 public:
  // limit 0: unlimited.
  explicit RequestBudget(uint64_t limit = 0) : limit_(limit) {}

  // True if the caller may send one more request.
  bool Take() {
    if (limit_ == 0) return true;
    if (taken_.load(std::memory_order_relaxed) >= limit_) return false;
    return taken_.fetch_add(1, std::memory_order_relaxed) < limit_;
  }
  bool exhausted() const { return limit_ != 0 && taken_.load(std::memory_order_relaxed) >= limit_; }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> taken_{0};
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_REQUEST_BUDGET_H_
