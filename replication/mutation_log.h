// MutationLog: the engine's MutationObserver on a replicating node. Each
// applied local mutation is encoded into one stream record and appended to
// the backlog, and the peer link is woken to send it (the alsoPropagate ->
// backlog path of redis, in one step).
//
// It runs on the worker threads with the item's lock held, so it must be
// cheap: the record's head (header, fields, key, and the checksum over the
// value too) is encoded outside any lock into a thread-local buffer, then
// one short mutex section copies the head and the value, from the item's
// own memory, into the ring (the value is copied once); the wake-up is
// coalesced with an atomic flag so a burst of writes costs one event_active.
// The link thread reads the stream back through ReadInto().
#ifndef TANDEM_REPLICATION_MUTATION_LOG_H_
#define TANDEM_REPLICATION_MUTATION_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "replication/backlog.h"
#include "server/storage/mutation_observer.h"

namespace tandem::replication {

class MutationLog : public server::storage::MutationObserver {
 public:
  explicit MutationLog(size_t backlog_bytes) : backlog_(backlog_bytes) {}

  // Called (from any thread) after each append when no wake-up is pending.
  void SetWake(std::function<void()> wake) { wake_ = std::move(wake); }
  // The link thread calls this before it drains, so the next append wakes it again.
  void ClearWake() { wake_pending_.store(false, std::memory_order_release); }
  // The link thread will read the log soon anyway (a batching timer): appends
  // until the next ClearWake do not wake it.
  void HoldWake() { wake_pending_.store(true, std::memory_order_release); }

  // Appends m's record; returns the stream end just after it (where a
  // --repl-sync reply waits for the peer's ack).
  uint64_t OnMutation(const server::storage::Mutation& m) override;

  // Test only (--debug-drop-outgoing-records): the next n mutations are
  // applied here but never enter the stream, so the peer misses them (what
  // anti-entropy exists to repair).
  void DropNext(uint64_t n) { drop_next_.store(n, std::memory_order_relaxed); }

  uint64_t end() const { return end_.load(std::memory_order_acquire); }
  // A warm restart: this node's stream continues from `end` (Backlog::ResumeAt).
  void ResumeAt(uint64_t end) {
    absl::MutexLock lock(&mu_);
    backlog_.ResumeAt(end);
    end_.store(backlog_.end(), std::memory_order_release);
  }
  bool Contains(uint64_t offset) const;
  // Appends whole frames of the stream from `offset` (a frame boundary) to
  // *out: up to max bytes, or the first frame alone when it is bigger.
  // False when the backlog no longer holds `offset` (the peer needs a full
  // copy).
  bool Read(uint64_t offset, size_t max, std::string* out) const;
  // The same frames, copied once, under the log's lock, into the n
  // contiguous bytes reserve(n) returns (space in the link's output
  // buffer), so a batch goes out as one piece: one TLS record and one send
  // where it fits, not one per piece of the ring. Sets *read to n; calls
  // reserve only when n > 0. A null from reserve (no memory) copies nothing
  // and sets *read to 0.
  bool ReadInto(uint64_t offset, size_t max, size_t* read, absl::FunctionRef<char*(size_t)> reserve) const;

 private:
  mutable absl::Mutex mu_;
  Backlog backlog_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> end_{0};
  std::atomic<bool> wake_pending_{false};
  std::atomic<uint64_t> drop_next_{0};
  std::function<void()> wake_;
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_MUTATION_LOG_H_
