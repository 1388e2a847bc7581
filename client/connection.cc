// Connection (see connection.h): a socket in blocking mode whose sends are
// all MSG_DONTWAIT.
//
// Connect tries each address getaddrinfo returns (non-blocking connect, all
// within one connect_timeout, stopping at the first timeout), then turns
// the socket blocking and sets SO_RCVTIMEO. Requests accumulate in output_
// and leave in Flush; only when the kernel will not take more does Flush
// poll for writable or readable, reading what the server has sent
// meanwhile (MSG_DONTWAIT), so neither side can block the other with full
// buffers; the send deadline is read from the clock only then, and restarts
// on every byte of progress. ReadReply parses what is buffered first and
// receives (blocking, so a reply costs one recv and no poll) only when the
// parser needs more; the kernel's receive timeout bounds each silence.
// Received bytes go straight into one growable buffer; the parsed prefix is
// dropped by moving the rest to the front only when room is needed. Any
// error marks the connection broken (Break) so the pool drops it.
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
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "protocol/request_encoder.h"

namespace tandem::client {

namespace {

constexpr size_t kMinRead = 16 * 1024;  // room offered to each recv

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

// Blocking mode with SO_RCVTIMEO: a blocking recv then ends after `timeout`
// of silence with EAGAIN (a timeout of 0 would mean forever: use 1 ms).
absl::Status MakeBlocking(int fd, absl::Duration timeout) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return absl::UnavailableError(Errno("fcntl", errno));
  }
  timeout = std::max(timeout, absl::Milliseconds(1));
  const timeval tv = absl::ToTimeval(timeout);
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
    return absl::UnavailableError(Errno("setsockopt SO_RCVTIMEO", errno));
  }
  return absl::OkStatus();
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
      if (absl::Status blocking = MakeBlocking(*fd, options.receive_timeout); !blocking.ok()) {
        ::close(*fd);
        last = blocking;
        continue;
      }
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

void Connection::Reserve(size_t want) {
  if (input_capacity_ - input_end_ >= want) return;
  const size_t unparsed_bytes = input_end_ - input_begin_;
  if (input_begin_ > 0 && input_capacity_ - unparsed_bytes >= want) {
    // Room enough once the parsed prefix is gone.
    std::memmove(input_.get(), input_.get() + input_begin_, unparsed_bytes);
  } else {
    const size_t capacity = std::max(input_capacity_ * 2, unparsed_bytes + want);
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (unparsed_bytes > 0) std::memcpy(bigger.get(), input_.get() + input_begin_, unparsed_bytes);
    input_ = std::move(bigger);
    input_capacity_ = capacity;
  }
  input_begin_ = 0;
  input_end_ = unparsed_bytes;
}

absl::Status Connection::Fill(bool block) {
  Reserve(kMinRead);
  ssize_t n;
  do {
    n = ::recv(fd_, input_.get() + input_end_, input_capacity_ - input_end_, block ? 0 : MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    input_end_ += static_cast<size_t>(n);
    return absl::OkStatus();
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    if (block) return absl::DeadlineExceededError("receive timed out");
    return absl::OkStatus();
  }
  if (n == 0) return absl::UnavailableError("connection closed by the server");
  return absl::UnavailableError(Errno("recv", errno));
}

absl::Status Connection::Flush() {
  if (!healthy()) return absl::UnavailableError(absl::StrCat(node_.ToString(), ": connection is broken"));
  std::optional<absl::Time> deadline;  // read from the clock only once a send would block
  while (output_sent_ < output_.size()) {
    ssize_t n = ::send(fd_, output_.data() + output_sent_, output_.size() - output_sent_,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      output_sent_ += static_cast<size_t>(n);
      deadline.reset();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return Break(absl::UnavailableError(Errno("send", errno)));
    const absl::Time now = absl::Now();
    if (!deadline.has_value()) deadline = now + options_.send_timeout;
    const absl::Duration left = *deadline - now;
    if (left <= absl::ZeroDuration()) return Break(absl::DeadlineExceededError("send timed out"));
    // Not writable: take in what the server sends meanwhile.
    pollfd pfd{fd_, POLLOUT | POLLIN, 0};
    int ready = ::poll(&pfd, 1, PollMillis(left));
    if (ready < 0 && errno != EINTR) return Break(absl::UnavailableError(Errno("poll", errno)));
    if (ready > 0 && (pfd.revents & (POLLIN | POLLERR | POLLHUP))) {
      absl::Status status = Fill(/*block=*/false);
      if (!status.ok()) return Break(status);
    }
  }
  output_.clear();
  output_sent_ = 0;
  return absl::OkStatus();
}

absl::Status Connection::ReadReply(protocol::Reply* reply) {
  absl::Status flushed = Flush();
  if (!flushed.ok()) return flushed;
  if (in_flight_ == 0) return absl::FailedPreconditionError("no request in flight");
  while (true) {
    protocol::ReplyParseResult result = parser_.Parse(unparsed(), reply);
    input_begin_ += result.consumed;
    if (input_begin_ == input_end_) input_begin_ = input_end_ = 0;
    if (result.status == protocol::ReplyParseStatus::kDone) {
      --in_flight_;
      return absl::OkStatus();
    }
    if (result.status == protocol::ReplyParseStatus::kError) {
      return Break(absl::InternalError(absl::StrCat("unparseable reply: ", result.error)));
    }
    absl::Status status = Fill(/*block=*/true);
    if (!status.ok()) return Break(status);
  }
}

absl::Status Connection::ReadValues(absl::FunctionRef<void(const protocol::ScannedValue&)> visit) {
  absl::Status flushed = Flush();
  if (!flushed.ok()) return flushed;
  if (in_flight_ == 0) return absl::FailedPreconditionError("no request in flight");
  if (parser_.in_progress()) return absl::FailedPreconditionError("a reply is half parsed");
  while (true) {
    size_t consumed = 0;
    switch (protocol::ScanValuesReply(unparsed(), visit, &consumed)) {
      case protocol::ScanStatus::kDone:
        input_begin_ += consumed;
        if (input_begin_ == input_end_) input_begin_ = input_end_ = 0;
        --in_flight_;
        return absl::OkStatus();
      case protocol::ScanStatus::kOther:
        return absl::FailedPreconditionError("not a values reply");
      case protocol::ScanStatus::kNeedMore:
        break;
    }
    absl::Status status = Fill(/*block=*/true);
    if (!status.ok()) return Break(status);
  }
}

absl::StatusOr<bool> Connection::PollReply(protocol::Reply* reply, absl::Duration wait) {
  absl::Status flushed = Flush();
  if (!flushed.ok()) return flushed;
  if (in_flight_ == 0) return absl::FailedPreconditionError("no request in flight");
  for (int round = 0; round < 2; ++round) {
    protocol::ReplyParseResult result = parser_.Parse(unparsed(), reply);
    input_begin_ += result.consumed;
    if (input_begin_ == input_end_) input_begin_ = input_end_ = 0;
    if (result.status == protocol::ReplyParseStatus::kDone) {
      --in_flight_;
      return true;
    }
    if (result.status == protocol::ReplyParseStatus::kError) {
      return Break(absl::InternalError(absl::StrCat("unparseable reply: ", result.error)));
    }
    if (round == 1) break;
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, PollMillis(wait));
    if (ready <= 0) return false;
    absl::Status status = Fill(/*block=*/false);
    if (!status.ok()) return Break(status);
  }
  return false;
}

absl::StatusOr<protocol::Reply> Connection::ReadReply() {
  protocol::Reply reply;
  absl::Status status = ReadReply(&reply);
  if (!status.ok()) return status;
  return reply;
}

absl::StatusOr<protocol::Reply> Connection::Call(std::string_view request) {
  Enqueue(request, 1);
  return ReadReply();
}

bool Connection::LooksReusable() const {
  return healthy() && in_flight_ == 0 && input_begin_ == input_end_ && output_.empty();
}

}  // namespace tandem::client
