// Tools of the attacker in replication_security_test.cc, who sits on the
// network between or beside the two nodes of a pair and does not hold the
// secret:
//   - V1 frames: the replication handshake as it was before the link became
//     TLS (HELLO with a challenge nonce, AUTH with an HMAC proof, frames
//     guarded by a CRC-32C only). The attacker speaks it to relay one
//     node's proof to the other; a TLS node never answers it.
//   - TamperRelay: a TCP relay between the nodes that, once armed, changes
//     the next large chunk from the target: when it can read the marker in
//     plaintext it rewrites it and repairs the frame's CRC (a forgery a
//     checksum cannot catch), otherwise it flips one byte (all it can do to
//     ciphertext). Everything it relays is kept, so a test can also check
//     that no plaintext crossed the wire.
#ifndef TANDEM_TESTS_INTEGRATION_LINK_ATTACKER_H_
#define TANDEM_TESTS_INTEGRATION_LINK_ATTACKER_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/support/free_port_listener.h"
#include "tests/support/raw_socket.h"

namespace tandem::testing::attack {

inline uint32_t Crc32c(std::string_view data) {
  uint32_t crc = ~0u;
  for (char ch : data) {
    crc ^= static_cast<uint8_t>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline uint64_t Le(std::string_view s, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(s[at + i])} << (8 * i);
  return v;
}

inline std::string PutLe(uint64_t v, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

// ---- the v1 handshake ------------------------------------------------------
struct V1Frame {
  uint8_t type = 0;
  std::string payload;
};

inline std::string EncodeV1(uint8_t type, const std::string& payload) {
  const std::string body = std::string(1, static_cast<char>(type)) + payload;
  return PutLe(body.size(), 4) + PutLe(Crc32c(body), 4) + body;
}

inline std::string V1Hello(uint64_t node_id, const std::string& nonce) {
  return EncodeV1(1, PutLe(0x4d444e54, 4) + PutLe(1, 2) + PutLe(node_id, 8) + nonce);
}

// AUTH with a MAC the attacker did not compute, claiming a fresh peer (so
// the node answers with a full copy).
inline std::string V1Auth(const std::string& mac) {
  return EncodeV1(2, mac + PutLe(0, 8) + std::string(1, '\2') + PutLe(0, 8) + PutLe(0, 8) + PutLe(0, 8));
}

// The next frame on `s`, or nothing (closed, timed out, or not a frame).
inline std::optional<V1Frame> ReadV1Frame(RawSocket& s, std::string* seen, absl::Duration timeout) {
  absl::StatusOr<std::string> header = s.ReadExactly(8, timeout);
  if (!header.ok()) return std::nullopt;
  seen->append(*header);
  const size_t len = Le(*header, 0, 4);
  if (len == 0 || len > 4096) return std::nullopt;
  absl::StatusOr<std::string> body = s.ReadExactly(len, timeout);
  if (!body.ok()) return std::nullopt;
  seen->append(*body);
  return V1Frame{static_cast<uint8_t>((*body)[0]), body->substr(1)};
}

// ---- TamperRelay -------------------------------------------------------------
class TamperRelay {
 public:
  TamperRelay(int target_port, std::string marker, std::string forged)
      : marker_(std::move(marker)), forged_(std::move(forged)) {
    target_ = Ipv4Address("127.0.0.1", target_port);
    const FreePortListener listener = ListenOnFreePort("127.0.0.1", SOCK_NONBLOCK);
    listener_ = listener.fd;
    if (listener_ < 0) return;
    port_ = listener.port;
    thread_ = std::thread([this] { Loop(); });
  }
  ~TamperRelay() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (const Pipe& p : pipes_) {
      close(p.client);
      close(p.target);
    }
    if (listener_ >= 0) close(listener_);
  }
  TamperRelay(const TamperRelay&) = delete;
  TamperRelay& operator=(const TamperRelay&) = delete;

  int port() const { return port_; }
  // The next chunk of at least kMinChunk bytes from the target is changed.
  void Arm() { armed_ = true; }
  bool tampered() const { return tampered_; }
  bool forged() const { return forged_count_ > 0; }
  // Everything relayed so far, both directions.
  std::string Seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  static constexpr size_t kMinChunk = 500;  // larger than heartbeats and acks
  struct Pipe {
    int client = -1, target = -1;
    bool closed = false;
  };

  // Rewrites the marker and repairs the CRC of the frame holding it; false
  // when the marker is not visible (ciphertext) or no frame checks out.
  bool Forge(std::string& chunk) {
    const size_t m = chunk.find(marker_);
    if (m == std::string::npos) return false;
    for (size_t p = m; p-- > 0;) {
      const size_t len = Le(chunk, p, 4);
      if (p + 8 > chunk.size() || len == 0 || p + 8 + len > chunk.size() || p + 8 + len < m + marker_.size()) {
        continue;
      }
      if (Crc32c(std::string_view(chunk).substr(p + 8, len)) != Le(chunk, p + 4, 4)) continue;
      chunk.replace(m, forged_.size(), forged_);
      chunk.replace(p + 4, 4, PutLe(Crc32c(std::string_view(chunk).substr(p + 8, len)), 4));
      ++forged_count_;
      return true;
    }
    return false;
  }

  bool Relay(int from, int to, bool from_target) {
    char buf[65536];
    const ssize_t n = read(from, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return false;
    if (n < 0) return true;
    std::string chunk(buf, static_cast<size_t>(n));
    {
      absl::MutexLock lock(&mu_);
      seen_ += chunk;
    }
    if (from_target && armed_ && chunk.size() >= kMinChunk) {
      armed_ = false;
      tampered_ = true;
      if (!Forge(chunk)) chunk[chunk.size() / 2] ^= 0x01;
    }
    // Blocking send keeps this simple: loopback and small volumes.
    int flags = fcntl(to, F_GETFL);
    fcntl(to, F_SETFL, flags & ~O_NONBLOCK);
    const bool ok = send(to, chunk.data(), chunk.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(chunk.size());
    fcntl(to, F_SETFL, flags);
    return ok;
  }

  void Loop() {
    while (!stop_) {
      std::vector<pollfd> fds = {{listener_, POLLIN, 0}};
      for (const Pipe& p : pipes_) {
        fds.push_back({p.closed ? -1 : p.client, POLLIN, 0});
        fds.push_back({p.closed ? -1 : p.target, POLLIN, 0});
      }
      poll(fds.data(), fds.size(), 5);
      for (size_t k = 0; k < pipes_.size(); ++k) {
        Pipe& p = pipes_[k];
        if (p.closed) continue;
        bool ok = true;
        if (fds[1 + 2 * k].revents != 0) ok = Relay(p.client, p.target, false);
        if (ok && fds[2 + 2 * k].revents != 0) ok = Relay(p.target, p.client, true);
        if (!ok) {
          p.closed = true;
          shutdown(p.client, SHUT_RDWR);
          shutdown(p.target, SHUT_RDWR);
        }
      }
      if (fds[0].revents & POLLIN) {
        const int client = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) continue;
        const int target = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (target < 0 || connect(target, reinterpret_cast<const sockaddr*>(&target_), sizeof target_) != 0) {
          close(client);
          if (target >= 0) close(target);
          continue;
        }
        fcntl(target, F_SETFL, fcntl(target, F_GETFL) | O_NONBLOCK);
        pipes_.push_back({client, target, false});
      }
    }
  }

  const std::string marker_, forged_;
  sockaddr_in target_{};
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false}, armed_{false}, tampered_{false};
  std::atomic<int> forged_count_{0};
  std::vector<Pipe> pipes_;  // the relay's thread only
  std::thread thread_;
  absl::Mutex mu_;
  std::string seen_;
};

}  // namespace tandem::testing::attack

#endif  // TANDEM_TESTS_INTEGRATION_LINK_ATTACKER_H_
