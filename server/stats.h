// Server statistics: per-thread command counters (each written by one worker
// thread only, read by any), connection counters, and the `stats` reports
// built from them, the settings and the engine, with memcached's field names.
//
// Counters are single-writer relaxed atomics: an increment is a plain load
// and store on the worker's own cache line, with no locked instruction, and
// a `stats` reader on another thread still sees whole values. `stats reset`
// cannot zero another thread's counters safely, so it records a baseline
// that reports subtract.
#ifndef TANDEM_SERVER_STATS_H_
#define TANDEM_SERVER_STATS_H_

#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "protocol/result.h"
#include "server/settings.h"

namespace tandem::server {

namespace storage {
class Engine;
}  // namespace storage

// Every per-thread counter, in the order `stats` prints them.
#define TANDEM_THREAD_COUNTERS(X) \
  X(cmd_get)                      \
  X(cmd_set)                      \
  X(cmd_flush)                    \
  X(cmd_touch)                    \
  X(cmd_meta)                     \
  X(get_hits)                     \
  X(get_misses)                   \
  X(delete_misses)                \
  X(delete_hits)                  \
  X(incr_misses)                  \
  X(incr_hits)                    \
  X(decr_misses)                  \
  X(decr_hits)                    \
  X(cas_misses)                   \
  X(cas_hits)                     \
  X(cas_badval)                   \
  X(touch_hits)                   \
  X(touch_misses)                 \
  X(store_too_large)              \
  X(store_no_memory)              \
  X(auth_cmds)                    \
  X(auth_errors)                  \
  X(bytes_read)                   \
  X(bytes_written)                \
  X(conn_yields)                  \
  X(idle_kicks)

class Counter {
 public:
  void Add(uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void Inc() { Add(1); }
  uint64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct alignas(64) ThreadStats {
#define TANDEM_DECLARE_COUNTER(name) Counter name;
  TANDEM_THREAD_COUNTERS(TANDEM_DECLARE_COUNTER)
#undef TANDEM_DECLARE_COUNTER
};

// A plain copy of the counters (sum over threads, minus the reset baseline).
struct CounterTotals {
#define TANDEM_DECLARE_TOTAL(name) uint64_t name = 0;
  TANDEM_THREAD_COUNTERS(TANDEM_DECLARE_TOTAL)
#undef TANDEM_DECLARE_TOTAL
};

// One line of `stats conns`.
struct ConnectionInfo {
  int fd = -1;
  std::string addr;         // "tcp:1.2.3.4:5678" / "unix:/path"
  std::string listen_addr;  // the listener it came through
  std::atomic<const char*> state{"conn_new_cmd"};
  std::atomic<uint32_t> last_cmd_time{0};  // clock seconds
};

class ServerStats {
 public:
  ServerStats(const Settings& settings, int num_threads);

  ThreadStats& thread(int i) { return *threads_[i]; }

  // Connection accounting (called by the listener and connections).
  std::atomic<uint64_t> curr_connections{0};
  std::atomic<uint64_t> total_connections{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> connection_structures{0};
  std::atomic<uint64_t> listen_disabled_num{0};
  std::atomic<bool> accepting_conns{true};
  // -Z (server/net/tls_context): TLS handshakes that failed, sessions issued
  // with ssl_session_cache, and when the certificates were last loaded
  // (process clock seconds).
  std::atomic<uint64_t> ssl_handshake_errors{0};
  std::atomic<uint64_t> ssl_new_sessions{0};
  std::atomic<uint32_t> ssl_cert_refresh_time{0};

  void RegisterConnection(const ConnectionInfo* info);
  void UnregisterConnection(const ConnectionInfo* info);

  CounterTotals Totals() const;
  void Reset();

  // Each appends the fields of one report: `stats`, `stats settings`,
  // `stats conns`, with memcached's names and order.
  void GeneralReport(const storage::Engine& engine, uint32_t uptime, int64_t now_unix,
                     protocol::StatList* out) const;
  void SettingsReport(protocol::StatList* out) const;
  void ConnsReport(uint32_t now, protocol::StatList* out) const;

 private:
  const Settings& settings_;
  std::vector<std::unique_ptr<ThreadStats>> threads_;
  mutable absl::Mutex mu_;
  CounterTotals baseline_ ABSL_GUARDED_BY(mu_);
  std::vector<const ConnectionInfo*> conns_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_STATS_H_
