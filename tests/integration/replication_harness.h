// Helpers shared by the replication integration tests written after the
// first three (pair, resync, convergence keep their own copies): start a
// node or a pair on free loopback ports, one-shot requests, `stats
// replication` fields, and bounded polling. Every wait has a deadline and
// returns as soon as its condition holds.
#ifndef TANDEM_TESTS_INTEGRATION_REPLICATION_HARNESS_H_
#define TANDEM_TESTS_INTEGRATION_REPLICATION_HARNESS_H_

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"

namespace tandem::testing::repl {

inline bool WaitUntil(const std::function<bool()>& cond, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (cond()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return cond();
}

// One request on a fresh connection; the reply up to `until` ("" on failure).
inline std::string Request(int port, const std::string& req, std::string_view until = "\r\n") {
  absl::StatusOr<RawSocket> s = RawSocket::Connect(port, absl::Seconds(5));
  if (!s.ok() || !s->Send(req).ok()) return "";
  absl::StatusOr<std::string> r = s->ReadUntil(until, absl::Seconds(15));
  return r.ok() ? *r : "";
}

inline std::string Get(int port, const std::string& key) {
  return Request(port, absl::StrCat("gets ", key, "\r\n"), "END\r\n");
}

inline std::map<std::string, std::string> StatsOf(int port, const std::string& which) {
  std::map<std::string, std::string> out;
  const std::string reply = Request(port, absl::StrCat("stats", which.empty() ? "" : " ", which, "\r\n"), "END\r\n");
  for (absl::string_view line : absl::StrSplit(reply, "\r\n", absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts.size() == 3 && parts[0] == "STAT") out[parts[1]] = parts[2];
  }
  return out;
}

inline std::string ReplStat(int port, const std::string& name) { return StatsOf(port, "replication")[name]; }

// Whether every thread of `pid` is stopped (/proc/PID/task/*/stat state T).
inline bool AllThreadsStopped(pid_t pid) {
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(absl::StrCat("/proc/", pid, "/task"), ec)) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t paren = line.rfind(')');
    if (paren == std::string::npos || paren + 2 >= line.size()) return false;
    if (line[paren + 2] != 'T' && line[paren + 2] != 't') return false;
  }
  return !ec;
}

// SIGSTOP, then waits (bounded) until the kernel reports every thread
// stopped: kill() returns earlier, and a node still running in that window
// would answer (or acknowledge) what the test expects to stay unanswered.
inline bool Freeze(ServerProcess& p) {
  if (::kill(p.pid(), SIGSTOP) != 0) return false;
  return WaitUntil([&] { return AllThreadsStopped(p.pid()); }, absl::Seconds(5));
}

inline std::unique_ptr<ServerProcess> StartNode(std::vector<std::string> args, std::vector<int> fixed_ports = {}) {
  ServerOptions o;
  o.binary = TandemdPath();
  o.args = std::move(args);
  o.extra_port_count = 1;
  o.fixed_ports = std::move(fixed_ports);
  absl::StatusOr<std::unique_ptr<ServerProcess>> p = ServerProcess::Start(o);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::move(*p) : nullptr;
}

struct Pair {
  std::unique_ptr<ServerProcess> master;
  std::unique_ptr<ServerProcess> slave;
  int m() const { return master->port(); }
  int s() const { return slave->port(); }
  std::string Logs() const {
    return absl::StrCat("--- master:\n", master ? master->CapturedOutput() : "", "--- slave:\n",
                        slave ? slave->CapturedOutput() : "");
  }
};

inline bool LinkUp(int port) { return ReplStat(port, "link") == "up"; }

// A master (-X) and a slave (-x master), both given `extra` flags; waits for
// the link. Check pair.slave != nullptr.
inline Pair StartPair(const std::vector<std::string>& extra = {}) {
  Pair pair;
  std::vector<std::string> args = {"-X", "{port1}"};
  args.insert(args.end(), extra.begin(), extra.end());
  pair.master = StartNode(args);
  if (pair.master == nullptr) return pair;
  args = {"-x", absl::StrCat("127.0.0.1:", pair.master->extra_ports()[0]), "-X", "{port1}"};
  args.insert(args.end(), extra.begin(), extra.end());
  pair.slave = StartNode(args);
  if (pair.slave == nullptr) return pair;
  if (!WaitUntil([&] { return LinkUp(pair.m()) && LinkUp(pair.s()); })) {
    ADD_FAILURE() << "the pair did not link\n" << pair.Logs();
    pair.slave.reset();
  }
  return pair;
}

// Waits until `gets key...` answers the same on both ports; returns it.
inline std::string Converged(int a, int b, const std::string& keys) {
  std::string ra, rb;
  WaitUntil([&] {
    ra = Get(a, keys);
    rb = Get(b, keys);
    return !ra.empty() && ra == rb;
  });
  EXPECT_EQ(ra, rb) << "keys " << keys;
  return ra;
}

}  // namespace tandem::testing::repl

#endif  // TANDEM_TESTS_INTEGRATION_REPLICATION_HARNESS_H_
