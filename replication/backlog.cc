// Backlog: see backlog.h. Offsets map to ring positions by modulo, so
// neither appends nor reads ever move bytes; a write longer than the ring
// keeps only its tail.
#include "replication/backlog.h"

#include <algorithm>
#include <cstring>

namespace tandem::replication {

Backlog::Backlog(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)), ring_(new char[capacity_]) {}

void Backlog::Append(std::string_view bytes) {
  if (bytes.size() > capacity_) {
    end_ += bytes.size() - capacity_;
    bytes.remove_prefix(bytes.size() - capacity_);
  }
  while (!bytes.empty()) {
    size_t pos = static_cast<size_t>(end_ % capacity_);
    size_t n = std::min(bytes.size(), capacity_ - pos);
    std::memcpy(ring_.get() + pos, bytes.data(), n);
    bytes.remove_prefix(n);
    end_ += n;
    size_ = std::min(capacity_, size_ + n);
  }
}

size_t Backlog::CopyFrom(uint64_t offset, size_t max, std::string* out) const {
  if (!Contains(offset)) return 0;
  size_t want = static_cast<size_t>(std::min<uint64_t>(max, end_ - offset));
  size_t copied = 0;
  while (copied < want) {
    size_t pos = static_cast<size_t>((offset + copied) % capacity_);
    size_t n = std::min(want - copied, capacity_ - pos);
    out->append(ring_.get() + pos, n);
    copied += n;
  }
  return copied;
}

}  // namespace tandem::replication
