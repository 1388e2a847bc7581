// OutputQueue (see output_queue.h): a deque of string blocks; replies are
// appended to the last one, writev sends from the first.
//
// Invariants: only the first block is partly sent (front_offset_ bytes of
// it); pending_ counts the bytes of every block but the last (the last one
// is still growing, so its size is read directly). Tail() starts a new block
// once the last one reaches 64 KB, so a long batch never reallocates what is
// already queued. WriteTo gathers up to 64 blocks into one writev and drops
// what was sent; the last block is kept (cleared) when drained, so the next
// batch reuses its capacity. Trim, called when the queue is empty, frees any
// extra blocks and a last block grown past 256 KB.
#include "server/net/output_queue.h"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

namespace tandem::server::net {
namespace {
constexpr int kMaxIov = 64;
}  // namespace

std::string* OutputQueue::Tail() {
  if (blocks_.empty()) {
    blocks_.emplace_back();
  } else if (blocks_.back().size() >= kBlockSize) {
    pending_ += blocks_.back().size();
    blocks_.emplace_back();
  }
  return &blocks_.back();
}

size_t OutputQueue::PendingInTail() const { return blocks_.empty() ? 0 : blocks_.back().size(); }

size_t OutputQueue::size() const {
  if (blocks_.empty()) return 0;
  size_t total = pending_ + blocks_.back().size() - front_offset_;
  return total;
}

ssize_t OutputQueue::WriteTo(int fd) {
  iovec iov[kMaxIov];
  int n = 0;
  size_t offset = front_offset_;
  for (const std::string& b : blocks_) {
    if (n == kMaxIov) break;
    if (b.size() > offset) {
      iov[n].iov_base = const_cast<char*>(b.data() + offset);
      iov[n].iov_len = b.size() - offset;
      ++n;
    }
    offset = 0;
  }
  if (n == 0) return 0;
  ssize_t written;
  do {
    written = ::writev(fd, iov, n);
  } while (written < 0 && errno == EINTR);
  if (written < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
  Consume(static_cast<size_t>(written));
  return written;
}

ssize_t OutputQueue::WriteFront(size_t max, absl::FunctionRef<ssize_t(const char*, size_t)> write) {
  if (blocks_.empty()) return 0;
  const std::string& front = blocks_.front();
  if (front.size() <= front_offset_) return 0;
  const size_t len = std::min(max, front.size() - front_offset_);
  const ssize_t written = write(front.data() + front_offset_, len);
  if (written > 0) Consume(static_cast<size_t>(written));
  return written;
}

void OutputQueue::Consume(size_t written) {
  size_t left = written;
  while (left > 0 && !blocks_.empty()) {
    std::string& front = blocks_.front();
    size_t avail = front.size() - front_offset_;
    if (left < avail) {
      front_offset_ += left;
      break;
    }
    left -= avail;
    front_offset_ = 0;
    if (blocks_.size() == 1) {
      front.clear();  // keep the tail block and its capacity
    } else {
      pending_ -= front.size();
      blocks_.pop_front();
    }
  }
  if (blocks_.size() == 1 && front_offset_ == blocks_.front().size()) {
    blocks_.front().clear();
    front_offset_ = 0;
  }
}

void OutputQueue::Trim() {
  if (!empty()) return;
  while (blocks_.size() > 1) blocks_.pop_back();
  pending_ = 0;
  front_offset_ = 0;
  if (!blocks_.empty() && blocks_.front().capacity() > kKeepCapacity) {
    std::string().swap(blocks_.front());
  }
}

}  // namespace tandem::server::net
