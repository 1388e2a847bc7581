// MutationLog: see mutation_log.h.
#include "replication/mutation_log.h"

#include <algorithm>
#include <string_view>

#include "replication/record_codec.h"

namespace tandem::replication {

uint64_t MutationLog::OnMutation(const server::storage::Mutation& m) {
  for (uint64_t n = drop_next_.load(std::memory_order_relaxed); n > 0;) {
    if (drop_next_.compare_exchange_weak(n, n - 1, std::memory_order_relaxed)) return end();
  }
  // The record's head (header, fields, key) is encoded here, outside the
  // lock, its checksum over the value too; the value goes from the item's
  // memory straight into the ring.
  thread_local std::string head;
  head.clear();
  EncodeMutationHead(FrameType::kRecord, m, &head);
  uint64_t end;
  {
    absl::MutexLock lock(&mu_);
    backlog_.Append(head, m.value);
    end = backlog_.end();
    end_.store(end, std::memory_order_release);
  }
  // A plain load first: while the link batches the flag stays set, and the
  // exchange (a locked read-modify-write) would only bounce its cache line.
  if (wake_ && !wake_pending_.load(std::memory_order_acquire) &&
      !wake_pending_.exchange(true, std::memory_order_acq_rel)) {
    wake_();
  }
  return end;
}

bool MutationLog::Contains(uint64_t offset) const {
  absl::MutexLock lock(&mu_);
  return backlog_.Contains(offset);
}

bool MutationLog::Read(uint64_t offset, size_t max, std::string* out) const {
  absl::MutexLock lock(&mu_);
  if (!backlog_.Contains(offset)) return false;
  // Whole frames only: the link writes heartbeats and acks between chunks,
  // and one landing inside a cut record would corrupt the stream.
  const size_t start = out->size();
  backlog_.CopyFrom(offset, std::max<size_t>(max, kFrameHeaderSize), out);
  const std::string_view got = std::string_view(*out).substr(start);
  size_t whole = WholeFramesPrefix(got);
  if (whole == 0 && !got.empty()) {
    // The first frame alone is over `max` (a big value): read just it.
    // Records are appended whole under mu_, so all of it is there.
    whole = FrameSizeAt(got);
    out->resize(start);
    backlog_.CopyFrom(offset, whole, out);
  }
  out->resize(start + whole);
  return true;
}

bool MutationLog::ReadInto(uint64_t offset, size_t max, size_t* read,
                           absl::FunctionRef<char*(size_t)> reserve) const {
  absl::MutexLock lock(&mu_);
  *read = 0;
  if (!backlog_.Contains(offset)) return false;
  // Whole frames only (see Read). Records are appended whole under mu_, so
  // everything up to the end is whole frames: the headers are walked only
  // when that is more than `max` (a link far behind), to cut there.
  const uint64_t end = backlog_.end();
  uint64_t at = end;
  if (end - offset > max) {
    at = offset;
    char header[kFrameHeaderSize];
    while (end - at >= kFrameHeaderSize) {
      backlog_.Peek(at, kFrameHeaderSize, header);
      const size_t frame = kFrameHeaderSize + FrameBodySize(std::string_view(header, sizeof(header)));
      if (at != offset && at + frame - offset > max) break;  // the first frame goes alone if it is bigger
      at += frame;
    }
  }
  const size_t n = static_cast<size_t>(at - offset);
  if (n == 0) return true;
  char* dst = reserve(n);
  if (dst == nullptr) return true;
  backlog_.Peek(offset, n, dst);
  *read = n;
  return true;
}

}  // namespace tandem::replication
