// SendBuffer: a connection's outgoing request bytes — a std::string that
// protocol/request_encoder appends to — and how much of it the socket has
// taken so far.
//
// Requests are appended at the tail and sent from the front. Once all of
// it is sent the string is cleared, keeping its capacity, so a busy
// connection stops allocating after its first batches; when a partial send
// leaves the sent front the larger part, that front is dropped, so a
// connection that is never fully drained does not grow without bound.
#ifndef TANDEM_TOOLS_BENCH_SEND_BUFFER_H_
#define TANDEM_TOOLS_BENCH_SEND_BUFFER_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace tandem::bench {

class SendBuffer {
 public:
  explicit SendBuffer(size_t initial_capacity) { bytes_.reserve(initial_capacity); }

  // Where new requests are appended.
  std::string* tail() { return &bytes_; }
  // The bytes not yet taken by the socket.
  std::string_view unsent() const { return std::string_view(bytes_).substr(sent_); }
  bool empty() const { return sent_ == bytes_.size(); }

  // The socket took the first n unsent bytes.
  void Consume(size_t n) {
    sent_ += n;
    if (sent_ == bytes_.size()) {
      Clear();
    } else if (sent_ >= bytes_.size() - sent_) {
      bytes_.erase(0, sent_);
      sent_ = 0;
    }
  }
  void Clear() {
    bytes_.clear();
    sent_ = 0;
  }

 private:
  std::string bytes_;
  size_t sent_ = 0;  // bytes_[0, sent_) are on the wire
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_SEND_BUFFER_H_
