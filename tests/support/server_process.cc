// See server_process.h. Everything between fork() and execv() is
// async-signal-safe: the argv is built before forking, because test
// binaries may be multi-threaded.
#include "tests/support/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace tandem::testing {
namespace {

// Below /proc/sys/net/ipv4/ip_local_port_range (32768-60999 by default), so
// the kernel never hands these out as source ports of outgoing connections.
constexpr int kPortRangeLow = 20000;
constexpr int kPortRangeHigh = 32000;

bool PortIsBindable(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && listen(fd, 1) == 0;
  close(fd);
  return ok;
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::mt19937& Rng() {
  static std::mt19937 rng([] {
    std::random_device rd;
    return rd() ^ static_cast<unsigned>(getpid()) * 2654435761u;
  }());
  return rng;
}

ExitStatus DecodeWaitStatus(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) {
    s.exited = true;
    s.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signaled = true;
    s.signal = WTERMSIG(status);
  }
  return s;
}

}  // namespace

std::string TandemdPath() { return std::string(TANDEM_BIN_DIR) + "/tandemd"; }
std::string MemcachedPath() { return "/usr/bin/memcached"; }

bool IsExecutable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

std::string ServerUnderTestPath() {
  const char* env = std::getenv("TANDEM_TEST_SERVER");
  if (env != nullptr && *env != '\0') return env;
  return TandemdPath();
}

std::string ExitStatus::ToString() const {
  if (exited) return absl::StrCat("exited with code ", code);
  if (signaled) return absl::StrCat("killed by signal ", signal, " (", strsignal(signal), ")");
  return "unknown exit status";
}

absl::StatusOr<int> PickFreePort() {
  std::uniform_int_distribution<int> dist(kPortRangeLow, kPortRangeHigh - 1);
  for (int attempt = 0; attempt < 200; ++attempt) {
    int port = dist(Rng());
    if (PortIsBindable(port)) return port;
  }
  return absl::UnavailableError("no free loopback port found after 200 attempts");
}

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(ServerOptions options) {
  if (!IsExecutable(options.binary)) {
    return absl::NotFoundError(absl::StrCat("server binary not found or not executable: ", options.binary));
  }
  std::unique_ptr<ServerProcess> server(new ServerProcess(std::move(options)));
  char dir_template[] = "/tmp/tandem-test-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", strerror(errno)));
  }
  server->temp_dir_ = dir_template;
  server->log_path_ = server->temp_dir_ + "/server.log";

  absl::Status last = absl::UnknownError("not started");
  for (int attempt = 0; attempt < std::max(1, server->options_.max_port_attempts); ++attempt) {
    const std::vector<int>& fixed = server->options_.fixed_ports;
    absl::StatusOr<int> port = fixed.empty() ? PickFreePort() : absl::StatusOr<int>(fixed[0]);
    if (!port.ok()) return port.status();
    std::vector<int> extra;
    if (!fixed.empty()) extra.assign(fixed.begin() + 1, fixed.end());
    for (int i = 0; fixed.empty() && i < server->options_.extra_port_count; ++i) {
      auto p = PickFreePort();
      if (!p.ok()) return p.status();
      extra.push_back(*p);
    }
    last = server->SpawnOnce(*port, extra);
    if (!last.ok()) continue;
    last = server->WaitUntilAccepting();
    if (last.ok()) return server;
    // It did not come up: make sure it is gone before trying another port.
    server->Stop(absl::Seconds(2));
    // Only a lost race for the port is worth another try; a bad flag or a
    // server that never accepts would fail the same way again.
    std::string output = server->CapturedOutput();
    bool port_problem = output.find("in use") != std::string::npos ||
                        output.find("bind") != std::string::npos ||
                        output.find("listen") != std::string::npos;
    if (absl::IsFailedPrecondition(last) || !port_problem || !fixed.empty()) break;
  }
  return absl::UnavailableError(absl::StrCat("could not start `", server->CommandLine(), "`: ",
                                             last.message(), "\n--- server output ---\n",
                                             server->CapturedOutput()));
}

absl::Status ServerProcess::SpawnOnce(int port, std::vector<int> extra_ports) {
  port_ = port;
  extra_ports_ = std::move(extra_ports);
  exit_status_.reset();
  pid_ = -1;

  argv_.clear();
  argv_.push_back(options_.binary);
  if (options_.add_listen_args) {
    argv_.insert(argv_.end(), {"-p", std::to_string(port_), "-l", "127.0.0.1", "-U", "0"});
    if (geteuid() == 0) argv_.insert(argv_.end(), {"-u", "root"});
  }
  for (const std::string& arg : options_.args) {
    std::vector<std::pair<std::string, std::string>> subs;
    for (size_t i = 0; i < extra_ports_.size(); ++i) {
      subs.emplace_back(absl::StrCat("{port", i + 1, "}"), std::to_string(extra_ports_[i]));
    }
    subs.emplace_back("{port}", std::to_string(port_));
    argv_.push_back(absl::StrReplaceAll(arg, subs));
  }
  std::vector<char*> cargv;
  for (std::string& a : argv_) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) return absl::InternalError(absl::StrCat("open ", log_path_, ": ", strerror(errno)));
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    close(log_fd);
    return absl::InternalError(absl::StrCat("open /dev/null: ", strerror(errno)));
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    close(null_fd);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    // Child: die with the test (PDEATHSIG follows the forking thread, which
    // is the main thread in our fixtures).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    // Do not leak the test's sockets into the server: a connection the
    // test closes must really close.
    syscall(SYS_close_range, 3u, ~0u, 0u);
    signal(SIGPIPE, SIG_DFL);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  pid_ = pid;
  return absl::OkStatus();
}

absl::Status ServerProcess::WaitUntilAccepting() {
  absl::Time deadline = absl::Now() + options_.startup_timeout;
  while (absl::Now() < deadline) {
    if (TryReap()) {
      return absl::UnavailableError(absl::StrCat("server ", exit_status_->ToString(), " during startup"));
    }
    if (CanConnect(port_)) {
      // A foreign listener could own the port if our child lost the bind
      // race: the child would then be exiting. Give it a moment to show.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (TryReap()) {
        return absl::UnavailableError(absl::StrCat("server ", exit_status_->ToString(), " during startup"));
      }
      return absl::OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::FailedPreconditionError(absl::StrCat("server did not accept connections on port ", port_,
                                                    " within ", absl::FormatDuration(options_.startup_timeout)));
}

bool ServerProcess::TryReap() {
  if (exit_status_.has_value()) return true;
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = DecodeWaitStatus(status);
    return true;
  }
  if (r < 0 && errno == ECHILD) {
    exit_status_ = ExitStatus{};
    return true;
  }
  return false;
}

bool ServerProcess::IsRunning() { return !TryReap(); }

absl::StatusOr<ExitStatus> ServerProcess::SignalAndWait(int sig, absl::Duration timeout) {
  if (TryReap()) return *exit_status_;
  if (kill(pid_, sig) != 0 && errno != ESRCH) {
    return absl::InternalError(absl::StrCat("kill(", pid_, "): ", strerror(errno)));
  }
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (TryReap()) return *exit_status_;
    if (absl::Now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return absl::DeadlineExceededError(absl::StrCat("pid ", pid_, " still running ",
                                                  absl::FormatDuration(timeout), " after signal ", sig));
}

ExitStatus ServerProcess::Stop(absl::Duration grace) {
  if (TryReap()) return *exit_status_;
  auto term = SignalAndWait(SIGTERM, grace);
  if (term.ok()) return *term;
  auto killed = SignalAndWait(SIGKILL, absl::Seconds(5));
  if (killed.ok()) return *killed;
  // Unkillable within 5 s (should not happen): report and move on.
  std::cerr << "ServerProcess: pid " << pid_ << " did not die after SIGKILL\n";
  return ExitStatus{};
}

ExitStatus ServerProcess::Kill() {
  auto killed = SignalAndWait(SIGKILL, absl::Seconds(5));
  if (killed.ok()) return *killed;
  std::cerr << "ServerProcess: pid " << pid_ << " did not die after SIGKILL\n";
  return ExitStatus{};
}

ServerProcess::~ServerProcess() {
  ExitStatus status = Stop();
  if (status.signaled && status.signal != SIGTERM && status.signal != SIGKILL) {
    std::cerr << "ServerProcess: `" << CommandLine() << "` " << status.ToString() << "\n--- server output ---\n"
              << CapturedOutput() << "\n";
  }
  if (!log_path_.empty()) unlink(log_path_.c_str());
  if (!temp_dir_.empty()) rmdir(temp_dir_.c_str());
}

std::string ServerProcess::CommandLine() const { return absl::StrJoin(argv_, " "); }

std::string ServerProcess::CapturedOutput() const {
  if (log_path_.empty()) return "";
  std::ifstream in(log_path_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace tandem::testing
