// StatsPoller (see stats_poller.h): one small state machine per node,
// closed -> connecting -> sending -> reading -> idle, driven by poll().
#include "tools/cli/stats_poller.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "protocol/command.h"
#include "protocol/reply.h"
#include "protocol/request_encoder.h"

namespace tandem::cli {

namespace {

// "stats\r\nstats replication\r\n", through the request encoder.
std::string StatsRequests() {
  std::string requests;
  for (const char* group : {"", "replication"}) {
    protocol::Command command;
    command.op = protocol::Op::kStats;
    command.args = group;
    (void)protocol::EncodeRequest(command, &requests);  // constant, valid input
  }
  return requests;
}

StatsMap ToMap(const protocol::Reply& reply) {
  StatsMap stats;
  for (const auto& [name, value] : reply.stats) stats[name] = value;
  return stats;
}

}  // namespace

StatsPoller::StatsPoller(std::vector<client::NodeAddress> nodes, absl::Duration timeout)
    : links_(nodes.size()), timeout_(timeout) {
  for (client::NodeAddress& address : nodes) {
    nodes_.emplace_back();
    nodes_.back().address = std::move(address);
  }
}

StatsPoller::~StatsPoller() {
  for (Link& link : links_) {
    if (link.fd >= 0) ::close(link.fd);
  }
}

void StatsPoller::Ask(absl::Time now) {
  const std::string requests = StatsRequests();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    NodeStats& node = nodes_[i];
    Link& link = links_[i];
    if (node.busy) continue;
    node.busy = true;
    node.asked_at = now;
    link.deadline = now + timeout_;
    link.output = requests;
    link.sent = 0;
    link.input.clear();
    link.parser.Reset();
    link.replies = 0;
    if (link.phase == Phase::kClosed) {
      Connect(i);
    } else {
      link.phase = Phase::kSending;
    }
  }
}

void StatsPoller::Connect(size_t i) {
  const client::NodeAddress& address = nodes_[i].address;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string port = std::to_string(address.port);
  const int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &result);
  if (rc != 0) {
    Fail(i, absl::StrCat("cannot resolve: ", ::gai_strerror(rc)));
    return;
  }
  links_[i].addresses.clear();
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    links_[i].addresses.emplace_back(reinterpret_cast<const char*>(ai->ai_addr), ai->ai_addrlen);
  }
  ::freeaddrinfo(result);
  ConnectNext(i);
}

// Starts a connect to the next resolved address; false (and the node
// failed) when none is left.
bool StatsPoller::ConnectNext(size_t i) {
  Link& link = links_[i];
  std::string why = "no address";
  while (!link.addresses.empty()) {
    const std::string address = std::move(link.addresses.front());
    link.addresses.erase(link.addresses.begin());
    const auto* sa = reinterpret_cast<const sockaddr*>(address.data());
    const int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd, sa, static_cast<socklen_t>(address.size())) == 0 || errno == EINPROGRESS) {
      link.fd = fd;
      link.phase = Phase::kConnecting;  // writable once connected
      return true;
    }
    why = std::strerror(errno);
    ::close(fd);
  }
  Fail(i, why);
  return false;
}

void StatsPoller::AddPollFds(std::vector<pollfd>& fds) {
  polled_.clear();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Link& link = links_[i];
    if (!nodes_[i].busy || link.fd < 0) continue;
    const short events = link.phase == Phase::kReading ? POLLIN : POLLOUT;
    fds.push_back(pollfd{link.fd, events, 0});
    polled_.push_back(i);
  }
}

void StatsPoller::OnPoll(const std::vector<pollfd>& fds, size_t first, absl::Time now) {
  for (size_t k = 0; k < polled_.size() && first + k < fds.size(); ++k) {
    if (fds[first + k].revents != 0) Advance(polled_[k], fds[first + k].revents);
  }
  polled_.clear();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].busy && now >= links_[i].deadline) {
      Fail(i, absl::StrCat("no reply in ", absl::FormatDuration(timeout_)));
    }
  }
}

void StatsPoller::Advance(size_t i, short revents) {
  Link& link = links_[i];
  if (link.phase == Phase::kConnecting) {
    int error = 0;
    socklen_t len = sizeof(error);
    if (::getsockopt(link.fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
    if (error != 0) {
      ::close(link.fd);
      link.fd = -1;
      if (link.addresses.empty()) {
        Fail(i, std::strerror(error));
      } else {
        ConnectNext(i);
      }
      return;
    }
    link.phase = Phase::kSending;
  }
  if (link.phase == Phase::kSending) {
    while (link.sent < link.output.size()) {
      const ssize_t n = ::send(link.fd, link.output.data() + link.sent, link.output.size() - link.sent,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0) {
        Fail(i, std::strerror(errno));
        return;
      }
      link.sent += static_cast<size_t>(n);
    }
    link.phase = Phase::kReading;
    return;
  }
  if (link.phase == Phase::kReading && (revents & (POLLIN | POLLHUP | POLLERR)) != 0) Receive(i);
}

void StatsPoller::Receive(size_t i) {
  Link& link = links_[i];
  char buffer[16384];
  ssize_t n;
  do {
    n = ::recv(link.fd, buffer, sizeof(buffer), MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return Fail(i, "closed by the server");
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) Fail(i, std::strerror(errno));
    return;
  }
  link.input.append(buffer, static_cast<size_t>(n));
  while (link.replies < 2) {
    protocol::Reply reply;
    const protocol::ReplyParseResult parsed = link.parser.Parse(link.input, &reply);
    link.input.erase(0, parsed.consumed);
    if (parsed.status == protocol::ReplyParseStatus::kNeedMore) return;
    if (parsed.status == protocol::ReplyParseStatus::kError) return Fail(i, "bad reply: " + parsed.error);
    if (link.replies == 0) {
      // "stats": STAT lines, or a bare END; anything else is a failure.
      if (reply.kind != protocol::ReplyKind::kStats && reply.kind != protocol::ReplyKind::kValues) {
        return Fail(i, absl::StrCat("stats answered ", protocol::ReplyKindName(reply.kind), " ", reply.text));
      }
      link.stats = ToMap(reply);
    } else {
      // "stats replication": shown when the node knows it.
      link.replication = reply.kind == protocol::ReplyKind::kStats ? ToMap(reply) : StatsMap{};
    }
    ++link.replies;
  }
  Complete(i);
}

void StatsPoller::Complete(size_t i) {
  NodeStats& node = nodes_[i];
  Link& link = links_[i];
  if (node.up) {
    node.previous = std::move(node.current);
    node.previous_at = node.current_at;
    node.have_previous = true;
  }
  node.current = std::move(link.stats);
  node.current_at = absl::Now();
  node.replication = std::move(link.replication);
  node.up = true;
  node.error.clear();
  node.busy = false;
  link.phase = Phase::kIdle;
}

// Down: the socket closed, rates dropped (they restart when it answers).
void StatsPoller::Fail(size_t i, std::string why) {
  NodeStats& node = nodes_[i];
  Link& link = links_[i];
  if (link.fd >= 0) ::close(link.fd);
  link.fd = -1;
  link.phase = Phase::kClosed;
  link.addresses.clear();
  node.up = node.have_previous = false;
  node.error = std::move(why);
  node.busy = false;
}

absl::Time StatsPoller::NextTimeout() const {
  absl::Time next = absl::InfiniteFuture();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].busy) next = std::min(next, links_[i].deadline);
  }
  return next;
}

bool StatsPoller::all_answered() const {
  return std::none_of(nodes_.begin(), nodes_.end(), [](const NodeStats& node) { return node.busy; });
}

}  // namespace tandem::cli
