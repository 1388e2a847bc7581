// See raw_socket.h. Sockets are non-blocking underneath; poll() provides
// every timeout.
#include "tests/support/raw_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tandem::testing {
namespace {

int PollMs(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  int64_t ms = absl::ToInt64Milliseconds(d + absl::Microseconds(999));
  return static_cast<int>(std::min<int64_t>(ms, 60'000));
}

}  // namespace

absl::StatusOr<RawSocket> RawSocket::Connect(int port, absl::Duration timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  RawSocket sock(fd);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) {
      return absl::UnavailableError(absl::StrCat("connect 127.0.0.1:", port, ": ", strerror(errno)));
    }
    pollfd p{fd, POLLOUT, 0};
    int r = poll(&p, 1, PollMs(timeout));
    if (r <= 0) return absl::DeadlineExceededError(absl::StrCat("connect 127.0.0.1:", port, " timed out"));
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return absl::UnavailableError(absl::StrCat("connect 127.0.0.1:", port, ": ", strerror(err)));
  }
  return sock;
}

RawSocket::RawSocket(RawSocket&& other) noexcept
    : fd_(other.fd_), buffer_(std::move(other.buffer_)), peer_closed_(other.peer_closed_) {
  other.fd_ = -1;
}

RawSocket& RawSocket::operator=(RawSocket&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = other.fd_;
    buffer_ = std::move(other.buffer_);
    peer_closed_ = other.peer_closed_;
    other.fd_ = -1;
  }
  return *this;
}

RawSocket::~RawSocket() { Close(); }

void RawSocket::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void RawSocket::ShutdownWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

bool RawSocket::FillOnce(absl::Duration timeout) {
  if (fd_ < 0 || peer_closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  int r = poll(&p, 1, PollMs(timeout));
  if (r <= 0) return false;
  char buf[65536];
  ssize_t n = recv(fd_, buf, sizeof(buf), 0);
  if (n > 0) {
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }
  if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    peer_closed_ = true;
  }
  return false;
}

absl::Status RawSocket::Send(std::string_view data, absl::Duration timeout) {
  if (fd_ < 0) return absl::FailedPreconditionError("socket is closed");
  absl::Time deadline = absl::Now() + timeout;
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("send failed after ", sent, " of ", data.size(),
                                                 " bytes: ", strerror(errno)));
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat("send timed out after ", sent, " of ", data.size(), " bytes"));
    }
    pollfd p{fd_, static_cast<short>(POLLOUT | (peer_closed_ ? 0 : POLLIN)), 0};
    int r = poll(&p, 1, PollMs(std::min(left, absl::Milliseconds(100))));
    if (r > 0 && (p.revents & POLLIN) && !peer_closed_) {
      FillOnce(absl::ZeroDuration());
    }
  }
  return absl::OkStatus();
}

absl::Status RawSocket::SendByteAtATime(std::string_view data, absl::Duration pause, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  for (size_t i = 0; i < data.size(); ++i) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return absl::DeadlineExceededError("byte-at-a-time send timed out");
    absl::Status s = Send(data.substr(i, 1), left);
    if (!s.ok()) return s;
    if (pause > absl::ZeroDuration()) std::this_thread::sleep_for(absl::ToChronoMicroseconds(pause));
  }
  return absl::OkStatus();
}

RawSocket::ReadResult RawSocket::ReadUntilOrClose(std::string_view suffix, absl::Duration timeout) {
  ReadResult result;
  absl::Time deadline = absl::Now() + timeout;
  size_t searched_from = 0;
  while (true) {
    size_t pos = suffix.empty() ? std::string::npos : buffer_.find(suffix, searched_from);
    if (pos != std::string::npos) {
      size_t end = pos + suffix.size();
      result.data = buffer_.substr(0, end);
      buffer_.erase(0, end);
      result.found = true;
      return result;
    }
    if (buffer_.size() >= suffix.size()) searched_from = buffer_.size() - suffix.size() + 1;
    if (peer_closed_) {
      result.closed = true;
      break;
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      result.timed_out = true;
      break;
    }
    FillOnce(left);
  }
  result.data = std::move(buffer_);
  buffer_.clear();
  return result;
}

absl::StatusOr<std::string> RawSocket::ReadUntil(std::string_view suffix, absl::Duration timeout) {
  ReadResult r = ReadUntilOrClose(suffix, timeout);
  if (r.found) return std::move(r.data);
  std::string why = r.closed ? "connection closed by peer" : "timed out";
  // Keep the bytes for a later call; the caller sees them in the message.
  buffer_ = r.data + buffer_;
  return absl::DeadlineExceededError(absl::StrCat(why, " waiting for \"", EscapeBytes(suffix), "\"; got ",
                                                  r.data.size(), " bytes: \"", EscapeBytes(r.data.substr(0, 2000)),
                                                  "\""));
}

absl::StatusOr<std::string> RawSocket::ReadExactly(size_t n, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (buffer_.size() < n) {
    if (peer_closed_) {
      return absl::UnavailableError(absl::StrCat("connection closed after ", buffer_.size(), " of ", n, " bytes"));
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat("timed out after ", buffer_.size(), " of ", n, " bytes"));
    }
    FillOnce(left);
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

std::string RawSocket::ReadAvailable(absl::Duration quiet, absl::Duration max_wait) {
  absl::Time deadline = absl::Now() + max_wait;
  while (!peer_closed_) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    size_t before = buffer_.size();
    FillOnce(std::min(quiet, left));
    if (buffer_.size() == before) break;  // quiet period passed (or closed)
  }
  std::string out = std::move(buffer_);
  buffer_.clear();
  return out;
}

bool RawSocket::IsClosedByPeer(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!peer_closed_) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    FillOnce(left);
  }
  return peer_closed_;
}

std::string EscapeBytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        if (i > 0 && bytes[i - 1] == '\r') out += '\n';
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += absl::StrFormat("\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace tandem::testing
