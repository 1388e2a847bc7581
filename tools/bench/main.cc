// tandem-bench: a closed-loop load generator for memcached's text, meta and
// binary protocols, an A/B comparison harness for two servers, and a load
// generator for a whole ring of shards through the client library.
//
// This file only parses flags (getopt_long, to keep the link small) into a
// BenchConfig, runs it and prints the report. Every run is bounded in time:
// --duration has a default and a hard cap (which also bounds a --requests
// run), and so do preload and the comparison schedule. Exit status: 0 clean run, 1 bad usage or setup
// failure, 2 the run completed but some replies were errors or malformed.
#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/bench/cluster_runner.h"
#include "tools/bench/report.h"
#include "tools/bench/runner.h"
#include "tools/bench/workload.h"

namespace tandem::bench {
namespace {

constexpr double kMaxSeconds = 300;  // hard cap for any timed part of a run

constexpr const char* kUsage = R"(usage: tandem-bench --server=HOST:PORT [options]
       tandem-bench --compare=HOST:PORT,HOST:PORT [options]
       tandem-bench --cluster=LIST [options]

Closed-loop load for memcached's text, meta or binary protocol. Every reply is validated;
misses are counted, malformed or error replies are reported as errors.

targets
  --server=HOST:PORT     server to load (repeatable, or a comma list);
                         connections are spread over them round-robin
  --compare=A,B          comparison mode: drive A and B alternately in short
                         slots (ABBA order) and report the median B/A ratio
  --cluster=LIST         load a ring of shards through the client library;
                         LIST as the client's: HOST:PORT[/HOST:PORT][:WEIGHT],...
                         Each connection is a thread making one call at a time
                         (the client API is synchronous): no --pipeline or
                         --threads, text protocol only
  --distribution=D       cluster: ketama, ketama-libketama or modula [ketama]
connections
  --connections=N        total connections (compare: per server) [50]
  --pipeline=D           requests in flight per connection [1]
  --threads=T            client threads, each with its own epoll set [min(2, cores)]
  --timeout-ms=MS        a request unanswered this long is an error [5000]
workload
  --get-ratio=R          fraction of requests that are gets [0.9]
  --keys=N               key space size [100000]
  --key-size=B           bytes per key, "key:" + zero-padded index [16]
  --value-size=B|MIN-MAX bytes per value, or uniform in MIN..MAX [100]
  --key-distribution=D   uniform, gaussian (centred mid key space) or zipf
                         (key 0 hottest) [uniform]
  --zipf-s=S             zipf exponent, in (0, 10] [0.99]
  --key-stddev=N         gaussian standard deviation in keys [keys/6]
  --multiget=M           keys per get request [1]
  --protocol=P           text, meta (mg/ms; multiget: M x "mg k v f q" + mn)
                         or binary (GETK/SET; multiget: M x GETKQ + NOOP) [text]
  --tls                  speak TLS to every server (started with -Z); each
                         connection's handshake happens before the run
  --tls-ca=FILE          with --tls: verify the servers against this CA
                         [no verification]
  --preload              set every key once on every server (cluster: once)
  --preload-only         preload, report, and exit
  --preload-timeout=S    give up preloading after S seconds [60]
  --seed=N               random seed [1]
timing
  --duration=S           plain mode run time, and compare mode total time
                         when --rounds is not given [10]; at most 300
  --requests=N           plain and cluster: stop after N requests in all
                         (a multi-get is one), or at --duration if given
                         first [300 s cap]
  --slot-ms=MS           compare: length of one slot [250]
  --rounds=R             compare: number of A+B rounds [duration / (2 * slot)]
  --warmup-rounds=W      compare: leading rounds left out of the report [1]
output
  --json                 print a JSON document instead of the table
  --progress             a line a second on stderr (ops/s, hits, errors,
                         elapsed); on by default when stderr is a terminal
  --help

In compare mode the B/A ratio is computed per ABBA block (two rounds), which
cancels drift that is linear across the block; the report gives the median
over blocks and a 95% confidence interval for it.

exit status: 0 clean, 1 usage or setup error, 2 some replies were errors

examples
  tandem-bench --server=127.0.0.1:11211 --preload --duration=10
  tandem-bench --server=127.0.0.1:11211 --pipeline=16 --multiget=10 --json
  tandem-bench --compare=127.0.0.1:11211,127.0.0.1:11311 --preload --slot-ms=100
  tandem-bench --server=127.0.0.1:11211 --requests=100000 --key-distribution=zipf --value-size=10-1000
  tandem-bench --cluster=127.0.0.1:11211,127.0.0.1:11311/127.0.0.1:11411 --multiget=10
)";

int Usage(const std::string& error) {
  std::fprintf(stderr, "tandem-bench: %s\n(see tandem-bench --help)\n", error.c_str());
  return 1;
}

// Everything a flag can set. Flags are one table of (name, target) rows;
// getopt_long's option array is built from it, so a flag is added in one
// place.
struct ParsedFlags {
  BenchConfig config;
  std::string servers;  // accumulated --server values, comma-joined
  std::string compare;
  std::string cluster;
  std::string protocol = "text";
  std::string value_size = "100";
  std::string key_distribution = "uniform";
  std::string distribution = "ketama";
  bool json = false;
  bool progress = false;
  bool help = false;
  std::vector<std::string> given;  // names of the flags on the command line

  bool Given(std::string_view name) const {
    return std::find(given.begin(), given.end(), name) != given.end();
  }
};

using Target = std::variant<int*, uint64_t*, double*, bool*, std::string*>;

struct FlagRow {
  const char* name;
  Target target;
};

std::vector<FlagRow> FlagTable(ParsedFlags* f) {
  BenchConfig& c = f->config;
  WorkloadSpec& w = c.workload;
  return {
      {"server", &f->servers},
      {"compare", &f->compare},
      {"cluster", &f->cluster},
      {"distribution", &f->distribution},
      {"connections", &c.connections},
      {"pipeline", &c.pipeline},
      {"threads", &c.threads},
      {"timeout-ms", &c.timeout_ms},
      {"get-ratio", &w.get_ratio},
      {"keys", &w.keys},
      {"key-size", &w.key_size},
      {"value-size", &f->value_size},
      {"key-distribution", &f->key_distribution},
      {"zipf-s", &w.zipf_s},
      {"key-stddev", &w.key_stddev},
      {"multiget", &w.multiget},
      {"protocol", &f->protocol},
      {"tls", &c.tls},
      {"tls-ca", &c.tls_ca},
      {"preload", &c.preload},
      {"preload-only", &c.preload_only},
      {"preload-timeout", &c.preload_timeout_s},
      {"seed", &c.seed},
      {"duration", &c.duration_s},
      {"requests", &c.requests},
      {"slot-ms", &c.slot_ms},
      {"rounds", &c.rounds},
      {"warmup-rounds", &c.warmup_rounds},
      {"json", &f->json},
      {"progress", &f->progress},
      {"help", &f->help},
  };
}

// Stores one flag's value; returns an error message or "".
std::string Apply(const FlagRow& row, const char* arg, ParsedFlags* f) {
  auto bad = [&] { return absl::StrCat("--", row.name, ": not a number: '", arg, "'"); };
  if (auto* p = std::get_if<int*>(&row.target)) return absl::SimpleAtoi(arg, *p) ? "" : bad();
  if (auto* p = std::get_if<uint64_t*>(&row.target)) return absl::SimpleAtoi(arg, *p) ? "" : bad();
  if (auto* p = std::get_if<double*>(&row.target)) return absl::SimpleAtod(arg, *p) ? "" : bad();
  if (auto* p = std::get_if<bool*>(&row.target)) {
    **p = true;
    return "";
  }
  std::string* s = std::get<std::string*>(row.target);
  if (s == &f->servers && !s->empty()) s->append(",");
  if (s == &f->servers) {
    s->append(arg);
  } else {
    *s = arg;
  }
  return "";
}

int Main(int argc, char** argv) {
  ParsedFlags flags;
  BenchConfig& config = flags.config;
  config.threads = std::min(2, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  std::vector<FlagRow> table = FlagTable(&flags);
  std::vector<option> options;
  for (size_t i = 0; i < table.size(); ++i) {
    bool takes_arg = !std::holds_alternative<bool*>(table[i].target);
    options.push_back(
        {table[i].name, takes_arg ? required_argument : no_argument, nullptr, static_cast<int>(i)});
  }
  options.push_back({nullptr, 0, nullptr, 0});
  int opt;
  while ((opt = getopt_long(argc, argv, "", options.data(), nullptr)) != -1) {
    if (opt < 0 || opt >= static_cast<int>(table.size())) return Usage("unknown option");
    std::string error = Apply(table[opt], optarg, &flags);
    if (!error.empty()) return Usage(error);
    flags.given.push_back(table[opt].name);
  }
  if (flags.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string& servers = flags.servers;
  const std::string& compare = flags.compare;
  const bool json = flags.json;
  const bool rounds_given = flags.Given("rounds");
  std::string error;
  std::string bad;
  if (optind < argc) return Usage(absl::StrCat("unexpected argument '", argv[optind], "'"));

  // Targets.
  const bool cluster = !flags.cluster.empty();
  if (int(!compare.empty()) + int(!servers.empty()) + int(cluster) > 1) {
    return Usage("--server, --compare and --cluster are exclusive");
  }
  if (compare.empty() && servers.empty() && !cluster) {
    return Usage("no target: give --server, --compare or --cluster");
  }
  if (cluster) {
    config.cluster = flags.cluster;
    config.groups = {{}};
    if (flags.distribution == "ketama") {
      config.distribution = client::Distribution::kKetama;
    } else if (flags.distribution == "ketama-libketama") {
      config.distribution = client::Distribution::kKetamaLibketama;
    } else if (flags.distribution == "modula") {
      config.distribution = client::Distribution::kModula;
    } else {
      return Usage(absl::StrCat("--distribution must be ketama, ketama-libketama or modula, not '",
                                flags.distribution, "'"));
    }
    if (flags.protocol != "text") return Usage("--cluster speaks the text protocol only");
    if (config.pipeline != 1) return Usage("--cluster has one call in flight per connection: no --pipeline");
    if (config.connections > kMaxClusterConnections) {
      return Usage(absl::StrCat("--cluster: --connections must be in 1..", kMaxClusterConnections));
    }
    config.threads = config.connections;
  } else if (flags.Given("distribution")) {
    return Usage("--distribution goes with --cluster");
  } else if (!compare.empty()) {
    std::vector<Endpoint> pair;
    if (!ParseEndpointList(compare, &pair, &error)) return Usage(error);
    if (pair.size() != 2) return Usage("--compare wants exactly two HOST:PORT");
    config.compare = true;
    config.groups = {{pair[0]}, {pair[1]}};
  } else {
    std::vector<Endpoint> list;
    if (!ParseEndpointList(servers, &list, &error)) return Usage(error);
    config.groups = {list};
  }

  if (flags.protocol == "text") {
    config.workload.protocol = Protocol::kText;
  } else if (flags.protocol == "meta") {
    config.workload.protocol = Protocol::kMeta;
  } else if (flags.protocol == "binary") {
    config.workload.protocol = Protocol::kBinary;
  } else {
    return Usage(absl::StrCat("--protocol must be text, meta or binary, not '", flags.protocol, "'"));
  }

  bad = ParseValueSize(flags.value_size, &config.workload.value_min, &config.workload.value_max);
  if (!bad.empty()) return Usage(bad);
  if (!ParseKeyDistribution(flags.key_distribution, &config.workload.key_distribution)) {
    return Usage(absl::StrCat("--key-distribution must be uniform, gaussian or zipf, not '",
                              flags.key_distribution, "'"));
  }
  if (!config.cluster.empty() && config.tls) return Usage("--tls is for --server and --compare runs");
  if (!config.tls_ca.empty() && !config.tls) return Usage("--tls-ca needs --tls");
  if (flags.Given("requests")) {
    if (config.compare) return Usage("--requests is for --server and --cluster runs");
    if (config.requests < 1) return Usage("--requests must be at least 1");
    // Bounded by the duration cap unless --duration says otherwise.
    if (!flags.Given("duration")) config.duration_s = kMaxSeconds;
  }
  config.progress_tty = isatty(STDERR_FILENO) == 1;
  config.progress = flags.progress || config.progress_tty;

  // Bounds: everything timed is capped so no invocation can run away.
  bad = Workload::Validate(config.workload);
  if (!bad.empty()) return Usage(bad);
  if (config.connections < 1 || config.connections > 10000)
    return Usage("--connections must be in 1..10000");
  if (config.pipeline < 1 || config.pipeline > 4096) return Usage("--pipeline must be in 1..4096");
  if (config.threads < 1 || config.threads > 64) return Usage("--threads must be in 1..64");
  if (config.timeout_ms < 1 || config.timeout_ms > 60000)
    return Usage("--timeout-ms must be in 1..60000");
  if (!(config.duration_s > 0 && config.duration_s <= kMaxSeconds)) {
    return Usage(absl::StrCat("--duration must be in (0, ", kMaxSeconds, "] seconds"));
  }
  if (!(config.preload_timeout_s > 0 && config.preload_timeout_s <= kMaxSeconds)) {
    return Usage(absl::StrCat("--preload-timeout must be in (0, ", kMaxSeconds, "] seconds"));
  }
  if (config.compare) {
    if (config.slot_ms < 10 || config.slot_ms > 60000)
      return Usage("--slot-ms must be in 10..60000");
    if (!rounds_given) {
      // As many rounds as fit in --duration, with an even number measured so
      // that they pair up into whole ABBA blocks.
      config.rounds = static_cast<int>(config.duration_s * 1000 / (2.0 * config.slot_ms));
      int measured = std::max(2, config.rounds - config.warmup_rounds);
      config.rounds = config.warmup_rounds + (measured & ~1);
    }
    if (config.rounds < 1) return Usage("--rounds must be at least 1");
    if (config.warmup_rounds < 0 || config.warmup_rounds >= config.rounds) {
      return Usage("--warmup-rounds must be in 0..rounds-1");
    }
    double total = config.rounds * 2.0 * config.slot_ms / 1000;
    if (total > kMaxSeconds) {
      return Usage(
          absl::StrCat("rounds x 2 x slot = ", total, " s exceeds the ", kMaxSeconds, " s cap"));
    }
    config.duration_s = total;
  }
  if (config.threads > config.connections) config.threads = config.connections;

  BenchResult result = cluster ? RunCluster(config) : RunBench(config);
  if (!result.fatal.empty()) {
    std::fprintf(stderr, "tandem-bench: %s\n", result.fatal.c_str());
    return 1;
  }
  Summary summary = Summarize(config, result);
  std::string text =
      json ? FormatJson(config, result, summary) : FormatHuman(config, result, summary);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  if (!result.preload_complete) return 2;
  return summary.total_errors + summary.preload_errors > 0 ? 2 : 0;
}

}  // namespace
}  // namespace tandem::bench

int main(int argc, char** argv) { return tandem::bench::Main(argc, argv); }
