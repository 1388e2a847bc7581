// Adversary: the shared frame of the adversarial-client tests
// (adversarial_*_test.cc). Each test starts a real tandemd, keeps a
// well-behaved "bystander" client talking to it from its own thread during
// the attack, and afterwards checks that the server recovered: it still
// answers, `stats` works, curr_connections and the open descriptor count
// (/proc/PID/fd) are back at their baseline, and the peak resident memory
// (VmHWM in /proc/PID/status) stayed within -m plus a documented overhead.
//
// The bystander's request latencies are reported (RecordProperty and a log
// line) but never asserted on: on a loaded 2-core machine they mean little.
// Every wait is bounded.
#ifndef TANDEM_TESTS_INTEGRATION_ADVERSARY_H_
#define TANDEM_TESTS_INTEGRATION_ADVERSARY_H_

#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"
#include "tests/support/status_helpers.h"

namespace tandem::testing {

// Peak resident memory allowed above -m (64 MB by default in these tests):
// thread stacks, the hash table, libevent, the allocator's free lists, and
// per connection at most 512 KB of unread replies plus one reply and a 4 MB
// input buffer. A copy of the value per request named by an attacker, which
// is what these tests guard against, costs gigabytes.
inline constexpr int64_t kOverheadKb = 64 * 1024;
// AddressSanitizer keeps up to 256 MB of freed memory in quarantine and
// adds shadow memory, all resident.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr int64_t kSanitizerOverheadKb = 512 * 1024;
#else
inline constexpr int64_t kSanitizerOverheadKb = 0;
#endif

template <typename Cond>
bool WaitUntil(Cond cond, absl::Duration timeout, absl::Duration step = absl::Milliseconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (cond()) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(step);
  }
}

inline int OpenFdCount(pid_t pid) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

// A "Vm...:  1234 kB" field of /proc/PID/status, in kB; -1 if absent.
inline int64_t ProcStatusKb(pid_t pid, std::string_view field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(field) || line.size() <= field.size() || line[field.size()] != ':') continue;
    std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    int64_t kb;
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kb)) return kb;
  }
  return -1;
}

// The value of "STAT name value" in a stats reply; -1 if absent.
inline int64_t StatOf(std::string_view stats, std::string_view name) {
  const std::string needle = "STAT " + std::string(name) + " ";
  const size_t at = stats.find(needle);
  if (at == std::string_view::npos) return -1;
  const size_t begin = at + needle.size();
  int64_t value;
  if (!absl::SimpleAtoi(std::string(stats.substr(begin, stats.find("\r\n", begin) - begin)), &value)) return -1;
  return value;
}

// A well-behaved client on its own thread: set, then get, of its own key in
// a loop, every reply checked byte for byte, each round's latency recorded.
class Bystander {
 public:
  explicit Bystander(int port) : port_(port) {}
  ~Bystander() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  // Stops the loop and reports: false (with *error) if any reply was wrong
  // or missing.
  bool Stop(std::string* error = nullptr) {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (error != nullptr) *error = error_;
    return error_.empty();
  }

  // Logs and records the latency figures under `label`.
  void Report(std::string_view label) const {
    std::vector<absl::Duration> sorted = latencies_;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) {
      if (sorted.empty()) return int64_t{-1};
      return absl::ToInt64Microseconds(sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()))]);
    };
    ::testing::Test::RecordProperty("bystander_rounds", static_cast<int>(sorted.size()));
    ::testing::Test::RecordProperty("bystander_p50_us", static_cast<int>(at(0.5)));
    ::testing::Test::RecordProperty("bystander_p99_us", static_cast<int>(at(0.99)));
    ::testing::Test::RecordProperty("bystander_max_us", static_cast<int>(at(1.0)));
    std::cerr << "[bystander] " << label << ": " << sorted.size() << " set+get rounds during the attack, p50 "
              << at(0.5) << " us, p99 " << at(0.99) << " us, max " << at(1.0) << " us\n";
  }

  size_t rounds() const { return rounds_.load(); }

 private:
  void Run() {
    auto sock = RawSocket::Connect(port_);
    if (!sock.ok()) {
      error_ = sock.status().ToString();
      return;
    }
    for (int i = 0; !stop_ && i < 100000; ++i) {
      const std::string value = absl::StrCat("round", i);
      const std::string request = absl::StrCat("set bystander 7 0 ", value.size(), "\r\n", value,
                                               "\r\nget bystander\r\n");
      const std::string expected = absl::StrCat("STORED\r\nVALUE bystander 7 ", value.size(), "\r\n", value,
                                                "\r\nEND\r\n");
      const absl::Time start = absl::Now();
      absl::Status sent = sock->Send(request, absl::Seconds(20));
      auto got = sent.ok() ? sock->ReadExactly(expected.size(), absl::Seconds(20)) : absl::StatusOr<std::string>(sent);
      if (!got.ok() || *got != expected) {
        error_ = absl::StrCat("round ", i, ": ", got.ok() ? EscapeBytes(*got) : got.status().ToString());
        return;
      }
      latencies_.push_back(absl::Now() - start);
      rounds_.fetch_add(1);
      absl::SleepFor(absl::Milliseconds(5));
    }
  }

  const int port_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> rounds_{0};
  std::thread thread_;
  std::vector<absl::Duration> latencies_;
  std::string error_;
};

// The fixture: one tandemd per test, a control connection for stats, and
// the recovery checks.
class AdversarialTest : public ::testing::Test {
 protected:
  static constexpr int64_t kMemoryLimitMb = 64;

  void Start(std::vector<std::string> args = {}) {
    ServerOptions options;
    options.binary = ServerUnderTestPath();
    options.args = {"-m", absl::StrCat(kMemoryLimitMb)};
    options.args.insert(options.args.end(), args.begin(), args.end());
    auto server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto control = RawSocket::Connect(server_->port());
    ASSERT_TRUE(control.ok()) << control.status();
    control_ = std::move(*control);
    ASSERT_NO_FATAL_FAILURE(Stats());  // the control connection is registered
    bystander_ = std::make_unique<Bystander>(server_->port());
    bystander_->Start();
    // The baseline includes the bystander's connection.
    ASSERT_TRUE(WaitUntil([&] { return StatOf(Stats(), "curr_connections") >= 0 && bystander_->rounds() > 0; },
                          absl::Seconds(20)))
        << "the bystander never completed a round";
    baseline_connections_ = StatOf(Stats(), "curr_connections");
    baseline_fds_ = OpenFdCount(server_->pid());
    ASSERT_GT(baseline_fds_, 0);
  }

  int port() const { return server_->port(); }
  absl::StatusOr<RawSocket> Connect() { return RawSocket::Connect(server_->port()); }

  // The stats reply, on the control connection; reconnects once if the
  // server closed it (-o idle_timeout closes it between the checks).
  std::string Stats() {
    for (int attempt = 0; attempt < 2; ++attempt) {
      absl::StatusOr<std::string> reply = absl::UnavailableError("not sent");
      if (control_.Send("stats\r\n").ok()) reply = control_.ReadUntil("END\r\n", absl::Seconds(20));
      if (reply.ok()) return *reply;
      if (attempt == 0) {
        auto control = RawSocket::Connect(server_->port());
        if (control.ok()) control_ = std::move(*control);
        continue;
      }
      ADD_FAILURE() << "stats: " << reply.status();
    }
    return "";
  }

  // Sends `request` on `sock` and expects exactly `expected` back.
  static void ExpectReply(RawSocket& sock, std::string_view request, std::string_view expected) {
    ASSERT_OK(sock.Send(request, absl::Seconds(20)));
    auto got = sock.ReadExactly(expected.size(), absl::Seconds(20));
    std::string text = got.ok() ? *got : sock.ReadAvailable(absl::Milliseconds(50)) + "<" + got.status().ToString() + ">";
    EXPECT_EQ(EscapeBytes(expected), EscapeBytes(text)) << "request: " << EscapeBytes(request.substr(0, 200));
  }

  // After the attacker's sockets are closed: the bystander was never
  // wrong, and the server is back where it started.
  void ExpectRecovered(std::string_view label) {
    std::string error;
    EXPECT_TRUE(bystander_->Stop(&error)) << "bystander: " << error;
    bystander_->Report(label);
    ASSERT_TRUE(server_->IsRunning()) << server_->CapturedOutput();
    int64_t connections = -1;
    EXPECT_TRUE(WaitUntil([&] { return (connections = StatOf(Stats(), "curr_connections")) <= baseline_connections_; },
                          absl::Seconds(20)))
        << "curr_connections " << connections << ", baseline " << baseline_connections_;
    // The bystander's socket is closed too now; it was part of the baseline.
    int fds = -1;
    EXPECT_TRUE(WaitUntil([&] { return (fds = OpenFdCount(server_->pid())) <= baseline_fds_; }, absl::Seconds(20)))
        << "open descriptors " << fds << ", baseline " << baseline_fds_;
    const int64_t peak_kb = ProcStatusKb(server_->pid(), "VmHWM");
    const int64_t rss_kb = ProcStatusKb(server_->pid(), "VmRSS");
    ::testing::Test::RecordProperty("peak_rss_kb", static_cast<int>(peak_kb));
    std::cerr << "[memory] " << label << ": peak RSS " << peak_kb / 1024 << " MB, now " << rss_kb / 1024
              << " MB (-m " << kMemoryLimitMb << ")\n";
    EXPECT_LE(peak_kb, kMemoryLimitMb * 1024 + kOverheadKb + kSanitizerOverheadKb);
    // Still serving.
    ASSERT_OK_AND_ASSIGN(RawSocket fresh, Connect());
    ExpectReply(fresh, "set after 0 0 2\r\nok\r\nget after\r\n", "STORED\r\nVALUE after 0 2\r\nok\r\nEND\r\n");
  }

  std::unique_ptr<ServerProcess> server_;
  RawSocket control_;
  std::unique_ptr<Bystander> bystander_;
  int64_t baseline_connections_ = -1;
  int baseline_fds_ = -1;
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_INTEGRATION_ADVERSARY_H_
