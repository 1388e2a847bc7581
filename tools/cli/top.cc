// tandem-cli top (see top.h).
#include "tools/cli/top.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <thread>

#include "absl/strings/numbers.h"
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
  out += absl::StrFormat("ops/s        get %s  set %s  delete %s  incr %s  decr %s  touch %s\n", rate("cmd_get"),
                         rate("cmd_set"), rate("delete_hits"), rate("incr_hits"), rate("decr_hits"),
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
    out += absl::StrFormat("replication  role %s  peer %s  link %s  lag %s bytes  epoch %s\n",
                           Text(replication, "role"), Text(replication, "peer"), Text(replication, "link"),
                           Text(replication, "lag_bytes"), Text(replication, "epoch"));
  }
  return out;
}

}  // namespace

int RunTop(const client::NodeAddress& node, const TopOptions& options) {
  client::ConnectionOptions connection_options;
  connection_options.connect_timeout = options.timeout;
  connection_options.send_timeout = options.timeout;
  connection_options.receive_timeout = options.timeout;
  absl::StatusOr<std::unique_ptr<client::Connection>> connection =
      client::Connection::Connect(node, connection_options);
  if (!connection.ok()) {
    std::cerr << "tandem-cli: " << connection.status().message() << "\n";
    return kExitConnection;
  }
  const bool tty = ::isatty(STDOUT_FILENO);
  Stats previous;
  absl::Time previous_at;
  bool have_previous = false;
  for (int i = 0; options.iterations == 0 || i < options.iterations; ++i) {
    if (i > 0) std::this_thread::sleep_for(absl::ToChronoNanoseconds(options.interval));
    absl::StatusOr<Stats> stats = Fetch(**connection, "", false);
    if (!stats.ok()) {
      std::cerr << "tandem-cli: " << stats.status().message() << "\n";
      return kExitConnection;
    }
    const absl::Time at = absl::Now();
    absl::StatusOr<Stats> replication = Fetch(**connection, "replication", true);
    if (!replication.ok()) {
      std::cerr << "tandem-cli: " << replication.status().message() << "\n";
      return kExitConnection;
    }
    std::string screen = Render(node, *stats, have_previous ? &previous : nullptr,
                                absl::ToDoubleSeconds(at - previous_at), *replication);
    // Redraw in place on a terminal; a blank line between samples otherwise.
    std::string framed = tty ? "\x1b[H\x1b[2J" : (i > 0 ? "\n" : "");
    framed.append(screen);
    std::fwrite(framed.data(), 1, framed.size(), stdout);
    std::fflush(stdout);
    previous = std::move(*stats);
    previous_at = at;
    have_previous = true;
  }
  return kExitOk;
}

}  // namespace tandem::cli
