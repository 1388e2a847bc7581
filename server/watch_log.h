// WatchLog: memcached's `watch` log streams (fetchers, mutations,
// evictions), fed by the workers and the engine, read by watcher
// connections.
//
// A worker that fetches or stores a key, or the engine evicting one, asks
// Wants(event) first: one relaxed atomic load, so nothing is formatted when
// nobody watches. A line is then appended to every interested watcher's
// own buffer (at most watcher_logbuf_size bytes, -o watcher_logbuf_size);
// a line that does not fit is dropped and counted, and the watcher's next
// line that fits is preceded by "skipped=N", as memcached reports a slow
// watcher. Nothing ever waits for a watcher: the producer only takes the
// watcher's short mutex and, if the watcher was idle, wakes its connection
// (Watcher::wake, which must be thread-safe, e.g. event_active).
//
// Lines are memcached 1.6.18's, ts=<sec>.<usec> (usec unpadded, as
// memcached prints it) and a gid counting every logged entry.
#ifndef TANDEM_SERVER_WATCH_LOG_H_
#define TANDEM_SERVER_WATCH_LOG_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/engine.h"

namespace tandem::server {

// Event kinds a watcher may ask for (memcached's LOG_* bits that tandem has).
enum WatchEvent : uint16_t {
  kWatchFetchers = 1 << 0,
  kWatchMutations = 1 << 1,
  kWatchEvictions = 1 << 2,
};

// One watcher connection's buffer.
class Watcher {
 public:
  Watcher(uint16_t events, size_t capacity) : events_(events), capacity_(capacity) {}

  uint16_t events() const { return events_; }
  // What Offer calls when lines arrive for an idle watcher (thread-safe,
  // e.g. event_active); null: nothing. The connection sets it once it owns
  // the watcher.
  void SetWake(std::function<void()> wake);
  // Producer side: appends `line` if it fits, else counts it skipped. True
  // when the line was taken.
  bool Offer(std::string_view line);
  // Consumer side: moves the buffered lines into *out and re-arms the wake.
  void Drain(std::string* out);

 private:
  const uint16_t events_;
  const size_t capacity_;
  absl::Mutex mu_;
  std::function<void()> wake_ ABSL_GUARDED_BY(mu_);
  std::string buffer_ ABSL_GUARDED_BY(mu_);
  uint64_t skipped_ ABSL_GUARDED_BY(mu_) = 0;
  bool wake_pending_ ABSL_GUARDED_BY(mu_) = false;
};

class WatchLog final : public storage::EvictionListener {
 public:
  // memcached's WATCHER_LIMIT.
  static constexpr size_t kMaxWatchers = 20;

  explicit WatchLog(size_t watcher_buffer_bytes) : buffer_bytes_(watcher_buffer_bytes) {}

  // Null when kMaxWatchers are already watching.
  std::shared_ptr<Watcher> Add(uint16_t events);
  // After Remove returns, the watcher's wake is never called again.
  void Remove(const std::shared_ptr<Watcher>& watcher);

  bool Wants(WatchEvent event) const { return (mask_.load(std::memory_order_relaxed) & event) != 0; }

  // memcached's line formats; `key` is URI-encoded here.
  void ItemGet(std::string_view key, bool found, int class_id, int fd, size_t value_size);
  // status: stored, not_stored, exists, not_found, too_large, no_memory;
  // cmd: add, set, replace, append, prepend, cas; ttl: seconds left, 0 = none.
  void ItemStore(std::string_view key, std::string_view status, std::string_view cmd, int64_t ttl,
                 int class_id, int fd, size_t value_size);
  // ttl: seconds left, -1 = never; last_access: seconds since.
  void Eviction(std::string_view key, bool fetched, int64_t ttl, int64_t last_access, int class_id,
                size_t value_size);

  // storage::EvictionListener: the engine's evictions, as Eviction lines.
  bool Wants() const override { return Wants(kWatchEvictions); }
  void OnEviction(std::string_view key, bool fetched, int64_t ttl, int64_t last_access, int class_id,
                  size_t value_size) override {
    Eviction(key, fetched, ttl, last_access, class_id, value_size);
  }

  // memcached's `stats` fields log_watcher_skipped, log_watcher_sent, log_watchers.
  uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }
  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  size_t watchers() const;

 private:
  void Publish(WatchEvent event, std::string* line_after_prefix);

  const size_t buffer_bytes_;
  std::atomic<uint16_t> mask_{0};
  std::atomic<uint64_t> gid_{0};
  std::atomic<uint64_t> skipped_{0};
  std::atomic<uint64_t> sent_{0};
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<Watcher>> watchers_ ABSL_GUARDED_BY(mu_);
};

// memcached's uriencode: letters, digits and "-._~" stay, the rest is %XX.
void AppendUriEncoded(std::string* out, std::string_view key);

}  // namespace tandem::server

#endif  // TANDEM_SERVER_WATCH_LOG_H_
