// Backlog: see backlog.h. Offsets map to ring positions by modulo, so
// neither appends nor reads ever move bytes, except when a write longer
// than the ring grows it (the window is copied over once).
#include "replication/backlog.h"

#include <algorithm>
#include <cstring>

namespace tandem::replication {

Backlog::Backlog(size_t capacity)
    : base_capacity_(std::max<size_t>(capacity, 1)), capacity_(base_capacity_), ring_(new char[capacity_]) {}

void Backlog::Append(std::string_view bytes) {
  if (bytes.size() > capacity_) Grow(bytes.size() + base_capacity_);
  Write(bytes);
}

void Backlog::Append(std::string_view head, std::string_view tail) {
  if (head.size() + tail.size() > capacity_) Grow(head.size() + tail.size() + base_capacity_);
  Write(head);
  Write(tail);
}

void Backlog::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t n = std::min(bytes.size(), capacity_ - end_pos_);
    std::memcpy(ring_.get() + end_pos_, bytes.data(), n);
    bytes.remove_prefix(n);
    end_ += n;
    end_pos_ += n;
    if (end_pos_ == capacity_) end_pos_ = 0;
    size_ = std::min(capacity_, size_ + n);
  }
}

void Backlog::Grow(size_t capacity) {
  std::string window;
  window.reserve(size_);
  CopyFrom(start(), size_, &window);
  capacity_ = capacity;
  ring_.reset(new char[capacity_]);
  end_ -= window.size();
  end_pos_ = static_cast<size_t>(end_ % capacity_);
  size_ = 0;
  Write(window);
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

void Backlog::Peek(uint64_t offset, size_t n, char* dst) const {
  ForEachPiece(offset, n, [&dst](const char* data, size_t size) {
    std::memcpy(dst, data, size);
    dst += size;
  });
}

}  // namespace tandem::replication
