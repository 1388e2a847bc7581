// tandem-soak: long-running mixed load against a replicated pair, with node
// kills, memory sampling and a final convergence check (soak_run.h).
// This file only parses flags and prints the report. Exit status: 0 pass,
// 1 bad usage or setup failure, 2 the soak ran and found a problem.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/numbers.h"
#include "tools/soak/soak_run.h"

namespace tandem::soak {
namespace {

constexpr double kMaxSeconds = 4 * 3600;  // hard cap for --duration

constexpr const char* kUsage = R"(usage: tandem-soak [options]

Starts a replicated pair of tandemd on free loopback ports, runs mixed load
with connection churn through the client library, kills and restarts a
random node now and then, and checks that every reply is well formed, that
memory stays within bounds and that both nodes end with the same content.

  --tandemd=PATH         server binary [tandemd next to tandem-soak]
  --duration=S           load time in seconds [60], at most 14400
  --kill-every=S         SIGKILL a random node about every S seconds [20]; 0: never
  --down-time=S          seconds a killed node stays down [2]
  --converge-timeout=S   how long the final comparison may wait [60]
  --threads=N            load threads [4]
  --memory-mb=N          -m of each node [256]
  --keys=N               plain keys (plus N/10 appended and N/10 counters) [20000]
  --seed=N               random seed [1]
  --log-dir=DIR          where the nodes' logs go, created if missing [a fresh /tmp/tandem_soak.* dir,
                         removed after a passing run]
  --server-arg=ARG       extra flag for both nodes (repeatable)
  --no-deletes           leave delete out of the mix (sets instead)
)";

bool ParseSeconds(const char* text, double max, absl::Duration* out) {
  double s = 0;
  if (!absl::SimpleAtod(text, &s) || s < 0 || s > max) return false;
  *out = absl::Seconds(s);
  return true;
}

bool ParseInt(const char* text, int min, int max, int* out) {
  return absl::SimpleAtoi(text, out) && *out >= min && *out <= max;
}

std::string DefaultTandemd() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "tandemd" : (self.parent_path() / "tandemd").string();
}

int Usage(const char* problem) {
  std::fprintf(stderr, "tandem-soak: %s\n%s", problem, kUsage);
  return 1;
}

int Main(int argc, char** argv) {
  SoakConfig config;
  config.tandemd = DefaultTandemd();
  bool own_log_dir = false;
  enum { kTandemd = 1000, kDuration, kKillEvery, kDownTime, kConverge, kThreads, kMemory, kKeys, kSeed, kLogDir,
         kServerArg, kNoDeletes, kHelp };
  const option options[] = {
      {"tandemd", required_argument, nullptr, kTandemd},       {"duration", required_argument, nullptr, kDuration},
      {"kill-every", required_argument, nullptr, kKillEvery},  {"down-time", required_argument, nullptr, kDownTime},
      {"converge-timeout", required_argument, nullptr, kConverge},
      {"threads", required_argument, nullptr, kThreads},       {"memory-mb", required_argument, nullptr, kMemory},
      {"keys", required_argument, nullptr, kKeys},             {"seed", required_argument, nullptr, kSeed},
      {"log-dir", required_argument, nullptr, kLogDir},        {"server-arg", required_argument, nullptr, kServerArg},
      {"no-deletes", no_argument, nullptr, kNoDeletes},        {"help", no_argument, nullptr, kHelp},                   {nullptr, 0, nullptr, 0}};
  int opt;
  int keys = 20000;
  while ((opt = getopt_long(argc, argv, "", options, nullptr)) != -1) {
    bool ok = true;
    switch (opt) {
      case kTandemd: config.tandemd = optarg; break;
      case kDuration: ok = ParseSeconds(optarg, kMaxSeconds, &config.duration); break;
      case kKillEvery: ok = ParseSeconds(optarg, kMaxSeconds, &config.kill_every); break;
      case kDownTime: ok = ParseSeconds(optarg, 600, &config.down_time); break;
      case kConverge: ok = ParseSeconds(optarg, 3600, &config.converge_timeout); break;
      case kThreads: ok = ParseInt(optarg, 1, 256, &config.threads); break;
      case kMemory: ok = ParseInt(optarg, 16, 65536, &config.memory_mb); break;
      case kKeys: ok = ParseInt(optarg, 10, 10000000, &keys); break;
      case kSeed: ok = absl::SimpleAtoi(optarg, &config.seed); break;
      case kLogDir: config.log_dir = optarg; break;
      case kServerArg: config.extra_server_args.push_back(optarg); break;
      case kNoDeletes: config.deletes = false; break;
      case kHelp: std::fputs(kUsage, stdout); return 0;
      default: return Usage("unknown option");
    }
    if (!ok) return Usage("bad value");
  }
  if (optind != argc) return Usage("unexpected argument");
  config.keys.plain = static_cast<uint32_t>(keys);
  config.keys.appended = config.keys.counters = static_cast<uint32_t>(std::max(1, keys / 10));
  if (config.log_dir.empty()) {
    char dir[] = "/tmp/tandem_soak.XXXXXX";
    if (mkdtemp(dir) == nullptr) return Usage("cannot create a log directory");
    config.log_dir = dir;
    own_log_dir = true;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(config.log_dir, ec);  // an error shows when a log is opened
  }
  absl::StatusOr<SoakReport> report = RunSoak(config);
  if (!report.ok()) {
    std::fprintf(stderr, "tandem-soak: %s (node logs in %s)\n", std::string(report.status().message()).c_str(),
                 config.log_dir.c_str());
    return 1;
  }
  std::fputs(FormatReport(config, *report).c_str(), stdout);
  if (!report->Passed()) {
    std::printf("node logs: %s\n", config.log_dir.c_str());
    return 2;
  }
  if (own_log_dir) {
    std::error_code ec;
    std::filesystem::remove_all(config.log_dir, ec);
  }
  return 0;
}

}  // namespace
}  // namespace tandem::soak

int main(int argc, char** argv) { return tandem::soak::Main(argc, argv); }
