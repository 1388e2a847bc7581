// SoakRun: the soak itself. It starts a replicated pair of tandemd on free
// loopback ports (symmetric `-x`/`-X` command lines), drives mixed load
// with connection churn through the client library for a bounded time,
// SIGKILLs a random node every `kill_every` and restarts it with its
// original command line after `down_time`, samples both nodes' resident
// memory once a second, and at the end waits (bounded) for the two nodes to
// hold the same content for every key of the key space.
#ifndef TANDEM_TOOLS_SOAK_SOAK_RUN_H_
#define TANDEM_TOOLS_SOAK_SOAK_RUN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/soak/soak_worker.h"

namespace tandem::soak {

struct SoakConfig {
  std::string tandemd;                           // path of the server binary
  std::vector<std::string> extra_server_args;    // appended to both nodes' flags
  absl::Duration duration = absl::Seconds(60);
  absl::Duration kill_every = absl::Seconds(20);  // zero: never kill
  absl::Duration down_time = absl::Seconds(2);
  absl::Duration converge_timeout = absl::Seconds(60);
  int threads = 4;
  int memory_mb = 256;       // -m of each node: the key space fits, so nothing is evicted
  int rss_overhead_mb = 100;  // allowed above -m (threads, hash table, buffers)
  KeySpace keys;
  bool deletes = true;
  uint64_t seed = 1;
  std::string log_dir;  // the nodes' stdout/stderr: node-a.log, node-b.log
};

struct NodeReport {
  int port = 0;
  int restarts = 0;
  int unexpected_exits = 0;
  uint64_t rss_max = 0;   // bytes, over the whole run
  uint64_t rss_last = 0;  // bytes, at the end
  uint64_t rss_warm = 0;  // bytes, max over the first half of the longest incarnation
};

struct SoakReport {
  uint64_t ops = 0, hits = 0, reconnects = 0;
  uint64_t unavailable = 0, malformed = 0, corrupt = 0, other_errors = 0;
  uint64_t indeterminate = 0;  // see WorkerCounters::indeterminate
  int threads = 0;
  int kills = 0;
  NodeReport a, b;
  bool converged = false;
  absl::Duration converge_time;
  size_t keys_present = 0;
  size_t cas_differs = 0;
  size_t only_a = 0, only_b = 0, value_differs = 0;
  std::string digest_a, digest_b;
  std::vector<std::string> diff_examples;
  std::vector<std::string> diff_details;  // both sides of the first few differing keys
  bool rss_within_bound = true;
  bool Passed() const;
};

absl::StatusOr<SoakReport> RunSoak(const SoakConfig& config);

// Human-readable report, one "key: value" line per figure, and a final
// "soak: PASS" or "soak: FAIL (reasons)".
std::string FormatReport(const SoakConfig& config, const SoakReport& report);

}  // namespace tandem::soak

#endif  // TANDEM_TOOLS_SOAK_SOAK_RUN_H_
