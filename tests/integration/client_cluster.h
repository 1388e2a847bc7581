// ClientCluster: real tandemd processes arranged as the shards of a client
// ring, for the client library's integration tests (client_*_test.cc).
//
// Each shard is one or two tandemd processes on free loopback ports; the
// cluster renders the client's configuration string for them, can kill a
// node (SIGKILL, by PID: no graceful goodbye, like a crashed machine), and
// can start it again on the same port (the fresh process also listens on a
// new free port, which ServerProcess uses to see it is up). There is no
// replication between the two nodes of a pair yet: each is a plain cache,
// which lets the tests see which node a request reached.
#ifndef TANDEM_TESTS_INTEGRATION_CLIENT_CLUSTER_H_
#define TANDEM_TESTS_INTEGRATION_CLIENT_CLUSTER_H_

#include <signal.h>

#include <memory>
#include <filesystem>
#include <fstream>
#include <thread>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"

namespace tandem::testing {

class ClientCluster {
 public:
  // `shards` entries: 1 (single node) or 2 (pair).
  static absl::StatusOr<ClientCluster> Start(std::vector<int> shards) {
    ClientCluster cluster;
    for (int size : shards) {
      std::vector<Node> nodes;
      for (int i = 0; i < size; ++i) {
        absl::StatusOr<std::unique_ptr<ServerProcess>> server = Spawn({});
        if (!server.ok()) return server.status();
        Node node;
        node.port = (*server)->port();
        node.process = std::move(*server);
        nodes.push_back(std::move(node));
      }
      cluster.shards_.push_back(std::move(nodes));
    }
    return cluster;
  }

  // "127.0.0.1:P1/127.0.0.1:P2,127.0.0.1:P3,..."
  std::string Config() const {
    std::string config;
    for (const std::vector<Node>& shard : shards_) {
      if (!config.empty()) config.append(",");
      for (size_t i = 0; i < shard.size(); ++i) {
        if (i > 0) config.append("/");
        config.append(absl::StrCat("127.0.0.1:", shard[i].port));
      }
    }
    return config;
  }

  int port(size_t shard, size_t node) const { return shards_[shard][node].port; }

  void Kill(size_t shard, size_t node) {
    Node& n = shards_[shard][node];
    if (n.process != nullptr) n.process->Kill();
    n.process.reset();
  }
  // SIGSTOP / SIGCONT: the node keeps its sockets but answers nothing.
  static bool AllThreadsStopped(pid_t pid) {
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(
             absl::StrCat("/proc/", pid, "/task"), ec)) {
      std::ifstream stat(task.path() / "stat");
      std::string line;
      std::getline(stat, line);
      size_t paren = line.rfind(')');
      if (paren == std::string::npos || paren + 2 >= line.size()) return false;
      char state = line[paren + 2];
      if (state != 'T' && state != 't') return false;
    }
    return !ec;
  }

  // SIGSTOP, then waits (bounded) until the kernel reports the process
  // stopped: kill() returns before every thread has stopped, and a request
  // sent in that window is still answered.
  void Freeze(size_t shard, size_t node) {
    const pid_t pid = shards_[shard][node].process->pid();
    ::kill(pid, SIGSTOP);
    for (int i = 0; i < 400 && !AllThreadsStopped(pid); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  void Thaw(size_t shard, size_t node) { ::kill(shards_[shard][node].process->pid(), SIGCONT); }

  // Starts a killed node again on its old port.
  absl::Status Restart(size_t shard, size_t node) {
    Node& n = shards_[shard][node];
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        Spawn({"-l", absl::StrCat("127.0.0.1:", n.port)});
    if (!server.ok()) return server.status();
    n.process = std::move(*server);
    return absl::OkStatus();
  }

  // Sends `request` straight to one node and returns the reply bytes up to
  // and including `until` ("" on failure).
  std::string Ask(size_t shard, size_t node, std::string_view request, std::string_view until = "\r\n") const {
    absl::StatusOr<RawSocket> socket = RawSocket::Connect(port(shard, node));
    if (!socket.ok() || !socket->Send(request).ok()) return "";
    absl::StatusOr<std::string> reply = socket->ReadUntil(until);
    return reply.ok() ? *reply : "";
  }

 private:
  struct Node {
    int port = 0;
    std::unique_ptr<ServerProcess> process;
  };

  static absl::StatusOr<std::unique_ptr<ServerProcess>> Spawn(std::vector<std::string> extra) {
    ServerOptions options;
    options.binary = TandemdPath();
    options.args = {"-t", "2", "-m", "32"};
    options.args.insert(options.args.end(), extra.begin(), extra.end());
    return ServerProcess::Start(options);
  }

  std::vector<std::vector<Node>> shards_;
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_INTEGRATION_CLIENT_CLUSTER_H_
