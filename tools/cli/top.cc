// tandem-cli top (see top.h).
#include "tools/cli/top.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

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

namespace tandem::cli {

namespace {

using Stats = std::map<std::string, std::string>;

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
};

std::vector<std::string> NodeCells(const NodeView& v) {
  std::vector<std::string> cells;
  cells.push_back(v.address->ToString());
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

// One watched node of the side-by-side view.
struct Watched {
  client::NodeAddress address;
  std::unique_ptr<client::Connection> connection;
  Stats previous, current, replication;
  absl::Time previous_at, current_at;
  bool have_previous = false, up = false;
  std::string error;
};

// Connects if needed and takes one sample; a failure marks the node down
// and drops its rates (they restart when it answers again).
void Sample(Watched& node, const client::ConnectionOptions& options) {
  if (node.connection == nullptr) {
    absl::StatusOr<std::unique_ptr<client::Connection>> connection =
        client::Connection::Connect(node.address, options);
    if (!connection.ok()) {
      node.up = node.have_previous = false;
      node.error = std::string(connection.status().message());
      return;
    }
    node.connection = std::move(*connection);
  }
  absl::StatusOr<Stats> stats = Fetch(*node.connection, "", false);
  absl::StatusOr<Stats> replication = stats.ok() ? Fetch(*node.connection, "replication", true) : stats;
  if (!stats.ok() || !replication.ok()) {
    node.connection.reset();
    node.up = node.have_previous = false;
    node.error = std::string((stats.ok() ? replication.status() : stats.status()).message());
    return;
  }
  if (node.up) {
    node.previous = std::move(node.current);
    node.previous_at = node.current_at;
    node.have_previous = true;
  }
  node.current = std::move(*stats);
  node.current_at = absl::Now();
  node.replication = std::move(*replication);
  node.up = true;
}

}  // namespace

int RunTopGrid(const std::vector<client::ShardConfig>& shards, const TopOptions& options) {
  client::ConnectionOptions connection_options;
  connection_options.connect_timeout = options.timeout;
  connection_options.send_timeout = options.timeout;
  connection_options.receive_timeout = options.timeout;
  std::vector<std::vector<Watched>> watched;
  for (const client::ShardConfig& shard : shards) {
    std::vector<Watched> nodes;
    for (const client::NodeAddress& address : shard.nodes) {
      nodes.emplace_back();
      nodes.back().address = address;
    }
    watched.push_back(std::move(nodes));
  }
  const bool tty = ::isatty(STDOUT_FILENO);
  KeyReader keys;
  for (int i = 0; options.iterations == 0 || i < options.iterations; ++i) {
    if (i > 0 && keys.WaitForQuit(options.interval)) break;
    bool any_up = false;
    std::vector<std::vector<NodeView>> views;
    for (std::vector<Watched>& shard : watched) {
      std::vector<NodeView> row;
      for (Watched& node : shard) {
        Sample(node, connection_options);
        any_up = any_up || node.up;
        row.push_back(NodeView{&node.address, node.up ? &node.current : nullptr,
                               node.have_previous ? &node.previous : nullptr,
                               absl::ToDoubleSeconds(node.current_at - node.previous_at), &node.replication,
                               node.error});
      }
      views.push_back(std::move(row));
    }
    if (i == 0 && !any_up) {
      std::cerr << "tandem-cli: no node answers\n";
      return kExitConnection;
    }
    std::string framed = tty ? "\x1b[H\x1b[2J" : (i > 0 ? "\n" : "");
    framed.append(RenderGrid(views, options.interval));
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
