// NodeProcess: see node_process.h.
#include "tools/soak/node_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace tandem::soak {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool CanBind(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = Loopback(port);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = Loopback(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<int> PickFreePort() {
  // Linux hands out source ports from 32768 up; stay below.
  std::random_device seed;
  std::mt19937 rng(seed());
  std::uniform_int_distribution<int> dist(20000, 32000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    int port = dist(rng);
    if (CanBind(port)) return port;
  }
  return absl::ResourceExhaustedError("no free loopback port found");
}

NodeProcess::NodeProcess(std::string binary, std::vector<std::string> argv, int port, std::string log_path)
    : binary_(std::move(binary)), argv_(std::move(argv)), port_(port), log_path_(std::move(log_path)) {}

NodeProcess::~NodeProcess() { Stop(); }

absl::Status NodeProcess::Start(absl::Duration timeout) {
  if (running()) return absl::FailedPreconditionError("already running");
  std::vector<char*> args;
  args.push_back(const_cast<char*>(binary_.c_str()));
  for (const std::string& a : argv_) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return absl::InternalError(absl::StrCat("cannot open ", log_path_));
  const std::string banner = absl::StrCat("--- tandem-soak: start #", incarnation_ + 1, " at ",
                                          absl::FormatTime("%H:%M:%E3S", absl::Now(), absl::UTCTimeZone()), "\n");
  if (write(log, banner.data(), banner.size()) < 0) {
    // The log is for people; a failed banner write does not stop the soak.
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(log);
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execv(binary_.c_str(), args.data());
    _exit(127);
  }
  close(log);
  pid_ = pid;
  ++incarnation_;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (!StillAlive()) return absl::InternalError(absl::StrCat(binary_, " exited during startup; see ", log_path_));
    if (Accepts(port_)) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));
  }
  Kill();
  return absl::DeadlineExceededError(absl::StrCat("node on port ", port_, " did not accept connections"));
}

bool NodeProcess::StillAlive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

bool NodeProcess::WaitExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (!StillAlive()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return !StillAlive();
}

void NodeProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void NodeProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  if (!WaitExit(absl::Seconds(10))) Kill();
}

uint64_t NodeProcess::ResidentBytes() const {
  if (pid_ <= 0) return 0;
  std::ifstream status(absl::StrCat("/proc/", pid_, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    uint64_t kb = 0;
    std::string digits;
    for (char c : line) {
      if (c >= '0' && c <= '9') digits.push_back(c);
    }
    if (absl::SimpleAtoi(digits, &kb)) return kb * 1024;
  }
  return 0;
}

}  // namespace tandem::soak
