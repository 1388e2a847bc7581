// Report: turns a BenchResult into the human table tandem-bench prints and
// the --json document scripts read (tools/scripts/compare-memcached).
//
// Both views come from one Summary so they cannot disagree. Throughput in a
// comparison is the median over the measured slots of each side (robust to
// the machine's drift); the headline number is the median over ABBA blocks
// (two consecutive rounds) of the block's B/A ratio, with a 95% confidence interval for that median
// and the min and max to show the noise.
#ifndef TANDEM_TOOLS_BENCH_REPORT_H_
#define TANDEM_TOOLS_BENCH_REPORT_H_

#include <string>
#include <vector>

#include "tools/bench/runner.h"

namespace tandem::bench {

struct GroupSummary {
  std::string label;
  double requests_per_s = 0;  // plain: whole run; compare: median slot
  double mean_requests_per_s = 0;
  double keys_per_s = 0;  // gets' keys + sets, at requests_per_s
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
  double hit_ratio = 0;  // hits / keys requested
  uint64_t requests = 0, gets = 0, sets = 0, hits = 0, misses = 0, errors = 0;
  int connections_lost = 0;
  std::vector<std::pair<std::string, uint64_t>> error_kinds;  // non-zero only
  std::string first_error;
};

struct Summary {
  std::vector<GroupSummary> groups;
  // Per server, only for groups of several servers (plain mode with more
  // than one --server); their rates are shares of the group's rate.
  std::vector<GroupSummary> servers;
  std::vector<double> block_ratios;  // compare: B/A per two measured rounds
  double ratio_median = 0, ratio_min = 0, ratio_max = 0;
  // Distribution-free 95% confidence interval of the median ratio, from
  // order statistics (binomial); equal to min..max when blocks are few.
  double ratio_ci_low = 0, ratio_ci_high = 0;
  uint64_t total_errors = 0;
  uint64_t preload_errors = 0;
  std::string preload_first_error;
};

Summary Summarize(const BenchConfig& config, const BenchResult& result);
std::string FormatHuman(const BenchConfig& config, const BenchResult& result, const Summary& s);
std::string FormatJson(const BenchConfig& config, const BenchResult& result, const Summary& s);

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_REPORT_H_
