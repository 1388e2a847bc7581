// SoakRun: see soak_run.h.
#include "tools/soak/soak_run.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/client.h"
#include "tools/soak/content_digest.h"
#include "tools/soak/node_process.h"

namespace tandem::soak {
namespace {

constexpr absl::Duration kTick = absl::Seconds(1);
constexpr absl::Duration kProgressEvery = absl::Seconds(10);
constexpr absl::Duration kLinkTimeout = absl::Seconds(30);
constexpr uint64_t kMiB = 1024 * 1024;

// One node of the pair, with the memory samples of its current incarnation.
struct Node {
  std::unique_ptr<NodeProcess> process;
  NodeReport report;
  absl::Time started;
  absl::Time restart_at = absl::InfiniteFuture();
  std::vector<std::pair<absl::Duration, uint64_t>> samples;
  absl::Duration longest;

  void Sample(absl::Time now) {
    uint64_t rss = process->ResidentBytes();
    if (rss == 0) return;
    samples.emplace_back(now - started, rss);
    report.rss_max = std::max(report.rss_max, rss);
    report.rss_last = rss;
  }
  // Closes the incarnation: its first half's peak is the "warm" figure the
  // end of the run is compared with, taken from the longest incarnation.
  void EndIncarnation(absl::Time now) {
    const absl::Duration lived = now - started;
    if (lived > longest && !samples.empty()) {
      longest = lived;
      uint64_t warm = 0;
      for (const auto& [at, rss] : samples) {
        if (at <= lived / 2) warm = std::max(warm, rss);
      }
      report.rss_warm = warm;
    }
    samples.clear();
  }
  absl::Status Start(absl::Time now) {
    absl::Status s = process->Start();
    started = now;
    restart_at = absl::InfiniteFuture();
    return s;
  }
};

std::vector<std::string> NodeArgs(const SoakConfig& config, int port, int repl_port, int peer_repl_port) {
  std::vector<std::string> args = {"-p", absl::StrCat(port), "-l", "127.0.0.1", "-U", "0",
                                   "-m", absl::StrCat(config.memory_mb), "-t", "2",
                                   "-x", absl::StrCat("127.0.0.1:", peer_repl_port),
                                   "-X", absl::StrCat(repl_port),
                                   // Fast heartbeats: a killed master is replaced within ~1 s.
                                   "--repl-heartbeat-ms=100", "--repl-timeout-ms=1000"};
  if (geteuid() == 0) {
    args.push_back("-u");
    args.push_back("root");
  }
  args.insert(args.end(), config.extra_server_args.begin(), config.extra_server_args.end());
  return args;
}

// A key written on `from` is readable on `to`: the link is up and streaming.
bool WaitForLink(int from, int to, absl::Duration timeout) {
  auto writer = client::Client::Create(absl::StrCat("127.0.0.1:", from));
  auto reader = client::Client::Create(absl::StrCat("127.0.0.1:", to));
  if (!writer.ok() || !reader.ok()) return false;
  const std::string key = absl::StrCat("soak:probe:", from);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if ((*writer)->Set(key, "up").ok()) {
      auto item = (*reader)->Get(key);
      if (item.ok() && item->has_value()) return true;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

std::string Describe(const Content& content, const std::string& key) {
  auto it = content.find(key);
  if (it == content.end()) return "(absent)";
  return absl::StrCat("[", it->second.value.substr(0, 24), "... ", it->second.value.size(), " B, cas ",
                      it->second.cas, "]");
}

struct Totals {
  uint64_t ops = 0, hits = 0, reconnects = 0, unavailable = 0, malformed = 0, corrupt = 0, other = 0;
  uint64_t indeterminate = 0;
};

Totals Sum(const std::vector<std::unique_ptr<WorkerCounters>>& counters) {
  Totals t;
  for (const auto& c : counters) {
    t.ops += c->ops.load();
    t.hits += c->hits.load();
    t.reconnects += c->reconnects.load();
    t.unavailable += c->unavailable.load();
    t.malformed += c->malformed.load();
    t.corrupt += c->corrupt.load();
    t.other += c->other_errors.load();
    t.indeterminate += c->indeterminate.load();
  }
  return t;
}

class Soak {
 public:
  explicit Soak(const SoakConfig& config) : config_(config), rng_(config.seed) {}

  absl::StatusOr<SoakReport> Run() {
    if (absl::Status s = StartPair(); !s.ok()) return s;
    StartWorkers();
    Drive();
    StopWorkers();
    if (absl::Status s = EnsureBothUp(); !s.ok()) return s;
    Converge();
    Finish();
    return report_;
  }

 private:
  absl::Status StartPair() {
    int ports[4];
    for (int& p : ports) {
      absl::StatusOr<int> port = PickFreePort();
      if (!port.ok()) return port.status();
      p = *port;
    }
    nodes_[0].process = std::make_unique<NodeProcess>(config_.tandemd, NodeArgs(config_, ports[0], ports[1], ports[3]),
                                                      ports[0], absl::StrCat(config_.log_dir, "/node-a.log"));
    nodes_[1].process = std::make_unique<NodeProcess>(config_.tandemd, NodeArgs(config_, ports[2], ports[3], ports[1]),
                                                      ports[2], absl::StrCat(config_.log_dir, "/node-b.log"));
    for (Node& n : nodes_) {
      if (absl::Status s = n.Start(absl::Now()); !s.ok()) return s;
      n.report.port = n.process->port();
    }
    if (!WaitForLink(ports[0], ports[2], kLinkTimeout)) {
      return absl::DeadlineExceededError("the pair did not start replicating");
    }
    std::fprintf(stderr, "soak: pair up: a 127.0.0.1:%d (replication %d), b 127.0.0.1:%d (replication %d)\n",
                 ports[0], ports[1], ports[2], ports[3]);
    return absl::OkStatus();
  }

  void StartWorkers() {
    const std::string a = absl::StrCat("127.0.0.1:", nodes_[0].process->port());
    const std::string b = absl::StrCat("127.0.0.1:", nodes_[1].process->port());
    for (int i = 0; i < config_.threads; ++i) {
      WorkerOptions options;
      // Half the workers prefer each node, so both are written at once.
      options.servers = i % 2 == 0 ? absl::StrCat(a, "/", b) : absl::StrCat(b, "/", a);
      options.keys = config_.keys;
      options.deletes = config_.deletes;
      options.seed = config_.seed * 1000 + static_cast<uint64_t>(i);
      worker_options_.push_back(options);
    }
    for (int i = 0; i < config_.threads; ++i) counters_.push_back(std::make_unique<WorkerCounters>());
    for (int i = 0; i < config_.threads; ++i) {
      workers_.emplace_back(RunWorker, std::cref(worker_options_[i]), std::cref(stop_), std::ref(*counters_[i]));
    }
  }

  void StopWorkers() {
    stop_ = true;
    for (std::thread& t : workers_) t.join();
    workers_.clear();
  }

  absl::Duration NextKillGap() {
    // +-25% jitter so kills do not line up with the heartbeat or the load.
    std::uniform_real_distribution<double> jitter(0.75, 1.25);
    return config_.kill_every * jitter(rng_);
  }

  void Drive() {
    const absl::Time begin = absl::Now();
    const absl::Time end = begin + config_.duration;
    absl::Time next_kill = config_.kill_every > absl::ZeroDuration() ? begin + NextKillGap() : absl::InfiniteFuture();
    absl::Time next_progress = begin + kProgressEvery;
    while (absl::Now() < end) {
      absl::SleepFor(std::min(kTick, end - absl::Now()));
      const absl::Time now = absl::Now();
      for (Node& n : nodes_) Tend(n, now);
      if (now >= next_kill && nodes_[0].process->running() && nodes_[1].process->running()) {
        KillOne(now);
        next_kill = now + NextKillGap();
      }
      if (now >= next_progress) {
        Progress(now - begin);
        next_progress += kProgressEvery;
      }
    }
  }

  // Samples a running node, restarts a killed one when its down time is
  // over, and notices a node that died on its own (a crash: counted).
  void Tend(Node& n, absl::Time now) {
    if (n.process->running() && !n.process->StillAlive()) {
      ++n.report.unexpected_exits;
      std::fprintf(stderr, "soak: node on port %d exited on its own\n", n.process->port());
      n.EndIncarnation(now);
      n.restart_at = now;
    }
    if (!n.process->running() && now >= n.restart_at) Restart(n, now);
    if (n.process->running()) n.Sample(now);
  }

  void Restart(Node& n, absl::Time now) {
    absl::Status s = n.Start(now);
    ++n.report.restarts;
    if (!s.ok()) {
      std::fprintf(stderr, "soak: restart failed: %s\n", std::string(s.message()).c_str());
      n.restart_at = now + absl::Seconds(1);
    }
  }

  void KillOne(absl::Time now) {
    Node& n = nodes_[std::uniform_int_distribution<int>(0, 1)(rng_)];
    n.process->Kill();
    n.EndIncarnation(now);
    n.restart_at = now + config_.down_time;
    ++report_.kills;
    std::fprintf(stderr, "soak: killed node on port %d\n", n.process->port());
  }

  void Progress(absl::Duration elapsed) {
    Totals t = Sum(counters_);
    std::fprintf(stderr, "soak: %.0fs ops=%llu errors=%llu kills=%d rss_a=%lluMiB rss_b=%lluMiB\n",
                 absl::ToDoubleSeconds(elapsed), static_cast<unsigned long long>(t.ops),
                 static_cast<unsigned long long>(t.unavailable + t.malformed + t.corrupt + t.other), report_.kills,
                 static_cast<unsigned long long>(nodes_[0].report.rss_last / kMiB),
                 static_cast<unsigned long long>(nodes_[1].report.rss_last / kMiB));
  }

  absl::Status EnsureBothUp() {
    for (Node& n : nodes_) {
      if (!n.process->running() || !n.process->StillAlive()) {
        if (absl::Status s = n.Start(absl::Now()); !s.ok()) return s;
        ++n.report.restarts;
      }
    }
    return absl::OkStatus();
  }

  void Converge() {
    const std::vector<std::string> keys = config_.keys.AllKeys();
    const absl::Time begin = absl::Now();
    const absl::Time deadline = begin + config_.converge_timeout;
    std::fprintf(stderr, "soak: load stopped; comparing the nodes' content\n");
    do {
      auto a = ReadContent(nodes_[0].process->port(), keys);
      auto b = ReadContent(nodes_[1].process->port(), keys);
      if (a.ok() && b.ok()) {
        ContentDiff diff = Compare(*a, *b);
        report_.digest_a = Digest(*a);
        report_.digest_b = Digest(*b);
        report_.keys_present = a->size();
        report_.cas_differs = diff.cas_differs;
        report_.only_a = diff.only_first;
        report_.only_b = diff.only_second;
        report_.value_differs = diff.value_differs;
        report_.diff_examples = diff.examples;
        if (diff.SameData()) {
          report_.converged = true;
          break;
        }
        report_.diff_details.clear();
        for (size_t i = 0; i < diff.examples.size() && i < 3; ++i) {
          const std::string& key = diff.examples[i];
          report_.diff_details.push_back(absl::StrCat(key, ": a=", Describe(*a, key), " b=", Describe(*b, key)));
        }
      }
      absl::SleepFor(absl::Milliseconds(500));
    } while (absl::Now() < deadline);
    report_.converge_time = absl::Now() - begin;
  }

  void Finish() {
    const absl::Time now = absl::Now();
    for (Node& n : nodes_) {
      n.Sample(now);
      n.EndIncarnation(now);
    }
    Totals t = Sum(counters_);
    report_.ops = t.ops;
    report_.hits = t.hits;
    report_.reconnects = t.reconnects;
    report_.unavailable = t.unavailable;
    report_.malformed = t.malformed;
    report_.corrupt = t.corrupt;
    report_.other_errors = t.other;
    report_.indeterminate = t.indeterminate;
    report_.threads = config_.threads;
    report_.a = nodes_[0].report;
    report_.b = nodes_[1].report;
    const uint64_t bound = static_cast<uint64_t>(config_.memory_mb + config_.rss_overhead_mb) * kMiB;
    report_.rss_within_bound = report_.a.rss_max <= bound && report_.b.rss_max <= bound;
    for (Node& n : nodes_) n.process->Stop();
  }

  const SoakConfig& config_;
  std::mt19937_64 rng_;
  Node nodes_[2];
  std::vector<WorkerOptions> worker_options_;
  std::vector<std::unique_ptr<WorkerCounters>> counters_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stop_{false};
  SoakReport report_;
};

std::string Mib(uint64_t bytes) { return absl::StrCat(bytes / kMiB, " MiB"); }

std::string FormatNode(const char* name, const NodeReport& n) {
  return absl::StrCat(name, ": port ", n.port, ", restarts ", n.restarts, ", crashes ", n.unexpected_exits,
                      ", rss max ", Mib(n.rss_max), ", warm ", Mib(n.rss_warm), ", end ", Mib(n.rss_last), "\n");
}

}  // namespace

bool SoakReport::Passed() const {
  // A kill may leave each worker's in-flight forwarded command unanswered.
  const uint64_t indeterminate_bound = static_cast<uint64_t>(kills) * static_cast<uint64_t>(threads);
  return unavailable == 0 && malformed == 0 && corrupt == 0 && other_errors == 0 &&
         indeterminate <= indeterminate_bound && converged &&
         rss_within_bound && a.unexpected_exits == 0 && b.unexpected_exits == 0;
}

absl::StatusOr<SoakReport> RunSoak(const SoakConfig& config) { return Soak(config).Run(); }

std::string FormatReport(const SoakConfig& config, const SoakReport& r) {
  std::string out = absl::StrCat(
      "duration: ", absl::FormatDuration(config.duration), ", threads ", config.threads, ", kill every ",
      absl::FormatDuration(config.kill_every), "\n", "ops: ", r.ops, " (", r.hits, " hits, ", r.reconnects,
      " client reconnects)\n", "errors: unavailable ", r.unavailable, ", malformed ", r.malformed, ", corrupt ",
      r.corrupt, ", other ", r.other_errors, "\n", "indeterminate (owner killed mid-forward): ", r.indeterminate,
      " (at most kills x threads = ", static_cast<uint64_t>(r.kills) * static_cast<uint64_t>(r.threads), ")\n",
      "kills: ", r.kills, "\n", FormatNode("node a", r.a),
      FormatNode("node b", r.b), "memory bound: ", config.memory_mb + config.rss_overhead_mb, " MiB per node, ",
      r.rss_within_bound ? "held" : "EXCEEDED", "\n", "content: ", r.keys_present, " keys, digest a ", r.digest_a,
      " b ", r.digest_b, ", cas differs on ", r.cas_differs, "\n", "converged: ", r.converged ? "yes" : "NO",
      " after ", absl::FormatDuration(r.converge_time), "\n");
  if (!r.diff_examples.empty() && !r.converged) {
    absl::StrAppend(&out, "differences: ", r.only_a, " keys only on a, ", r.only_b, " only on b, ", r.value_differs,
                    " with other values; e.g. ", absl::StrJoin(r.diff_examples, " "), "\n");
    for (const std::string& d : r.diff_details) absl::StrAppend(&out, "  ", d, "\n");
  }
  absl::StrAppend(&out, "soak: ", r.Passed() ? "PASS" : "FAIL", "\n");
  return out;
}

}  // namespace tandem::soak
