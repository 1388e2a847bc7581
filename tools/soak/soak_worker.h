// SoakWorker: one load thread of the soak. It drives a mixed workload
// (get, set, add, delete, append, incr, touch, multi-get) through the client
// library against the pair, as an application would, and checks every
// answer: values must be the key's own self-checking bytes (soak_values.h),
// and no request may fail while at least one node of the pair is up.
// Every `churn_ops` requests it drops its client and its connections and
// makes a new one, so connection setup and teardown are soaked too.
#ifndef TANDEM_TOOLS_SOAK_SOAK_WORKER_H_
#define TANDEM_TOOLS_SOAK_SOAK_WORKER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace tandem::soak {

// The key space, shared by the workers and the final comparison.
struct KeySpace {
  uint32_t plain = 20000;    // "s:N": set/get/add/delete/touch
  uint32_t appended = 2000;  // "a:N": append chunks
  uint32_t counters = 2000;  // "n:N": incr
  std::vector<std::string> AllKeys() const;
};

struct WorkerOptions {
  std::string servers;  // client config, e.g. "127.0.0.1:1/127.0.0.1:2"
  KeySpace keys;
  size_t min_value = 10;
  size_t max_value = 2000;
  uint64_t churn_ops = 2000;
  bool deletes = true;  // off: the delete share goes to sets
  uint64_t seed = 1;
};

// Counters a worker adds to while it runs; read by the reporter.
struct WorkerCounters {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> reconnects{0};
  // A request that failed although a node was up (Unavailable, deadline).
  std::atomic<uint64_t> unavailable{0};
  // SERVER_ERROR or a reply the client could not parse.
  std::atomic<uint64_t> malformed{0};
  // A value that is not its key's own (wrong key, torn, wrong length).
  std::atomic<uint64_t> corrupt{0};
  std::atomic<uint64_t> other_errors{0};
  // A command forwarded to the key's owner node, which was killed before it
  // answered: SERVER_ERROR, outcome unknown (as for a memcached that dies
  // mid-request). Each worker has one request in flight, so a kill can
  // cause at most one per worker.
  std::atomic<uint64_t> indeterminate{0};
};

// Runs until `stop` is set. Error details (the first few) go to stderr.
void RunWorker(const WorkerOptions& options, const std::atomic<bool>& stop, WorkerCounters& counters);

}  // namespace tandem::soak

#endif  // TANDEM_TOOLS_SOAK_SOAK_WORKER_H_
