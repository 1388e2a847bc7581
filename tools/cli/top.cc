// tandem-cli top (see top.h).
#include "tools/cli/top.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/connection.h"
#include "protocol/command.h"
#include "protocol/request_encoder.h"
#include "tools/cli/session.h"
#include "tools/cli/stats_poller.h"

namespace tandem::cli {

namespace {

using Stats = StatsMap;

// "stats[ <group>]\r\n"
absl::StatusOr<std::string> StatsRequest(std::string_view group) {
  protocol::Command command;
  command.op = protocol::Op::kStats;
  command.args = group;
  std::string request;
  absl::Status status = protocol::EncodeRequest(command, &request);
  if (!status.ok()) return status;
  return request;
}

// The stats `group` ("" for the general stats); an empty map when
// `optional` and the node does not know the group.
absl::StatusOr<Stats> Fetch(client::Connection& connection, std::string_view group, bool optional) {
  absl::StatusOr<std::string> request = StatsRequest(group);
  if (!request.ok()) return request.status();
  absl::StatusOr<protocol::Reply> reply = connection.Call(*request);
  if (!reply.ok()) return reply.status();
  Stats stats;
  if (reply->kind == protocol::ReplyKind::kStats) {
    for (auto& [name, value] : reply->stats) stats[name] = value;
  } else if (!optional && reply->kind != protocol::ReplyKind::kValues) {
    return absl::InternalError(absl::StrFormat("%s answered %s %s", *request, protocol::ReplyKindName(reply->kind),
                                               reply->text));
  }
  return stats;
}

double Number(const Stats& stats, const std::string& name) {
  auto it = stats.find(name);
  double value = 0;
  if (it == stats.end() || !absl::SimpleAtod(it->second, &value)) return 0;
  return value;
}

std::string Text(const Stats& stats, const std::string& name, const char* fallback = "-") {
  auto it = stats.find(name);
  return it == stats.end() ? fallback : it->second;
}

std::string Bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return absl::StrFormat(unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
}

// Cuts every line to `columns` (a long host name or version must not wrap
// a terminal's line mid-word).
std::string FitColumns(std::string_view text, size_t columns) {
  std::string out;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    out.append(line.substr(0, columns));
    if (eol == std::string_view::npos) break;
    out.push_back('\n');
    rest.remove_prefix(eol + 1);
  }
  return out;
}

std::string Render(const client::NodeAddress& node, const Stats& now, const Stats* before, double seconds,
                   const Stats& replication) {
  auto rate = [&](const std::string& name) -> std::string {
    if (before == nullptr || seconds <= 0) return "-";
    return absl::StrFormat("%.0f", (Number(now, name) - Number(*before, name)) / seconds);
  };
  auto ratio = [](double hits, double misses) -> std::string {
    if (hits + misses <= 0) return "-";
    return absl::StrFormat("%.1f%%", 100.0 * hits / (hits + misses));
  };
  std::string interval_ratio = "-";
  if (before != nullptr) {
    interval_ratio = ratio(Number(now, "get_hits") - Number(*before, "get_hits"),
                           Number(now, "get_misses") - Number(*before, "get_misses"));
  }
  const double used = Number(now, "bytes");
  const double limit = Number(now, "limit_maxbytes");
  std::string out;
  out += absl::StrFormat("tandem top  %s  version %s  uptime %ss  threads %s\n", node.ToString(),
                         Text(now, "version"), Text(now, "uptime"), Text(now, "threads"));
  out += absl::StrFormat("ops/s        get %s  set %s  delete %s\n", rate("cmd_get"), rate("cmd_set"),
                         rate("delete_hits"));
  out += absl::StrFormat("             incr %s  decr %s  touch %s\n", rate("incr_hits"), rate("decr_hits"),
                         rate("cmd_touch"));
  out += absl::StrFormat("hit ratio    %s (last interval)  %s (since start)\n", interval_ratio,
                         ratio(Number(now, "get_hits"), Number(now, "get_misses")));
  out += absl::StrFormat("memory       %s of %s (%.1f%%)  items %s  evictions/s %s\n", Bytes(used), Bytes(limit),
                         limit > 0 ? 100.0 * used / limit : 0.0, Text(now, "curr_items"), rate("evictions"));
  out += absl::StrFormat("connections  current %s  total %s  new/s %s\n", Text(now, "curr_connections"),
                         Text(now, "total_connections"), rate("total_connections"));
  out += absl::StrFormat("network      in %s/s  out %s/s\n",
                         before ? Bytes((Number(now, "bytes_read") - Number(*before, "bytes_read")) / seconds) : "-",
                         before ? Bytes((Number(now, "bytes_written") - Number(*before, "bytes_written")) / seconds)
                                : "-");
  if (replication.empty()) {
    out += "replication  not reported by this node\n";
  } else {
    out += absl::StrFormat("replication  role %s  link %s  lag %s bytes  epoch %s\n", Text(replication, "role"),
                           Text(replication, "link"), Text(replication, "lag_bytes"), Text(replication, "epoch"));
    out += absl::StrFormat("peer         %s\n", Text(replication, "peer"));
  }
  return FitColumns(out, 80);
}

// One node's cells for the side-by-side view (see RenderGrid).
struct NodeView {
  const client::NodeAddress* address;
  const Stats* now;         // nullptr: no sample (down)
  const Stats* before;      // nullptr: no rate yet
  double seconds = 0;
  const Stats* replication;  // may be empty
  std::string error;         // why it is down
  absl::Duration waiting = absl::ZeroDuration();  // > 0: asked that long ago, no reply yet
};

std::vector<std::string> NodeCells(const NodeView& v) {
  std::vector<std::string> cells;
  cells.push_back(v.address->ToString());
  if (v.waiting > absl::ZeroDuration()) {
    cells.push_back(absl::StrFormat("no reply for %.1fs", absl::ToDoubleSeconds(v.waiting)));
    for (int i = 0; i < 5; ++i) cells.push_back("-");
    return cells;
  }
  if (v.now == nullptr) {
    // The address heads the column: not repeated in the reason.
    std::string_view reason = v.error;
    const std::string prefix = v.address->ToString() + ": ";
    if (reason.starts_with(prefix)) reason.remove_prefix(prefix.size());
    cells.push_back(absl::StrCat("DOWN ", std::string(reason)));
    for (int i = 0; i < 5; ++i) cells.push_back("-");
    return cells;
  }
  const Stats& now = *v.now;
  auto rate = [&](const std::string& name) -> std::string {
    if (v.before == nullptr || v.seconds <= 0) return "-";
    return absl::StrFormat("%.0f", (Number(now, name) - Number(*v.before, name)) / v.seconds);
  };
  std::string hit = "-";
  if (v.before != nullptr) {
    const double hits = Number(now, "get_hits") - Number(*v.before, "get_hits");
    const double misses = Number(now, "get_misses") - Number(*v.before, "get_misses");
    if (hits + misses > 0) hit = absl::StrFormat("%.1f%%", 100.0 * hits / (hits + misses));
  }
  const double all = Number(now, "get_hits") + Number(now, "get_misses");
  const std::string total = all > 0 ? absl::StrFormat("%.1f%%", 100.0 * Number(now, "get_hits") / all) : "-";
  cells.push_back(absl::StrFormat("up %ss v%s", Text(now, "uptime"), Text(now, "version")));
  cells.push_back(v.replication->empty() ? "-"
                                         : absl::StrFormat("%s %s lag %s", Text(*v.replication, "role"),
                                                           Text(*v.replication, "link"),
                                                           Text(*v.replication, "lag_bytes")));
  cells.push_back(absl::StrFormat("get %s set %s del %s", rate("cmd_get"), rate("cmd_set"), rate("delete_hits")));
  cells.push_back(absl::StrFormat("%s (all %s)", hit, total));
  cells.push_back(absl::StrFormat("%s/%s it %s cn %s", Bytes(Number(now, "bytes")),
                                  Bytes(Number(now, "limit_maxbytes")), Text(now, "curr_items"),
                                  Text(now, "curr_connections")));
  return cells;
}

// Every shard, the nodes of a pair side by side: a label column, then one
// 33-column cell per node, so a pair fits 80 columns.
std::string RenderGrid(const std::vector<std::vector<NodeView>>& shards, absl::Duration interval) {
  static constexpr const char* kLabels[] = {"", "status", "replication", "ops/s", "hit ratio", "mem/items/cn"};
  constexpr size_t kLabelWidth = 13, kCellWidth = 33;
  size_t nodes = 0;
  for (const auto& shard : shards) nodes += shard.size();
  std::string out = absl::StrFormat("tandem top  %d shard%s, %d nodes  every %s\n", shards.size(),
                                    shards.size() == 1 ? "" : "s", nodes, absl::FormatDuration(interval));
  for (size_t i = 0; i < shards.size(); ++i) {
    std::vector<std::vector<std::string>> columns;
    for (const NodeView& node : shards[i]) columns.push_back(NodeCells(node));
    for (size_t row = 0; row < std::size(kLabels); ++row) {
      std::string line = row == 0 ? absl::StrFormat("shard %d", i + 1) : std::string(kLabels[row]);
      line.resize(kLabelWidth, ' ');
      for (size_t c = 0; c < columns.size(); ++c) {
        std::string cell = columns[c][row].substr(0, kCellWidth - 1);
        if (c + 1 < columns.size()) cell.resize(kCellWidth, ' ');
        line.append(cell);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out.append(line).append("\n");
    }
  }
  return FitColumns(out, 80);
}

}  // namespace

// Stdin in character mode while top runs on a terminal, so `q` needs no
// Enter; restored on every way out.
class KeyReader {
 public:
  KeyReader() {
    if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~KeyReader() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  // The terminal to poll for keys; -1 when stdin is not one.
  int fd() const { return active_ ? STDIN_FILENO : -1; }
  // Reads the keys typed so far (call when fd() is readable); true when
  // one was `q`.
  bool QuitTyped() {
    char keys[64];
    const ssize_t n = ::read(STDIN_FILENO, keys, sizeof(keys));
    for (ssize_t i = 0; i < n; ++i) {
      if (keys[i] == 'q' || keys[i] == 'Q') return true;
    }
    return false;
  }
  // Waits up to `timeout` (sleeps when stdin is not a terminal); true when
  // `q` was typed.
  bool WaitForQuit(absl::Duration timeout) {
    if (!active_) {
      std::this_thread::sleep_for(absl::ToChronoNanoseconds(timeout));
      return false;
    }
    const absl::Time deadline = absl::Now() + timeout;
    for (absl::Duration left = timeout; left > absl::ZeroDuration(); left = deadline - absl::Now()) {
      pollfd pfd{STDIN_FILENO, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) continue;
      char key = 0;
      if (::read(STDIN_FILENO, &key, 1) == 1 && (key == 'q' || key == 'Q')) return true;
    }
    return false;
  }

 private:
  termios saved_{};
  bool active_ = false;
};

namespace {

// Serves the poller's sockets and the keyboard until `until` (or, with
// `until_answered`, until no node is busy); true when `q` was typed.
bool Serve(StatsPoller& poller, KeyReader& keys, absl::Time until, bool until_answered) {
  std::vector<pollfd> fds;
  while (!(until_answered && poller.all_answered())) {
    const absl::Time now = absl::Now();
    if (now >= until) return false;
    fds.clear();
    if (keys.fd() >= 0) fds.push_back(pollfd{keys.fd(), POLLIN, 0});
    const size_t first = fds.size();
    poller.AddPollFds(fds);
    const absl::Duration wait = absl::Ceil(std::min(until, poller.NextTimeout()) - now, absl::Milliseconds(1));
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(wait), 1 << 30)));
    if (n < 0 && errno != EINTR) return false;
    if (n > 0 && first > 0 && fds[0].revents != 0 && keys.QuitTyped()) return true;
    poller.OnPoll(fds, first, absl::Now());
  }
  return false;
}

std::vector<std::vector<NodeView>> GridViews(const std::vector<client::ShardConfig>& shards,
                                             const StatsPoller& poller, absl::Time now) {
  // Asked and not answered yet: "no reply for ..." unless it is down
  // already (its reason stays while it is retried).
  const auto waiting = [now](const NodeStats& node) {
    return node.busy && node.error.empty() ? now - node.asked_at : absl::ZeroDuration();
  };
  std::vector<std::vector<NodeView>> views;
  size_t k = 0;
  for (const client::ShardConfig& shard : shards) {
    std::vector<NodeView> row;
    for (size_t n = 0; n < shard.nodes.size(); ++n, ++k) {
      const NodeStats& node = poller.nodes()[k];
      row.push_back(NodeView{&node.address, node.up ? &node.current : nullptr,
                             node.have_previous ? &node.previous : nullptr,
                             absl::ToDoubleSeconds(node.current_at - node.previous_at), &node.replication,
                             node.error, waiting(node)});
    }
    views.push_back(std::move(row));
  }
  return views;
}

}  // namespace

// Every interval all nodes are asked at once (StatsPoller); the screen is
// drawn as soon as all have answered, or at the next tick: a node that has
// not answered by then shows "no reply for ..." (then DOWN at the timeout)
// while the others' rows go on refreshing every interval.
int RunTopGrid(const std::vector<client::ShardConfig>& shards, const TopOptions& options) {
  std::vector<client::NodeAddress> addresses;
  for (const client::ShardConfig& shard : shards) addresses.insert(addresses.end(), shard.nodes.begin(), shard.nodes.end());
  StatsPoller poller(std::move(addresses), options.timeout);
  const bool tty = ::isatty(STDOUT_FILENO);
  KeyReader keys;
  const absl::Duration window = std::max(options.interval, absl::Milliseconds(100));
  absl::Time tick = absl::Now();
  for (int i = 0; options.iterations == 0 || i < options.iterations; ++i) {
    if (i > 0) {
      tick = std::max(tick + options.interval, absl::Now());
      if (Serve(poller, keys, tick, false)) break;
    }
    poller.Ask(absl::Now());
    if (Serve(poller, keys, tick + window, true)) break;
    const auto any_up = [&] {
      return std::any_of(poller.nodes().begin(), poller.nodes().end(), [](const NodeStats& n) { return n.up; });
    };
    if (i == 0 && !any_up()) {
      // At the start, every node gets its full timeout before "no node answers".
      if (Serve(poller, keys, absl::InfiniteFuture(), true)) break;
      if (!any_up()) {
        std::cerr << "tandem-cli: no node answers\n";
        return kExitConnection;
      }
    }
    std::string framed = tty ? "\x1b[H\x1b[2J" : (i > 0 ? "\n" : "");
    framed.append(RenderGrid(GridViews(shards, poller, absl::Now()), options.interval));
    std::fwrite(framed.data(), 1, framed.size(), stdout);
    std::fflush(stdout);
  }
  return kExitOk;
}

int RunTop(const std::vector<client::NodeAddress>& nodes, const TopOptions& options) {
  client::ConnectionOptions connection_options;
  connection_options.connect_timeout = options.timeout;
  connection_options.send_timeout = options.timeout;
  connection_options.receive_timeout = options.timeout;
  // The first node that accepts, in order.
  size_t watched = 0;
  auto connect = [&]() -> std::unique_ptr<client::Connection> {
    for (size_t k = 0; k < nodes.size(); ++k) {
      absl::StatusOr<std::unique_ptr<client::Connection>> connection =
          client::Connection::Connect(nodes[k], connection_options);
      if (connection.ok()) {
        watched = k;
        return std::move(*connection);
      }
      std::cerr << "tandem-cli: " << connection.status().message() << "\n";
    }
    return nullptr;
  };
  std::unique_ptr<client::Connection> connection = connect();
  if (connection == nullptr) return kExitConnection;
  const bool tty = ::isatty(STDOUT_FILENO);
  KeyReader keys;
  Stats previous;
  absl::Time previous_at;
  bool have_previous = false;
  for (int i = 0; options.iterations == 0 || i < options.iterations; ++i) {
    if (i > 0 && keys.WaitForQuit(options.interval)) break;
    std::string screen;
    if (connection == nullptr) {
      connection = connect();
      have_previous = false;  // rates restart on the node now watched
    }
    absl::StatusOr<Stats> stats = absl::UnavailableError("no node answers");
    absl::StatusOr<Stats> replication = absl::UnavailableError("no node answers");
    absl::Time at;
    if (connection != nullptr) {
      stats = Fetch(*connection, "", false);
      at = absl::Now();
      if (stats.ok()) replication = Fetch(*connection, "replication", true);
    }
    if (!stats.ok() || !replication.ok()) {
      const absl::Status& failed = stats.ok() ? replication.status() : stats.status();
      screen = FitColumns(absl::StrFormat("tandem top  %s  lost: %s\nreconnecting every %s...\n",
                                          nodes[watched].ToString(), failed.message(),
                                          absl::FormatDuration(options.interval)),
                          80);
      connection.reset();
    } else {
      screen = Render(nodes[watched], *stats, have_previous ? &previous : nullptr,
                      absl::ToDoubleSeconds(at - previous_at), *replication);
      previous = std::move(*stats);
      previous_at = at;
      have_previous = true;
    }
    // Redraw in place on a terminal; a blank line between samples otherwise.
    std::string framed = tty ? "\x1b[H\x1b[2J" : (i > 0 ? "\n" : "");
    framed.append(screen);
    std::fwrite(framed.data(), 1, framed.size(), stdout);
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace tandem::cli
