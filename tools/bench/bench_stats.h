// GroupStats: everything tandem-bench counts for one target group (one
// server, or the set of servers driven together) on one client thread.
//
// Each thread owns its own GroupStats per group and merges them at the end,
// so the counters are plain integers. Errors are split by kind because "the
// server answered SERVER_ERROR" and "the reply could not be parsed" call for
// different fixes; the first malformed reply is kept verbatim (escaped) so a
// broken server can be debugged from the bench report alone.
#ifndef TANDEM_TOOLS_BENCH_BENCH_STATS_H_
#define TANDEM_TOOLS_BENCH_BENCH_STATS_H_

#include <array>
#include <cstdint>
#include <string>

#include "tools/bench/latency_histogram.h"

namespace tandem::bench {

enum class ErrorKind : int {
  kMalformed,      // reply does not parse as memcached text protocol
  kUnexpectedKey,  // VALUE for a key that was not asked for (or out of order)
  kBadValue,       // hit with wrong flags, length or bytes
  kNotStored,      // set answered NOT_STORED
  kServerError,    // SERVER_ERROR ...
  kClientError,    // CLIENT_ERROR ...
  kError,          // ERROR
  kTimeout,        // no reply within --timeout-ms
  kConnection,     // peer closed or socket error
  kCount,
};

inline constexpr std::array<const char*, static_cast<int>(ErrorKind::kCount)> kErrorKindNames = {
    "malformed",    "unexpected_key", "bad_value", "not_stored", "server_error",
    "client_error", "error",          "timeout",   "connection"};

struct GroupStats {
  uint64_t requests = 0;  // completed requests (a multi-get counts once)
  uint64_t gets = 0;
  uint64_t sets = 0;
  uint64_t keys_requested = 0;  // keys asked for by gets
  uint64_t hits = 0;
  uint64_t misses = 0;
  std::array<uint64_t, static_cast<int>(ErrorKind::kCount)> errors{};
  std::string first_error;  // description + escaped bytes of the first error
  LatencyHistogram latency;

  uint64_t TotalErrors() const {
    uint64_t n = 0;
    for (uint64_t e : errors) n += e;
    return n;
  }

  void AddError(ErrorKind kind, const std::string& detail) {
    ++errors[static_cast<int>(kind)];
    if (first_error.empty()) first_error = detail;
  }

  // Clears throughput and latency counters (after warm-up); errors stay.
  void ResetCounters() {
    requests = gets = sets = keys_requested = hits = misses = 0;
    latency.Reset();
  }

  void Merge(const GroupStats& o) {
    requests += o.requests;
    gets += o.gets;
    sets += o.sets;
    keys_requested += o.keys_requested;
    hits += o.hits;
    misses += o.misses;
    for (size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
    if (first_error.empty()) first_error = o.first_error;
    latency.Merge(o.latency);
  }
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_BENCH_STATS_H_
