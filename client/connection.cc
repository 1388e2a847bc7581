// Connection (see connection.h): a non-blocking socket driven by poll().
//
// Connect tries each address getaddrinfo returns, all within one
// connect_timeout, stopping at the first timeout. Requests accumulate in
// output_ and leave in Flush; whenever the socket will not take more, Flush
// polls for writable or readable and reads what the server has sent, so
// neither side can block the other with full buffers. The send and receive
// deadlines restart on every byte of progress, so they bound silence, not
// the length of a large transfer. Received bytes accumulate in input_ and
// the reply parser consumes from input_pos_; the parsed prefix is erased
// only when it is at least half the buffer, which keeps the copying linear.
// Any error marks the connection broken (Break) so the pool drops it.
// LooksReusable is the pool's check that an idle socket has not been closed
// by the server (a readable idle socket means EOF or stray bytes).
#include "client/connection.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "protocol/request_encoder.h"

namespace tandem::client {

namespace {

constexpr size_t kReadChunk = 32 * 1024;

int PollMillis(absl::Duration timeout) {
  if (timeout <= absl::ZeroDuration()) return 0;
  int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(timeout, absl::Milliseconds(1)));
  return static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

std::string Errno(const char* what, int err) { return absl::StrCat(what, ": ", std::strerror(err)); }

// Connects one address within `deadline`; returns the fd or an error.
absl::StatusOr<int> ConnectOne(const addrinfo* ai, absl::Time deadline) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return absl::UnavailableError(Errno("socket", errno));
  int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
  if (rc != 0 && errno != EINPROGRESS) {
    int err = errno;
    ::close(fd);
    return absl::UnavailableError(Errno("connect", err));
  }
  if (rc != 0) {
    while (true) {
      pollfd pfd{fd, POLLOUT, 0};
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        ::close(fd);
        return absl::DeadlineExceededError("connect timed out");
      }
      int n = ::poll(&pfd, 1, PollMillis(left));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        ::close(fd);
        return absl::UnavailableError(Errno("poll", err));
      }
      if (n == 0) continue;  // the deadline check above ends the loop
      break;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
      ::close(fd);
      return absl::UnavailableError(Errno("connect", err));
    }
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace

bool IsTransportError(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Connect(const NodeAddress& node,
                                                                 const ConnectionOptions& options) {
  const absl::Time deadline = absl::Now() + options.connect_timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string port = std::to_string(node.port);
  int rc = ::getaddrinfo(node.host.c_str(), port.c_str(), &hints, &result);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", node.ToString(), ": ", ::gai_strerror(rc)));
  }
  absl::Status last = absl::UnavailableError("no address");
  for (const addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    absl::StatusOr<int> fd = ConnectOne(ai, deadline);
    if (fd.ok()) {
      ::freeaddrinfo(result);
      return std::unique_ptr<Connection>(new Connection(*fd, node, options));
    }
    last = fd.status();
    if (absl::IsDeadlineExceeded(last)) break;
  }
  ::freeaddrinfo(result);
  return absl::Status(last.code(), absl::StrCat(node.ToString(), ": ", last.message()));
}

Connection::Connection(int fd, NodeAddress node, ConnectionOptions options)
    : fd_(fd), node_(std::move(node)), options_(options) {}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status Connection::Break(absl::Status status) {
  broken_ = true;
  return absl::Status(status.code(), absl::StrCat(node_.ToString(), ": ", status.message()));
}

void Connection::Enqueue(std::string_view request, size_t replies) {
  output_.append(request);
  in_flight_ += replies;
}

absl::Status Connection::Enqueue(const protocol::Command& command) {
  absl::Status status = protocol::EncodeRequest(command, &output_);
  if (!status.ok()) return status;
  if (!command.noreply) ++in_flight_;
  return absl::OkStatus();
}

absl::Status Connection::ReadOnce() {
  // Drop the parsed prefix before growing the buffer (amortised: only when
  // it is at least half of what is held).
  if (input_pos_ > 0 && input_pos_ * 2 >= input_.size()) {
    input_.erase(0, input_pos_);
    input_pos_ = 0;
  }
  char chunk[kReadChunk];
  ssize_t n;
  do {
    n = ::recv(fd_, chunk, sizeof(chunk), 0);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    input_.append(chunk, static_cast<size_t>(n));
    return absl::OkStatus();
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return absl::OkStatus();
  if (n == 0) return absl::UnavailableError("connection closed by the server");
  return absl::UnavailableError(Errno("recv", errno));
}

absl::StatusOr<short> Connection::WaitAndRead(short events, absl::Duration timeout) {
  pollfd pfd{fd_, static_cast<short>(events | POLLIN), 0};
  int n;
  do {
    n = ::poll(&pfd, 1, PollMillis(timeout));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return absl::UnavailableError(Errno("poll", errno));
  if (n == 0) return static_cast<short>(0);
  if (pfd.revents & (POLLIN | POLLERR | POLLHUP)) {
    absl::Status status = ReadOnce();
    if (!status.ok()) return status;
  }
  return pfd.revents;
}

absl::Status Connection::Flush() {
  if (!healthy()) return absl::UnavailableError(absl::StrCat(node_.ToString(), ": connection is broken"));
  absl::Time deadline = absl::Now() + options_.send_timeout;
  while (output_sent_ < output_.size()) {
    ssize_t n = ::send(fd_, output_.data() + output_sent_, output_.size() - output_sent_, MSG_NOSIGNAL);
    if (n > 0) {
      output_sent_ += static_cast<size_t>(n);
      deadline = absl::Now() + options_.send_timeout;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return Break(absl::UnavailableError(Errno("send", errno)));
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return Break(absl::DeadlineExceededError("send timed out"));
    // Not writable: take in what the server sends meanwhile.
    absl::StatusOr<short> revents = WaitAndRead(POLLOUT, left);
    if (!revents.ok()) return Break(revents.status());
  }
  output_.clear();
  output_sent_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<protocol::Reply> Connection::ReadReply() {
  absl::Status flushed = Flush();
  if (!flushed.ok()) return flushed;
  if (in_flight_ == 0) return absl::FailedPreconditionError("no request in flight");
  absl::Time deadline = absl::Now() + options_.receive_timeout;
  while (true) {
    protocol::Reply reply;
    protocol::ReplyParseResult result = parser_.Parse(std::string_view(input_).substr(input_pos_), &reply);
    input_pos_ += result.consumed;
    if (input_pos_ == input_.size()) {
      input_.clear();
      input_pos_ = 0;
    }
    if (result.status == protocol::ReplyParseStatus::kDone) {
      --in_flight_;
      return reply;
    }
    if (result.status == protocol::ReplyParseStatus::kError) {
      return Break(absl::InternalError(absl::StrCat("unparseable reply: ", result.error)));
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return Break(absl::DeadlineExceededError("receive timed out"));
    const size_t before = input_.size() - input_pos_;
    absl::StatusOr<short> revents = WaitAndRead(0, left);
    if (!revents.ok()) return Break(revents.status());
    if (input_.size() - input_pos_ != before) deadline = absl::Now() + options_.receive_timeout;
  }
}

absl::StatusOr<protocol::Reply> Connection::Call(std::string_view request) {
  Enqueue(request, 1);
  return ReadReply();
}

bool Connection::LooksReusable() {
  if (!healthy() || in_flight_ != 0 || input_pos_ != input_.size() || !output_.empty()) return false;
  pollfd pfd{fd_, POLLIN, 0};
  int n = ::poll(&pfd, 1, 0);
  // Readable while idle means EOF, a reset or bytes nobody asked for.
  return n == 0;
}

}  // namespace tandem::client
