// OutputQueue: a connection's pending reply bytes, as a short list of blocks
// written with one writev. Replies to a whole batch of pipelined requests
// are gathered here and leave in one system call (memcached makes one per
// reply), which is where pipelined and multi-get workloads win.
//
// Blocks are capped so a large reply does not force one huge reallocation
// and copy of everything queued before it; drained blocks are kept for reuse.
#ifndef TANDEM_SERVER_NET_OUTPUT_QUEUE_H_
#define TANDEM_SERVER_NET_OUTPUT_QUEUE_H_

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <string>

#include "absl/functional/function_ref.h"

namespace tandem::server::net {

class OutputQueue {
 public:
  // The block replies are appended to. Starts a new block when the current
  // one has grown past the block size.
  std::string* Tail();
  // The block Tail() last returned, without starting a new one (null: none).
  std::string* LastBlock() { return blocks_.empty() ? nullptr : &blocks_.back(); }

  bool empty() const { return pending_ == 0 && PendingInTail() == 0; }
  size_t size() const;

  // writev as much as the socket takes. Returns bytes written, 0 if the
  // socket would block, or -1 on a socket error (errno set).
  ssize_t WriteTo(int fd);

  // Hands `write` the unsent bytes of the first block, at most `max`, and
  // drops what it took. `write` returns bytes taken, 0 (would block) or -1;
  // so does this. For TLS (SSL_write has no writev): a retry after 0 offers
  // the same bytes at least, as OpenSSL requires.
  ssize_t WriteFront(size_t max, absl::FunctionRef<ssize_t(const char*, size_t)> write);

  // Frees blocks beyond the first when the queue is empty and was large.
  void Trim();

 private:
  size_t PendingInTail() const;
  // Drops `written` bytes from the front.
  void Consume(size_t written);

  static constexpr size_t kBlockSize = 64 * 1024;
  static constexpr size_t kKeepCapacity = 256 * 1024;

  std::deque<std::string> blocks_;  // front is being written
  size_t front_offset_ = 0;         // bytes of blocks_.front() already sent
  size_t pending_ = 0;              // bytes in all blocks but the tail
};

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_OUTPUT_QUEUE_H_
