// ServerProcess: one memcached-compatible server (tandemd or the reference
// memcached) running as a child of the test, listening on a free loopback
// port. The object owns the process: the destructor stops it by PID
// (SIGTERM, a bounded wait, then SIGKILL) and deletes the temporary
// directory that holds its captured stdout/stderr.
//
// Ports are picked at random below the Linux ephemeral range (which outgoing
// test connections use) and checked with a trial bind; if the child still
// loses the race and exits during startup, another port is tried. This keeps
// concurrent test binaries (ctest -j) from colliding.
#ifndef TANDEM_TESTS_SUPPORT_SERVER_PROCESS_H_
#define TANDEM_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tandem::testing {

// Where the binaries live.
std::string TandemdPath();    // TANDEM_BIN_DIR "/tandemd"
std::string MemcachedPath();  // /usr/bin/memcached
bool IsExecutable(const std::string& path);

// The binary the integration tests target: $TANDEM_TEST_SERVER when set (to
// check the tests themselves against real memcached), else tandemd.
std::string ServerUnderTestPath();

struct ServerOptions {
  std::string binary;
  // Flags after the ones ServerProcess adds itself (see below).
  std::vector<std::string> args;
  // Adds "-p PORT -l 127.0.0.1 -U 0" (and "-u root" when running as root,
  // which memcached requires). Turn off to pass a fully custom command line.
  bool add_listen_args = true;
  // Extra free ports to reserve (e.g. a replication port). In `args`, the
  // text "{port}" is replaced by the main port and "{port1}".."{portN}" by
  // the extra ones; they are also available through extra_ports().
  int extra_port_count = 0;
  // Restarting a server on the ports it had: when set, [0] is the main port
  // and the rest are the extra ports (extra_port_count is ignored), and no
  // other port is tried.
  std::vector<int> fixed_ports;
  absl::Duration startup_timeout = absl::Seconds(5);
  int max_port_attempts = 8;
};

struct ExitStatus {
  bool exited = false;   // normal exit: `code` is valid
  int code = 0;
  bool signaled = false; // killed by `signal`
  int signal = 0;
  std::string ToString() const;
};

class ServerProcess {
 public:
  // Spawns the server and waits (bounded) until it accepts TCP connections.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(ServerOptions options);

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& binary() const { return options_.binary; }
  const std::vector<int>& extra_ports() const { return extra_ports_; }
  // The full argv used, for messages.
  std::string CommandLine() const;

  // True while the child has not exited (reaps it if it has).
  bool IsRunning();

  // Sends `sig` and waits up to `timeout` for the child to exit. Returns
  // DeadlineExceeded (and leaves the child running) on timeout.
  absl::StatusOr<ExitStatus> SignalAndWait(int sig, absl::Duration timeout);

  // SIGTERM, up to `grace` to exit, then SIGKILL. Idempotent: after the
  // child is reaped it returns the status it exited with.
  ExitStatus Stop(absl::Duration grace = absl::Seconds(5));

  // SIGKILL and reap, for suites that do not test shutdown and would rather
  // not wait for a graceful exit (memcached takes up to 1 s after SIGTERM).
  ExitStatus Kill();

  // Everything the child wrote to stdout and stderr so far.
  std::string CapturedOutput() const;

 private:
  explicit ServerProcess(ServerOptions options);
  absl::Status SpawnOnce(int port, std::vector<int> extra_ports);
  absl::Status WaitUntilAccepting();
  // Non-blocking reap; true when the child is gone (status recorded).
  bool TryReap();

  ServerOptions options_;
  std::vector<std::string> argv_;
  std::string temp_dir_;
  std::string log_path_;
  int port_ = 0;
  std::vector<int> extra_ports_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_status_;
};

// Reserves a loopback TCP port that is bindable right now (best effort, see
// the file comment). Exposed for tests that need a port nobody listens on.
absl::StatusOr<int> PickFreePort();

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_SUPPORT_SERVER_PROCESS_H_
