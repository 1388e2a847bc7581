// Backlog: the last N bytes of this node's replication stream, addressed by
// stream offset (redis's repl_backlog).
//
// The stream is an unbounded sequence of encoded frames; offset 0 is its
// first byte. The backlog keeps the window [start, end) in a ring of
// `capacity` bytes; appending past capacity advances start and overwrites
// the oldest bytes. A peer that reconnects asking for offset O gets a
// partial resync when start <= O <= end, and a full copy otherwise.
//
// Size. The ring is --repl-backlog bytes, so a slow or absent peer costs at
// most that much, with one exception: a single write larger than the ring
// (a record of a value bigger than the backlog, possible with a large -I)
// would keep only its own tail, and the link, which sends whole records
// only, could never send it: every such write would drop the link into a
// full copy. So the ring grows, keeping its window, to that record plus
// the configured size, and stays there: the bound is --repl-backlog plus
// the largest record ever written (itself bounded by -I). Not thread-safe:
// mutation_log serialises it.
#ifndef TANDEM_REPLICATION_BACKLOG_H_
#define TANDEM_REPLICATION_BACKLOG_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace tandem::replication {

class Backlog {
 public:
  explicit Backlog(size_t capacity);
  Backlog(const Backlog&) = delete;
  Backlog& operator=(const Backlog&) = delete;

  // Appends; a write larger than the ring first grows it (see above).
  void Append(std::string_view bytes);
  // Appends `head` then `tail`, as one write (a record's head and its value).
  void Append(std::string_view head, std::string_view tail);

  uint64_t start() const { return end_ - size_; }
  uint64_t end() const { return end_; }
  // A warm restart (-e): the stream goes on from `end`, which an earlier
  // process of this node reached; the bytes before it are gone. Only on an
  // empty backlog.
  void ResumeAt(uint64_t end) {
    if (size_ != 0) return;
    end_ = end;
    end_pos_ = static_cast<size_t>(end_ % capacity_);
  }
  size_t capacity() const { return capacity_; }
  // Whether the stream can be resent from `offset` (offset == end is "up to date").
  bool Contains(uint64_t offset) const { return offset >= start() && offset <= end_; }

  // Appends up to `max` bytes of the stream starting at `offset` to *out;
  // returns how many. Requires Contains(offset).
  size_t CopyFrom(uint64_t offset, size_t max, std::string* out) const;
  // Copies n bytes at `offset` to dst; requires [offset, offset + n) in the window.
  void Peek(uint64_t offset, size_t n, char* dst) const;
  // Calls fn(data, size) for the one or two pieces of the ring that hold
  // [offset, offset + n), in order, without copying; requires them in the window.
  template <typename Fn>
  void ForEachPiece(uint64_t offset, size_t n, Fn&& fn) const {
    while (n > 0) {
      const size_t pos = static_cast<size_t>(offset % capacity_);
      const size_t piece = n < capacity_ - pos ? n : capacity_ - pos;
      fn(ring_.get() + pos, piece);
      offset += piece;
      n -= piece;
    }
  }

 private:
  // Copies `bytes` to the ring at end_ onwards; requires bytes.size() <= capacity_.
  void Write(std::string_view bytes);
  // Re-allocates the ring at `capacity` bytes, keeping the window.
  void Grow(size_t capacity);

  const size_t base_capacity_;  // --repl-backlog
  size_t capacity_;
  std::unique_ptr<char[]> ring_;  // byte at stream offset o lives at ring_[o % capacity_]
  uint64_t end_ = 0;
  size_t end_pos_ = 0;  // end_ % capacity_, kept so that appends never divide
  size_t size_ = 0;
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_BACKLOG_H_
