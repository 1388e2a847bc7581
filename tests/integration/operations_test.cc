// What an operator meets outside the protocol: the README's manual check,
// the start-up and shutdown log lines, the peer-trouble log lines (once per
// cause, not once per retry), the manual page and deploy/install.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "tests/support/subprocess.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kSourceDir[] = TANDEM_SOURCE_DIR;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t CountOf(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tandem-ops-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<ServerProcess> StartTandemd(std::vector<std::string> args, int extra_ports = 0) {
  ServerOptions options;
  options.binary = TandemdPath();
  options.args = std::move(args);
  options.extra_port_count = extra_ports;
  auto server = ServerProcess::Start(std::move(options));
  return server.ok() ? std::move(*server) : nullptr;
}

// The README's "talk to it by hand" block, typed through nc -C as written.
TEST(OperationsTest, TheReadmesManualCheckWorksAsWritten) {
  const std::string readme = ReadFile(absl::StrCat(kSourceDir, "/README.md"));
  ASSERT_THAT(readme, HasSubstr("$ nc -C 127.0.0.1 11211\n"));
  ASSERT_TRUE(IsExecutable("/usr/bin/nc")) << "tools/scripts/setup installs netcat-openbsd";
  std::unique_ptr<ServerProcess> server = StartTandemd({});
  ASSERT_NE(server, nullptr);
  ProgramResult nc = RunProgram("/usr/bin/nc", {"-C", "-q", "1", "127.0.0.1", std::to_string(server->port())},
                                "set greeting 0 0 5\nhello\nget greeting\n");
  EXPECT_EQ(nc.out, "STORED\r\nVALUE greeting 0 5\r\nhello\r\nEND\r\n") << nc.err;
}

TEST(OperationsTest, StartAndStopAreEachOneLogLine) {
  std::unique_ptr<ServerProcess> server = StartTandemd({"-m", "32", "-t", "2"});
  ASSERT_NE(server, nullptr);
  absl::StatusOr<ExitStatus> exit = server->SignalAndWait(SIGTERM, absl::Seconds(5));
  ASSERT_TRUE(exit.ok());
  const std::string log = server->CapturedOutput();
  EXPECT_THAT(log, HasSubstr(absl::StrCat("started: pid ", server->pid(), ", tcp:127.0.0.1:", server->port(),
                                          "; 32 MB for items, 2 worker threads; replication off\n")))
      << log;
  EXPECT_THAT(log, HasSubstr("tandemd: stopping on SIGTERM\n")) << log;
  EXPECT_THAT(log, HasSubstr("tandemd: stopped\n")) << log;
  EXPECT_EQ(CountOf(log, "started: pid"), 1u);
}

// A peer that refuses every dial is reported once with its cause, not once
// per retry (the dialer retries every second).
TEST(OperationsTest, AnUnreachablePeerIsLoggedOncePerCause) {
  absl::StatusOr<int> dead_port = PickFreePort();
  ASSERT_TRUE(dead_port.ok());
  std::unique_ptr<ServerProcess> node =
      StartTandemd({"-X", "{port1}", "-x", absl::StrCat("127.0.0.1:", *dead_port), "--repl-antientropy-s=0"}, 1);
  ASSERT_NE(node, nullptr);
  absl::SleepFor(absl::Seconds(3));  // about five dials with the backoff
  const std::string log = node->CapturedOutput();
  EXPECT_THAT(log, HasSubstr(absl::StrCat("replication: cannot reach peer 127.0.0.1:", *dead_port,
                                          ": Connection refused\n")))
      << log;
  EXPECT_EQ(CountOf(log, "cannot reach peer"), 1u) << log;
  EXPECT_THAT(log, HasSubstr(absl::StrCat("; replication port ", node->extra_ports()[0], ", peer 127.0.0.1:",
                                          *dead_port, ", auth none, starting as slave\n")))
      << log;
}

// (Without a secret the name must resolve at start-up, for the address
// fence; with one it is resolved at every dial.)
TEST(OperationsTest, ANameThatDoesNotResolveIsLoggedWithTheReason) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string secret = dir.path() + "/secret";
  std::ofstream(secret) << "the pair's secret, long enough\n";
  chmod(secret.c_str(), 0600);
  std::unique_ptr<ServerProcess> node = StartTandemd(
      {"-X", "{port1}", "-x", "no-such-host.invalid:11212", "--repl-secret=" + secret, "--repl-antientropy-s=0"}, 1);
  ASSERT_NE(node, nullptr);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline && !absl::StrContains(node->CapturedOutput(), "cannot resolve")) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  absl::SleepFor(absl::Seconds(2));
  const std::string log = node->CapturedOutput();
  EXPECT_THAT(log, HasSubstr("replication: cannot reach peer no-such-host.invalid:11212: cannot resolve "
                             "no-such-host.invalid: "))
      << log;
  EXPECT_EQ(CountOf(log, "cannot resolve"), 1u) << log;
}

// A node with the wrong secret redials forever; its peer says so once.
TEST(OperationsTest, AWrongSecretIsLoggedOncePerPeer) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string good = dir.path() + "/good", bad = dir.path() + "/bad";
  std::ofstream(good) << "the pair's secret, long enough\n";
  std::ofstream(bad) << "a stranger's guess, long enough\n";
  chmod(good.c_str(), 0600);
  chmod(bad.c_str(), 0600);
  std::unique_ptr<ServerProcess> a = StartTandemd({"-X", "{port1}", "--repl-secret=" + good}, 1);
  ASSERT_NE(a, nullptr);
  std::unique_ptr<ServerProcess> b = StartTandemd(
      {"-X", "{port1}", "-x", absl::StrCat("127.0.0.1:", a->extra_ports()[0]), "--repl-secret=" + bad}, 1);
  ASSERT_NE(b, nullptr);
  absl::SleepFor(absl::Seconds(4));
  const std::string log = a->CapturedOutput();
  EXPECT_EQ(CountOf(log, "failed authentication"), 1u) << log;
  EXPECT_THAT(log, HasSubstr("replication: peer 127.0.0.1 failed authentication")) << log;
}

// Every replication flag tandemd -h lists is in the manual page.
TEST(OperationsTest, TheManualPageListsEveryReplicationFlag) {
  ProgramResult help = RunProgram(TandemdPath(), {"-h"});
  ASSERT_EQ(help.exit_code, 0);
  const std::string man = ReadFile(absl::StrCat(kSourceDir, "/deploy/tandemd.1"));
  ASSERT_FALSE(man.empty());
  int checked = 0;
  for (absl::string_view line : absl::StrSplit(help.out, '\n')) {
    if (!absl::StartsWith(line, "--repl-") && !absl::StartsWith(line, "--debug-") &&
        !absl::StartsWith(line, "-x, --") && !absl::StartsWith(line, "-X, --")) {
      continue;
    }
    const size_t start = line.find("--");
    std::string flag(line.substr(start, line.find_first_of("= ", start) - start));
    // roff escapes every '-' of an option name.
    std::string escaped;
    for (char ch : flag) escaped += ch == '-' ? std::string("\\-") : std::string(1, ch);
    EXPECT_THAT(man, HasSubstr(escaped)) << flag << " is missing from deploy/tandemd.1";
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST(OperationsTest, InstallStagesTheUnitTheConfTheManualPageAndTheUser) {
  TempDir stage;
  ASSERT_FALSE(stage.path().empty());
  ProgramResult install = RunProgram("/usr/bin/env", {"DESTDIR=" + stage.path(), absl::StrCat(kSourceDir, "/deploy/install"),
                                                       "--skip-binaries", "--prefix", "/opt/tandem"});
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  const std::string unit = ReadFile(stage.path() + "/etc/systemd/system/tandemd.service");
  EXPECT_THAT(unit, HasSubstr("Documentation=man:tandemd(1)"));
  EXPECT_THAT(unit, ::testing::Not(HasSubstr("man:memcached")));
  EXPECT_THAT(unit, HasSubstr("RuntimeDirectory=tandemd\n"));
  EXPECT_THAT(unit, HasSubstr("ExecStart=/opt/tandem/share/tandem/start-tandemd /etc/tandemd.conf"));
  // The conf's pid file lives in the unit's runtime directory.
  EXPECT_THAT(ReadFile(stage.path() + "/etc/tandemd.conf"), HasSubstr("\n-P /run/tandemd/tandemd.pid\n"));
  EXPECT_THAT(ReadFile(stage.path() + "/opt/tandem/share/man/man1/tandemd.1"), HasSubstr(".TH TANDEMD 1"));
  EXPECT_THAT(ReadFile(stage.path() + "/usr/lib/sysusers.d/tandemd.conf"),
              HasSubstr("\nu memcache - "));
}

// The pid file is written before privileges are dropped, so the root-owned
// RuntimeDirectory works (as root the test drops to nobody).
TEST(OperationsTest, PidFileInARootOwnedDirectoryWithDashU) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop privileges";
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  chmod(dir.path().c_str(), 0755);  // like /run/tandemd: others may read, not write
  const std::string pid_file = dir.path() + "/tandemd.pid";
  ServerOptions options;
  options.binary = TandemdPath();
  options.add_listen_args = false;
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok());
  options.fixed_ports = {*port};
  options.args = {"-p", std::to_string(*port), "-l", "127.0.0.1", "-U", "0", "-u", "nobody", "-P", pid_file};
  auto server = ServerProcess::Start(std::move(options));
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(ReadFile(pid_file), absl::StrCat((*server)->pid(), "\n"));
  EXPECT_THAT((*server)->CapturedOutput(), ::testing::Not(HasSubstr("Could not open the pid file")));
}

}  // namespace
}  // namespace tandem::testing
