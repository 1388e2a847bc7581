// NackLog: see nack_log.h.
#include "replication/nack_log.h"

#include <algorithm>

namespace tandem::replication {

void NackLog::Add(uint64_t offset) {
  absl::MutexLock lock(&mu_);
  offsets_.push_back(offset);
  if (offsets_.size() > kCapacity) offsets_.pop_front();
  any_.store(true, std::memory_order_release);
}

bool NackLog::AnyIn(uint64_t first, uint64_t last) const {
  if (!any_.load(std::memory_order_acquire)) return false;
  absl::MutexLock lock(&mu_);
  return std::any_of(offsets_.rbegin(), offsets_.rend(),
                     [&](uint64_t offset) { return offset >= first && offset <= last; });
}

}  // namespace tandem::replication
