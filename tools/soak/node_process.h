// NodeProcess: one tandemd child of the soak tool, started with a fixed
// command line so it can be killed and restarted exactly as an operator's
// supervisor would restart it. The object owns the process and stops it by
// PID (never by name); its stdout/stderr go to a log file the caller names.
#ifndef TANDEM_TOOLS_SOAK_NODE_PROCESS_H_
#define TANDEM_TOOLS_SOAK_NODE_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tandem::soak {

// A loopback TCP port that nothing listens on now, below Linux's ephemeral
// range so outgoing connections cannot take it meanwhile.
absl::StatusOr<int> PickFreePort();

class NodeProcess {
 public:
  // `argv` excludes the binary; `port` is the client port it listens on.
  NodeProcess(std::string binary, std::vector<std::string> argv, int port, std::string log_path);
  ~NodeProcess();
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // Spawns the process and waits (bounded) until it accepts connections.
  absl::Status Start(absl::Duration timeout = absl::Seconds(10));
  // SIGKILL and reap: the crash the soak inflicts.
  void Kill();
  // SIGTERM, a bounded wait, then SIGKILL.
  void Stop();

  bool running() const { return pid_ > 0; }
  // False (and reaped) when the child died on its own.
  bool StillAlive();
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  int incarnation() const { return incarnation_; }
  // VmRSS from /proc, 0 when not running.
  uint64_t ResidentBytes() const;

 private:
  bool WaitExit(absl::Duration timeout);

  const std::string binary_;
  const std::vector<std::string> argv_;
  const int port_;
  const std::string log_path_;
  pid_t pid_ = -1;
  int incarnation_ = 0;
};

}  // namespace tandem::soak

#endif  // TANDEM_TOOLS_SOAK_NODE_PROCESS_H_
