// HoldingRelay: a TCP relay between two nodes whose either direction can be
// held. While a direction is held the relay keeps what it reads; Release
// then writes everything kept at once (one send() when the socket takes
// it, one TCP segment on loopback up to 64 KB) and goes on holding, so the
// far side gets a burst of many records and then silence. Tests use it to
// hand a node's TLS many records in one read with nothing after them.
// It listens on 127.0.0.1 (port from the kernel) and forwards the
// connections it accepts to 127.0.0.1:target_port; one poll() thread, which
// the destructor stops within a few milliseconds. Closing either side
// closes both.
#ifndef TANDEM_TESTS_INTEGRATION_HOLDING_RELAY_H_
#define TANDEM_TESTS_INTEGRATION_HOLDING_RELAY_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tests/support/free_port_listener.h"

namespace tandem::testing {

class HoldingRelay {
 public:
  enum Direction { kToTarget = 0, kFromTarget = 1 };

  explicit HoldingRelay(int target_port) {
    target_ = Ipv4Address("127.0.0.1", target_port);
    const FreePortListener listener = ListenOnFreePort("127.0.0.1", SOCK_NONBLOCK);
    listener_ = listener.fd;
    if (listener_ < 0) return;
    port_ = listener.port;
    thread_ = std::thread([this] { Loop(); });
  }
  ~HoldingRelay() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (auto& c : conns_) c->Close();
    if (listener_ >= 0) close(listener_);
  }
  HoldingRelay(const HoldingRelay&) = delete;
  HoldingRelay& operator=(const HoldingRelay&) = delete;

  // The listening port; 0 when the relay could not start.
  int port() const { return port_; }

  // From now on, keep what arrives in direction `d` (on every connection).
  void Hold(Direction d) {
    absl::MutexLock lock(&mu_);
    held_[d] = true;
  }
  // What direction `d` keeps now (the newest connection's).
  std::string Kept(Direction d) {
    absl::MutexLock lock(&mu_);
    return conns_.empty() ? "" : conns_.back()->kept[d];
  }
  // Writes what `d` kept at once and keeps holding; waits (bounded) until
  // the relay's thread has done it. False if there was no connection or
  // the write failed.
  bool Release(Direction d) { return Flush(d, /*then_hold=*/true); }
  // Writes what `d` kept and stops holding it.
  bool Pass(Direction d) { return Flush(d, /*then_hold=*/false); }

 private:
  struct Connection {
    int fd[2] = {-1, -1};  // [kToTarget]: reads from the dialer; [kFromTarget]: reads from the target
    std::string kept[2];
    bool closed = false;
    void Close() {
      if (closed) return;
      closed = true;
      close(fd[0]);
      close(fd[1]);
    }
  };

  void Accept() {
    const int client = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0) return;
    const int target = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (target < 0 || connect(target, reinterpret_cast<const sockaddr*>(&target_), sizeof target_) != 0) {
      close(client);
      if (target >= 0) close(target);
      return;
    }
    fcntl(target, F_SETFL, fcntl(target, F_GETFL) | O_NONBLOCK);
    int big = 1 << 20;  // a release of what was kept goes out in one send()
    for (int fd : {client, target}) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    auto c = std::make_unique<Connection>();
    c->fd[kToTarget] = client;
    c->fd[kFromTarget] = target;
    absl::MutexLock lock(&mu_);
    conns_.push_back(std::move(c));
  }

  // Writes all of `bytes` to `fd` (bounded: the far side reads promptly).
  static bool WriteAll(int fd, const std::string& bytes) {
    size_t off = 0;
    for (int spins = 0; off < bytes.size() && spins < 5000; ++spins) {
      const ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return false;
      } else {
        usleep(1000);
      }
    }
    return off == bytes.size();
  }

  // Reads what direction `d` of `c` has: forwards it, or keeps it while held.
  // False on EOF or error.
  bool Relay(Connection& c, int d) {
    char buf[65536];
    const ssize_t n = read(c.fd[d], buf, sizeof buf);
    if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EINTR);
    absl::MutexLock lock(&mu_);
    if (held_[d]) {
      c.kept[d].append(buf, static_cast<size_t>(n));
      return true;
    }
    return WriteAll(c.fd[1 - d], std::string(buf, static_cast<size_t>(n)));
  }

  bool Flush(Direction d, bool then_hold) {
    absl::MutexLock lock(&mu_);
    release_[d] = true;
    hold_after_release_[d] = then_hold;
    released_ok_[d] = false;
    auto done = [this, d] { return !release_[d]; };
    mu_.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(5));
    return !release_[d] && released_ok_[d];
  }

  void ReleaseRequested() {
    absl::MutexLock lock(&mu_);
    for (int d = 0; d < 2; ++d) {
      if (!release_[d]) continue;
      bool ok = false;
      if (!conns_.empty() && !conns_.back()->closed) {
        Connection& c = *conns_.back();
        ok = WriteAll(c.fd[1 - d], c.kept[d]);
        c.kept[d].clear();
      }
      released_ok_[d] = ok;
      held_[d] = hold_after_release_[d];
      release_[d] = false;
    }
  }

  void Loop() {
    while (!stop_) {
      std::vector<pollfd> fds = {{listener_, POLLIN, 0}};
      std::vector<Connection*> open;
      {
        absl::MutexLock lock(&mu_);
        for (auto& c : conns_) {
          if (c->closed) continue;
          open.push_back(c.get());
          fds.push_back({c->fd[0], POLLIN, 0});
          fds.push_back({c->fd[1], POLLIN, 0});
        }
      }
      if (poll(fds.data(), fds.size(), 5) < 0 && errno != EINTR) break;
      if (fds[0].revents & POLLIN) Accept();
      for (size_t i = 0; i < open.size(); ++i) {
        for (int d = 0; d < 2; ++d) {
          if ((fds[1 + 2 * i + d].revents & (POLLIN | POLLHUP | POLLERR)) && !Relay(*open[i], d)) {
            absl::MutexLock lock(&mu_);
            open[i]->Close();
            break;
          }
        }
      }
      ReleaseRequested();
    }
  }

  int listener_ = -1;
  int port_ = 0;
  sockaddr_in target_{};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> conns_;  // only the relay's thread adds or closes
  bool held_[2] = {false, false};
  bool release_[2] = {false, false};  // Flush asked the relay's thread to write what was kept
  bool hold_after_release_[2] = {true, true};
  bool released_ok_[2] = {false, false};
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_INTEGRATION_HOLDING_RELAY_H_
