// StatsPoller: `top`'s samples of many nodes taken at the same time, so
// that a hung node (one that accepts and never answers) or a black-holed
// one (a connect that never completes) delays nobody else's row.
//
// Each node has one non-blocking socket, kept between samples and
// reopened after a failure. Ask() sends every node that is not still busy
// with the previous sample "stats" and "stats replication" (pipelined); the
// caller polls the sockets together with its own (the keyboard) through
// AddPollFds() and OnPoll(), which move each node through connect, send and
// reply parsing. A node that has not answered within `timeout` of being
// asked is down with "no reply in ..." and its socket closed; the next
// Ask() reconnects it. No threads: every node costs one pollfd.
// Host names are resolved when a node (re)connects, by getaddrinfo, which
// blocks; numeric addresses need no lookup.
#ifndef TANDEM_TOOLS_CLI_STATS_POLLER_H_
#define TANDEM_TOOLS_CLI_STATS_POLLER_H_

#include <poll.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/config.h"
#include "protocol/reply_parser.h"

namespace tandem::cli {

using StatsMap = std::map<std::string, std::string>;

// What is known of one node.
struct NodeStats {
  client::NodeAddress address;
  bool up = false;             // `current` is its last answer
  bool have_previous = false;  // `previous` came before it (rates)
  StatsMap previous, current, replication;
  absl::Time previous_at, current_at;
  std::string error;        // !up: why (empty before the first answer)
  bool busy = false;        // asked and not yet answered
  absl::Time asked_at;      // busy: when
};

class StatsPoller {
 public:
  StatsPoller(std::vector<client::NodeAddress> nodes, absl::Duration timeout);
  ~StatsPoller();
  StatsPoller(const StatsPoller&) = delete;
  StatsPoller& operator=(const StatsPoller&) = delete;

  // Asks every node that is not busy for a sample.
  void Ask(absl::Time now);
  // Appends the pollfd of every busy node's socket to `fds`.
  void AddPollFds(std::vector<pollfd>& fds);
  // Handles what poll() reported for the entries AddPollFds() appended,
  // starting at fds[first], and the timeouts passed by `now`.
  void OnPoll(const std::vector<pollfd>& fds, size_t first, absl::Time now);
  // The earliest time a busy node times out (InfiniteFuture when none).
  absl::Time NextTimeout() const;
  // No node is busy.
  bool all_answered() const;

  const std::vector<NodeStats>& nodes() const { return nodes_; }

 private:
  enum class Phase { kClosed, kConnecting, kSending, kReading, kIdle };
  struct Link {
    int fd = -1;
    Phase phase = Phase::kClosed;
    std::vector<std::string> addresses;  // resolved sockaddrs left to try
    std::string output;
    size_t sent = 0;
    std::string input;
    protocol::ReplyParser parser;
    int replies = 0;  // of the two asked for
    StatsMap stats, replication;
    absl::Time deadline;
  };

  void Connect(size_t i);
  bool ConnectNext(size_t i);
  void Advance(size_t i, short revents);
  void Receive(size_t i);
  void Complete(size_t i);
  void Fail(size_t i, std::string why);

  std::vector<NodeStats> nodes_;
  std::vector<Link> links_;
  std::vector<size_t> polled_;  // node of each pollfd AddPollFds appended
  absl::Duration timeout_;
};

}  // namespace tandem::cli

#endif  // TANDEM_TOOLS_CLI_STATS_POLLER_H_
