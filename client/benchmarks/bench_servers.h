// Benchmark support: tandemd processes on free loopback ports, started by
// the benchmark itself and stopped by PID when it exits (client_benchmark,
// libmemcached_benchmark). Header-only: benchmarks are single files.
#ifndef TANDEM_CLIENT_BENCHMARKS_BENCH_SERVERS_H_
#define TANDEM_CLIENT_BENCHMARKS_BENCH_SERVERS_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace tandem::client {

inline int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval timeout{5, 0};  // a reply that never comes fails the benchmark, not hangs it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

// A port the kernel just handed out and released (the server binds it a
// moment later; a lost race shows as a server that never answers, retried).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class Tandemd {
 public:
  static std::unique_ptr<Tandemd> Start(const std::string& binary) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto server = std::unique_ptr<Tandemd>(new Tandemd());
      server->port_ = FreePort();
      std::vector<std::string> args = {binary, "-p", std::to_string(server->port_), "-l",
                                       "127.0.0.1", "-U", "0", "-t", "1", "-m", "64"};
      if (geteuid() == 0) args.insert(args.end(), {"-u", "root"});
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      if (posix_spawn(&server->pid_, binary.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
        return nullptr;
      }
      for (int i = 0; i < 500; ++i) {
        int fd = ConnectLoopback(server->port_);
        if (fd >= 0) {
          close(fd);
          return server;
        }
        int status;
        if (waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
          server->pid_ = -1;  // exited (port taken?): try another port
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    return nullptr;
  }
  ~Tandemd() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

 private:
  Tandemd() = default;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_BENCHMARKS_BENCH_SERVERS_H_
