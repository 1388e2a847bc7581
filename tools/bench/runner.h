// Runner: turns a BenchConfig into client threads, connections and a
// schedule of timed phases, runs them, and collects the results.
//
// A run is a list of phases, each driving one target group for a fixed
// slice of wall-clock time. A plain run has one phase (the whole duration,
// all servers in one group). A comparison run has two groups, A and B, and
// alternates between them in short slots, ordered ABBA (round r runs A then
// B when r is even, B then A when odd) so that a machine whose speed drifts
// within seconds affects both sides alike; every two rounds (an ABBA or BAAB
// block) yield one B/A ratio that is immune to linear drift (report.cc).
// At the end of a phase a thread stops issuing and drains its in-flight
// requests before the next phase starts, so each phase's throughput is
// completions over the thread's own window and no two groups ever compete.
//
// Each thread owns an epoll set and a share of every group's connections;
// threads share nothing but the schedule's start time.
#ifndef TANDEM_TOOLS_BENCH_RUNNER_H_
#define TANDEM_TOOLS_BENCH_RUNNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "client/ring.h"
#include "tools/bench/bench_stats.h"
#include "tools/bench/endpoint.h"
#include "tools/bench/workload.h"

namespace tandem::bench {

struct BenchConfig {
  // One entry per target group: a plain run has one group (possibly many
  // servers), a comparison run has exactly two groups of one server each.
  // A cluster run has one group with no endpoints: `cluster` names it.
  std::vector<std::vector<Endpoint>> groups;
  bool compare = false;
  std::string cluster;  // cluster mode: the client library's server list
  client::Distribution distribution = client::Distribution::kKetama;
  int connections = 50;  // plain: total; compare: per group
  int pipeline = 1;
  WorkloadSpec workload;
  double duration_s = 10;
  uint64_t requests = 0;  // plain and cluster: stop after this many (0: no cap)
  bool progress = false;  // a line a second on stderr while running
  bool progress_tty = false;  // ...rewritten in place (stderr is a terminal)
  bool preload = false;
  bool preload_only = false;
  double preload_timeout_s = 60;
  int threads = 2;
  int slot_ms = 250;
  int rounds = 20;
  int warmup_rounds = 1;
  int timeout_ms = 5000;
  uint64_t seed = 1;
  bool tls = false;    // --tls: every connection speaks TLS (servers under -Z)
  std::string tls_ca;  // --tls-ca: verify the servers against this CA (default: no verification)
};

struct Phase {
  int group = 0;
  int round = 0;
  bool warmup = false;
  uint64_t start_offset_ns = 0;  // from the schedule's start
  uint64_t end_offset_ns = 0;
};

struct BenchResult {
  std::string fatal;               // non-empty: setup failed
  std::vector<GroupStats> groups;  // timed phases, warm-up excluded
  // The same per server ("target": every server of every group, in order).
  std::vector<GroupStats> targets;
  std::vector<int> target_group;
  std::vector<std::string> target_label;
  std::vector<int> target_lost;
  std::vector<GroupStats> preload;    // preload traffic per group
  std::vector<int> connections_lost;  // per group
  double preload_seconds = 0;
  bool preload_complete = true;
  std::vector<Phase> phases;
  std::vector<double> phase_rate;        // requests/s per phase, all threads
  std::vector<uint64_t> phase_requests;  // completions per phase
  double elapsed_s = 0;                  // timed phases only
};

std::vector<Phase> BuildSchedule(const BenchConfig& config);
// Plain and compare runs over raw sockets (this file); cluster runs are
// RunCluster (cluster_runner.h).
BenchResult RunBench(const BenchConfig& config);

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_RUNNER_H_
