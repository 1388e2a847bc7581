// Report: summary statistics, the human table and the JSON document.
#include "tools/bench/report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace tandem::bench {

namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Index k (0-based, into the sorted samples) of the lower end of a
// distribution-free 95% confidence interval for the median of n samples:
// x[k] lies above the median only if at most k samples fall below it, so
// take the largest k with P(Binomial(n, 1/2) <= k) <= 0.025; the interval
// is [x[k], x[n-1-k]]. With too few samples this degrades to min..max.
size_t MedianCiIndex(size_t n) {
  double cdf = 0;
  size_t k = 0;  // count of i with P(Bin <= i) <= 0.025
  for (size_t i = 0; i < n; ++i) {
    double log_p =
        std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(i) + 1) -
        std::lgamma(static_cast<double>(n - i) + 1) - static_cast<double>(n) * std::log(2.0);
    cdf += std::exp(log_p);
    if (cdf > 0.025) break;
    k = i + 1;
  }
  return k > 0 ? k - 1 : 0;
}

const char* Mode(const BenchConfig& config) {
  if (!config.cluster.empty()) return "cluster";
  return config.compare ? "compare" : "plain";
}

const char* DistributionName(client::Distribution d) {
  switch (d) {
    case client::Distribution::kKetama:
      return "ketama";
    case client::Distribution::kKetamaLibketama:
      return "ketama-libketama";
    case client::Distribution::kKetamaUnweighted:
      return "ketama-unweighted";
    case client::Distribution::kModula:
      return "modula";
  }
  return "?";
}

std::string ValueSizeText(const WorkloadSpec& w) {
  if (w.value_min == w.value_max) return absl::StrCat(w.value_max);
  return absl::StrCat(w.value_min, "-", w.value_max);
}

std::string KeysText(const WorkloadSpec& w) {
  switch (w.key_distribution) {
    case KeyDistribution::kZipf:
      return absl::StrFormat("zipf s=%g", w.zipf_s);
    case KeyDistribution::kGaussian:
      return w.key_stddev > 0 ? absl::StrFormat("gaussian stddev=%g", w.key_stddev)
                              : "gaussian stddev=keys/6";
    case KeyDistribution::kUniform:
      break;
  }
  return "uniform";
}

std::string GroupLabel(const BenchConfig& config, const BenchResult& result, size_t g) {
  // A cluster's list can be long: the runner names it by its shard count.
  if (!config.cluster.empty()) return result.target_label.empty() ? "ring" : result.target_label[0];
  const std::vector<Endpoint>& servers = config.groups[g];
  std::vector<std::string> labels;
  for (const Endpoint& e : servers) labels.push_back(e.label);
  return absl::StrJoin(labels, ",");
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c >= 0x7f) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

std::string JsonNumber(double v) { return absl::StrFormat("%.6g", v); }

std::string JsonGroup(std::string_view name, const GroupSummary& gs) {
  std::string kinds;
  for (const auto& [kind, n] : gs.error_kinds) {
    absl::StrAppendFormat(&kinds, "%s%s: %d", kinds.empty() ? "" : ", ", JsonString(kind),
                          static_cast<int64_t>(n));
  }
  return absl::StrFormat(
      "{\"name\": %s, \"label\": %s, \"ops_per_s\": %s, \"mean_ops_per_s\": %s, "
      "\"keys_per_s\": %s, \"p50_us\": %s, \"p90_us\": %s, \"p99_us\": %s, \"p999_us\": %s, "
      "\"max_us\": %s, "
      "\"mean_us\": %s, \"requests\": %d, \"gets\": %d, \"sets\": %d, \"hits\": %d, "
      "\"misses\": %d, \"hit_ratio\": %s, \"errors\": %d, \"error_kinds\": {%s}, "
      "\"connections_lost\": %d, \"first_error\": %s}",
      JsonString(name), JsonString(gs.label), JsonNumber(gs.requests_per_s),
      JsonNumber(gs.mean_requests_per_s), JsonNumber(gs.keys_per_s), JsonNumber(gs.p50_us),
      JsonNumber(gs.p90_us), JsonNumber(gs.p99_us), JsonNumber(gs.p999_us), JsonNumber(gs.max_us), JsonNumber(gs.mean_us),
      static_cast<int64_t>(gs.requests), static_cast<int64_t>(gs.gets),
      static_cast<int64_t>(gs.sets), static_cast<int64_t>(gs.hits), static_cast<int64_t>(gs.misses),
      JsonNumber(gs.hit_ratio), static_cast<int64_t>(gs.errors), kinds, gs.connections_lost,
      JsonString(gs.first_error));
}

// Latency, hit and error figures of one GroupStats; the caller sets rates.
GroupSummary Describe(std::string label, const GroupStats& st, int connections_lost) {
  GroupSummary gs;
  gs.label = std::move(label);
  gs.p50_us = static_cast<double>(st.latency.Percentile(0.5)) / 1e3;
  gs.p90_us = static_cast<double>(st.latency.Percentile(0.9)) / 1e3;
  gs.p99_us = static_cast<double>(st.latency.Percentile(0.99)) / 1e3;
  gs.p999_us = static_cast<double>(st.latency.Percentile(0.999)) / 1e3;
  gs.max_us = static_cast<double>(st.latency.max()) / 1e3;
  gs.mean_us = st.latency.mean() / 1e3;
  gs.hit_ratio =
      st.keys_requested ? static_cast<double>(st.hits) / static_cast<double>(st.keys_requested) : 0;
  gs.requests = st.requests;
  gs.gets = st.gets;
  gs.sets = st.sets;
  gs.hits = st.hits;
  gs.misses = st.misses;
  gs.errors = st.TotalErrors();
  gs.connections_lost = connections_lost;
  for (size_t k = 0; k < st.errors.size(); ++k) {
    if (st.errors[k]) gs.error_kinds.emplace_back(kErrorKindNames[k], st.errors[k]);
  }
  gs.first_error = st.first_error;
  return gs;
}

void SetRate(const GroupStats& st, double requests_per_s, double mean_requests_per_s,
             GroupSummary* gs) {
  gs->requests_per_s = requests_per_s;
  gs->mean_requests_per_s = mean_requests_per_s;
  double keys_per_req = st.requests ? static_cast<double>(st.keys_requested + st.sets) /
                                          static_cast<double>(st.requests)
                                    : 0;
  gs->keys_per_s = requests_per_s * keys_per_req;
}

}  // namespace

Summary Summarize(const BenchConfig& config, const BenchResult& result) {
  Summary s;
  const size_t ngroups = config.groups.size();
  std::vector<std::vector<double>> rates(ngroups);
  for (size_t p = 0; p < result.phases.size() && p < result.phase_rate.size(); ++p) {
    const Phase& ph = result.phases[p];
    if (ph.warmup) continue;
    rates[ph.group].push_back(result.phase_rate[p]);
  }
  for (size_t g = 0; g < ngroups; ++g) {
    const GroupStats& st = result.groups[g];
    GroupSummary gs = Describe(GroupLabel(config, result, g), st,
                               result.connections_lost.empty() ? 0 : result.connections_lost[g]);
    double sum = 0;
    for (double r : rates[g]) sum += r;
    SetRate(st, Median(rates[g]), rates[g].empty() ? 0 : sum / static_cast<double>(rates[g].size()),
            &gs);
    // Several servers in one group: break the group down per server. They
    // share the group's time window, so each gets its share of the rate.
    if (config.groups[g].size() > 1) {
      for (size_t t = 0; t < result.targets.size(); ++t) {
        if (result.target_group[t] != static_cast<int>(g)) continue;
        const GroupStats& ts = result.targets[t];
        GroupSummary one = Describe(result.target_label[t], ts, result.target_lost[t]);
        double share =
            st.requests ? static_cast<double>(ts.requests) / static_cast<double>(st.requests) : 0;
        SetRate(ts, gs.requests_per_s * share, gs.mean_requests_per_s * share, &one);
        s.servers.push_back(std::move(one));
      }
    }
    s.total_errors += gs.errors;
    const GroupStats& pre = result.preload[g];
    s.preload_errors += pre.TotalErrors();
    if (s.preload_first_error.empty()) s.preload_first_error = pre.first_error;
    s.groups.push_back(std::move(gs));
  }
  if (config.compare && ngroups == 2) {
    // Per measured round: A's and B's slot rate.
    std::vector<std::pair<double, double>> rounds;
    for (int r = config.warmup_rounds; r < config.rounds; ++r) {
      double a = 0, b = 0;
      for (size_t p = 0; p < result.phases.size() && p < result.phase_rate.size(); ++p) {
        if (result.phases[p].round != r) continue;
        (result.phases[p].group == 0 ? a : b) = result.phase_rate[p];
      }
      rounds.emplace_back(a, b);
    }
    // Two consecutive rounds run ABBA or BAAB: summing each side over the
    // block cancels any drift that is linear across the block, which a
    // single round (AB or BA) does not.
    for (size_t i = 0; i < rounds.size(); i += 2) {
      double a = rounds[i].first, b = rounds[i].second;
      if (i + 1 < rounds.size()) {
        a += rounds[i + 1].first;
        b += rounds[i + 1].second;
      }
      if (a > 0) s.block_ratios.push_back(b / a);
    }
    if (!s.block_ratios.empty()) {
      std::vector<double> sorted = s.block_ratios;
      std::sort(sorted.begin(), sorted.end());
      s.ratio_median = Median(sorted);
      s.ratio_min = sorted.front();
      s.ratio_max = sorted.back();
      size_t k = MedianCiIndex(sorted.size());
      s.ratio_ci_low = sorted[k];
      s.ratio_ci_high = sorted[sorted.size() - 1 - k];
    }
  }
  return s;
}

std::string FormatHuman(const BenchConfig& config, const BenchResult& result, const Summary& s) {
  const WorkloadSpec& w = config.workload;
  std::string out;
  const bool cluster = !config.cluster.empty();
  if (cluster) {
    absl::StrAppendFormat(&out,
                          "tandem-bench: %d connections through the client library to %s (%s "
                          "ring, one call in flight each)",
                          config.connections, config.cluster, DistributionName(config.distribution));
  } else {
    absl::StrAppendFormat(&out, "tandem-bench: %d connections%s, pipeline %d, %d thread%s",
                          config.connections, config.compare ? " per server" : "", config.pipeline,
                          config.threads, config.threads == 1 ? "" : "s");
  }
  absl::StrAppendFormat(&out,
                        "; gets %.0f%%, multiget %d, %d keys x %d B (%s), values %s B, %s "
                        "protocol\n",
                        w.get_ratio * 100, w.multiget, static_cast<int64_t>(w.keys), w.key_size,
                        KeysText(w), ValueSizeText(w), ProtocolName(w.protocol));
  if (config.preload || config.preload_only) {
    absl::StrAppendFormat(&out, "preload: %d keys %s in %.2f s%s\n", static_cast<int64_t>(w.keys),
                          cluster ? "over the ring" : "per server", result.preload_seconds,
                          result.preload_complete ? "" : " (INCOMPLETE: timed out or failed)");
  }
  if (s.preload_errors) {
    absl::StrAppendFormat(&out, "preload errors: %d (first: %s)\n",
                          static_cast<int>(s.preload_errors), s.preload_first_error);
  }
  if (config.preload_only) return out;
  if (config.compare) {
    absl::StrAppendFormat(&out,
                          "compare: %d rounds of 2 x %d ms slots in ABBA order, %d warm-up "
                          "round%s excluded; req/s is the median slot\n",
                          config.rounds, config.slot_ms, config.warmup_rounds,
                          config.warmup_rounds == 1 ? "" : "s");
  } else if (config.requests > 0) {
    absl::StrAppendFormat(&out, "requests: %d, at most %.1f s (measured %.2f s)\n",
                          static_cast<int64_t>(config.requests), config.duration_s,
                          result.elapsed_s);
  } else {
    absl::StrAppendFormat(&out, "duration: %.1f s (measured %.2f s)\n", config.duration_s,
                          result.elapsed_s);
  }
  absl::StrAppendFormat(&out, "\n   %-24s %12s %12s %9s %9s %9s %9s %7s %10s %8s\n", "server",
                        "req/s", "keys/s", "p50 us", "p90 us", "p99 us", "p99.9 us", "hit %",
                        "misses", "errors");
  auto row = [&out](std::string_view tag, std::string_view label, const GroupSummary& gs) {
    absl::StrAppendFormat(&out, "%s  %-24s %12.0f %12.0f %9.1f %9.1f %9.1f %9.1f %7.2f %10d %8d\n",
                          tag, label, gs.requests_per_s, gs.keys_per_s, gs.p50_us, gs.p90_us,
                          gs.p99_us, gs.p999_us, gs.hit_ratio * 100,
                          static_cast<int64_t>(gs.misses), static_cast<int64_t>(gs.errors));
  };
  for (const GroupSummary& one : s.servers) row(" ", one.label, one);
  for (size_t g = 0; g < s.groups.size(); ++g) {
    const GroupSummary& gs = s.groups[g];
    std::string tag = config.compare ? (g == 0 ? "A" : "B") : " ";
    row(tag, s.servers.empty() ? gs.label : "all", gs);
  }
  if (config.compare) {
    absl::StrAppendFormat(&out,
                          "\nB/A req/s ratio: median %.3f over %d ABBA blocks, 95%% CI %.3f-%.3f "
                          "(min %.3f, max %.3f)\n",
                          s.ratio_median, static_cast<int>(s.block_ratios.size()), s.ratio_ci_low,
                          s.ratio_ci_high, s.ratio_min, s.ratio_max);
  }
  for (const GroupSummary& gs : s.servers.empty() ? s.groups : s.servers) {
    if (gs.errors == 0 && gs.connections_lost == 0) continue;
    std::vector<std::string> kinds;
    for (const auto& [name, n] : gs.error_kinds) kinds.push_back(absl::StrCat(name, "=", n));
    absl::StrAppendFormat(&out, "\nERRORS on %s: %s; connections lost: %d\n  first: %s\n", gs.label,
                          absl::StrJoin(kinds, " "), gs.connections_lost, gs.first_error);
  }
  return out;
}

std::string FormatJson(const BenchConfig& config, const BenchResult& result, const Summary& s) {
  const WorkloadSpec& w = config.workload;
  std::string out = "{\n";
  absl::StrAppend(&out, "  \"mode\": ", JsonString(Mode(config)), ",\n");
  absl::StrAppendFormat(
      &out,
      "  \"config\": {\"connections\": %d, \"pipeline\": %d, \"threads\": %d, "
      "\"get_ratio\": %s, \"keys\": %d, \"key_size\": %d, \"value_size\": %d, "
      "\"value_size_min\": %d, \"value_size_max\": %d, \"key_distribution\": \"%s\", "
      "\"zipf_s\": %s, \"key_stddev\": %s, \"multiget\": %d, \"duration_s\": %s, "
      "\"requests\": %d, \"slot_ms\": %d, \"rounds\": %d, \"warmup_rounds\": %d, "
      "\"preload\": %s, \"protocol\": \"%s\", \"cluster\": %s, \"distribution\": %s},\n",
      config.connections, config.pipeline, config.threads, JsonNumber(w.get_ratio),
      static_cast<int64_t>(w.keys), w.key_size, w.value_max, w.value_min, w.value_max,
      KeyDistributionName(w.key_distribution), JsonNumber(w.zipf_s), JsonNumber(w.key_stddev),
      w.multiget, JsonNumber(config.duration_s), static_cast<int64_t>(config.requests),
      config.slot_ms, config.rounds, config.warmup_rounds,
      (config.preload || config.preload_only) ? "true" : "false", ProtocolName(w.protocol),
      JsonString(config.cluster),
      config.cluster.empty() ? "null" : JsonString(DistributionName(config.distribution)));
  absl::StrAppendFormat(&out,
                        "  \"preload\": {\"seconds\": %s, \"complete\": %s, \"errors\": %d, "
                        "\"first_error\": %s},\n",
                        JsonNumber(result.preload_seconds),
                        result.preload_complete ? "true" : "false",
                        static_cast<int64_t>(s.preload_errors), JsonString(s.preload_first_error));
  absl::StrAppend(&out, "  \"elapsed_s\": ", JsonNumber(result.elapsed_s), ",\n");
  out += "  \"servers\": [\n";
  for (size_t g = 0; g < s.groups.size(); ++g) {
    absl::StrAppend(&out, "    ",
                    JsonGroup(config.compare ? (g == 0 ? "A" : "B") : "all", s.groups[g]),
                    g + 1 < s.groups.size() ? ",\n" : "\n");
  }
  out += "  ],\n  \"per_server\": [\n";
  for (size_t t = 0; t < s.servers.size(); ++t) {
    absl::StrAppend(&out, "    ", JsonGroup(s.servers[t].label, s.servers[t]),
                    t + 1 < s.servers.size() ? ",\n" : "\n");
  }
  out += "  ],\n";
  std::vector<std::string> ratios;
  for (double r : s.block_ratios) ratios.push_back(JsonNumber(r));
  absl::StrAppendFormat(&out,
                        "  \"ratio\": {\"median\": %s, \"ci95_low\": %s, \"ci95_high\": %s, "
                        "\"min\": %s, \"max\": %s, \"blocks\": [%s]},\n",
                        JsonNumber(s.ratio_median), JsonNumber(s.ratio_ci_low),
                        JsonNumber(s.ratio_ci_high), JsonNumber(s.ratio_min),
                        JsonNumber(s.ratio_max), absl::StrJoin(ratios, ", "));
  std::vector<std::string> slots;
  for (size_t p = 0; p < result.phases.size() && p < result.phase_rate.size(); ++p) {
    const Phase& ph = result.phases[p];
    slots.push_back(
        absl::StrFormat("{\"round\": %d, \"server\": \"%s\", \"warmup\": %s, "
                        "\"ops_per_s\": %s}",
                        ph.round, ph.group == 0 ? "A" : "B", ph.warmup ? "true" : "false",
                        JsonNumber(result.phase_rate[p])));
  }
  absl::StrAppend(&out, "  \"slots\": [", absl::StrJoin(slots, ",\n            "), "],\n");
  absl::StrAppendFormat(&out, "  \"errors\": %d\n}\n", static_cast<int64_t>(s.total_errors));
  return out;
}

}  // namespace tandem::bench
