// DelayRelay: a TCP relay that holds every byte for a fixed time in each
// direction, for tests that need a slow link where the kernel has no netem.
// It listens on `listen_addr` (port chosen by the kernel) and forwards each
// connection to `target_addr:target_port`, in order, `delay` late, and,
// when `bytes_per_second` is not 0, no faster than that in each direction
// (a token bucket refilled as time passes, at most 10 ms of burst). Closing
// either side closes both, dropping bytes still held (as a reset would).
// One poll() thread; the destructor stops it
// within a few milliseconds. Sockets are opened on the constructing thread
// and the relay's thread, so both live in the constructing thread's
// network namespace.
#ifndef TANDEM_TESTS_INTEGRATION_DELAY_RELAY_H_
#define TANDEM_TESTS_INTEGRATION_DELAY_RELAY_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/support/free_port_listener.h"

namespace tandem::testing {

class DelayRelay {
 public:
  DelayRelay(const std::string& listen_addr, const std::string& target_addr, int target_port, absl::Duration delay,
             size_t bytes_per_second = 0)
      : delay_(delay), bytes_per_second_(bytes_per_second) {
    target_ = Ipv4Address(target_addr, target_port);
    const FreePortListener listener = ListenOnFreePort(listen_addr, SOCK_NONBLOCK);
    listener_ = listener.fd;
    if (listener_ < 0) return;
    port_ = listener.port;
    thread_ = std::thread([this] { Loop(); });
  }
  ~DelayRelay() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (auto& c : conns_) c->Close();
    if (listener_ >= 0) close(listener_);
  }
  DelayRelay(const DelayRelay&) = delete;
  DelayRelay& operator=(const DelayRelay&) = delete;

  // The listening port; 0 when the relay could not start.
  int port() const { return port_; }

 private:
  struct Chunk {
    absl::Time due;
    std::string bytes;
  };
  // One direction: bytes read from `from` wait in `queue` until due, then
  // go to `to`.
  struct Direction {
    int from = -1, to = -1;
    std::deque<Chunk> queue;
    double tokens = 0;  // bytes that may go now (bandwidth limit only)
    absl::Time refilled = absl::Now();
  };
  struct Connection {
    Direction up, down;  // client -> target, target -> client
    bool closed = false;
    void Close() {
      if (closed) return;
      closed = true;
      close(up.from);
      close(up.to);
    }
  };

  void Accept() {
    const int client = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0) return;
    // A blocking connect keeps this simple; the target is one veth hop away.
    const int target = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (target < 0 || connect(target, reinterpret_cast<const sockaddr*>(&target_), sizeof target_) != 0) {
      close(client);
      if (target >= 0) close(target);
      return;
    }
    fcntl(target, F_SETFL, fcntl(target, F_GETFL) | O_NONBLOCK);
    auto c = std::make_unique<Connection>();
    c->up.from = c->down.to = client;
    c->up.to = c->down.from = target;
    conns_.push_back(std::move(c));
  }

  // Reads what `d.from` has; false on EOF or error.
  bool Read(Direction& d) {
    char buf[16384];
    const ssize_t n = read(d.from, buf, sizeof buf);
    if (n > 0) d.queue.push_back({absl::Now() + delay_, std::string(buf, static_cast<size_t>(n))});
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
  }

  // How many bytes `d` may send now under the bandwidth limit.
  size_t Allowance(Direction& d, absl::Time now) const {
    if (bytes_per_second_ == 0) return SIZE_MAX;
    const double rate = static_cast<double>(bytes_per_second_);
    d.tokens = std::min(rate / 100, d.tokens + rate * absl::ToDoubleSeconds(now - d.refilled));
    d.refilled = now;
    return static_cast<size_t>(d.tokens);
  }

  // Writes the chunks that are due (within the bandwidth); false on a write error.
  bool Deliver(Direction& d, absl::Time now) {
    while (!d.queue.empty() && d.queue.front().due <= now) {
      std::string& bytes = d.queue.front().bytes;
      const size_t allowed = std::min(bytes.size(), Allowance(d, now));
      if (allowed == 0) return true;
      const ssize_t n = send(d.to, bytes.data(), allowed, MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EINTR;
      if (bytes_per_second_ != 0) d.tokens -= static_cast<double>(n);
      bytes.erase(0, static_cast<size_t>(n));
      if (!bytes.empty()) return true;
      d.queue.pop_front();
    }
    return true;
  }

  void Loop() {
    while (!stop_) {
      std::erase_if(conns_, [](const auto& c) { return c->closed; });
      std::vector<pollfd> fds = {{listener_, POLLIN, 0}};
      for (auto& c : conns_) {
        fds.push_back({c->up.from, POLLIN, 0});
        fds.push_back({c->down.from, POLLIN, 0});
      }
      poll(fds.data(), fds.size(), 2);  // short: due chunks are sent on the next pass
      const absl::Time now = absl::Now();
      for (size_t k = 0; k < conns_.size(); ++k) {
        Connection& c = *conns_[k];
        const bool up_readable = fds[1 + 2 * k].revents != 0, down_readable = fds[2 + 2 * k].revents != 0;
        bool ok = (!up_readable || Read(c.up)) && (!down_readable || Read(c.down));
        ok = ok && Deliver(c.up, now) && Deliver(c.down, now);
        if (!ok) c.Close();
      }
      if (fds[0].revents & POLLIN) Accept();
    }
  }

  absl::Duration delay_;
  size_t bytes_per_second_;  // 0: unlimited
  sockaddr_in target_{};
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Connection>> conns_;  // only the relay's thread touches these
  std::thread thread_;
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_INTEGRATION_DELAY_RELAY_H_
