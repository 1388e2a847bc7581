// ByteBuffer: a growable byte range with a consumed front, used for each
// connection's incoming reply bytes (outgoing requests: SendBuffer).
//
// std::string would do, but the bench needs "recv at the tail, consume at
// the front, compact only when the front gets large" without zero-filling
// the tail before every recv(); this is that and nothing more.
#ifndef TANDEM_TOOLS_BENCH_BYTE_BUFFER_H_
#define TANDEM_TOOLS_BENCH_BYTE_BUFFER_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace tandem::bench {

class ByteBuffer {
 public:
  explicit ByteBuffer(size_t initial_capacity = 64 * 1024)
      : data_(new char[initial_capacity]), capacity_(initial_capacity) {}

  const char* begin() const { return data_.get() + head_; }
  size_t size() const { return tail_ - head_; }
  bool empty() const { return head_ == tail_; }
  std::string_view view() const { return {begin(), size()}; }

  // Drops n bytes from the front.
  void Consume(size_t n) {
    head_ += n;
    if (head_ == tail_) head_ = tail_ = 0;
  }
  void Clear() { head_ = tail_ = 0; }

  // Returns a pointer to at least n writable bytes at the tail; call
  // Commit() with how many were written.
  char* Reserve(size_t n) {
    if (capacity_ - tail_ < n) Grow(n);
    return data_.get() + tail_;
  }
  size_t writable() const { return capacity_ - tail_; }
  void Commit(size_t n) { tail_ += n; }

 private:
  void Grow(size_t n) {
    // Compact first; reallocate only if the live bytes plus n do not fit.
    size_t live = size();
    if (head_ != 0 && capacity_ - live >= n && live <= capacity_ / 2) {
      std::memmove(data_.get(), data_.get() + head_, live);
    } else {
      size_t cap = capacity_;
      while (cap - live < n) cap *= 2;
      std::unique_ptr<char[]> bigger(new char[cap]);
      std::memcpy(bigger.get(), data_.get() + head_, live);
      data_ = std::move(bigger);
      capacity_ = cap;
    }
    head_ = 0;
    tail_ = live;
  }

  std::unique_ptr<char[]> data_;
  size_t capacity_;
  size_t head_ = 0;
  size_t tail_ = 0;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_BYTE_BUFFER_H_
