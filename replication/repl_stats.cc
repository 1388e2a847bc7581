// ReplStats: the `stats replication` report, one table row per field.
// last_heartbeat_ms is how long ago (ms) the peer was last heard from, -1
// when never; lag_bytes is how much of this node's stream the peer has not
// acknowledged yet; peer_clock_offset_ms is the peer's wall clock minus
// ours, measured from its heartbeats (0 until the first one). The
// antientropy_* fields are anti_entropy.h's: rounds finished, items re-sent
// because their range differed, and re-sent items from the peer that
// changed something here (README "Anti-entropy").
#include "replication/repl_stats.h"


#include "absl/strings/str_cat.h"
#include "replication/role.h"

namespace tandem::replication {

namespace {
const char* LinkName(LinkState s) {
  switch (s) {
    case LinkState::kUp: return "up";
    case LinkState::kSyncing: return "syncing";
    case LinkState::kDown: break;
  }
  return "down";
}
}  // namespace

void AppendReplStats(const ReplStats& s, const ReplReport& r, protocol::StatList* out) {
  const uint64_t acked = s.peer_acked_offset.load();
  const int64_t hb = s.last_heartbeat_ms.load();
  std::string peer = s.peer();
  const std::pair<const char*, std::string> rows[] = {
      {"role", RoleName(r.role)},
      {"peer", peer.empty() ? "-" : peer},
      {"link", LinkName(s.link.load())},
      {"epoch", absl::StrCat(r.epoch)},
      {"repl_offset", absl::StrCat(r.repl_offset)},
      {"peer_acked_offset", absl::StrCat(acked)},
      {"lag_bytes", absl::StrCat(r.repl_offset > acked ? r.repl_offset - acked : 0)},
      {"full_syncs", absl::StrCat(s.full_syncs.load())},
      {"partial_syncs", absl::StrCat(s.partial_syncs.load())},
      {"promotions", absl::StrCat(r.promotions)},
      {"conflicts_resolved", absl::StrCat(s.conflicts_resolved.load())},
      {"last_heartbeat_ms", absl::StrCat(hb < 0 ? -1 : (r.now_ms > hb ? r.now_ms - hb : 0))},
      {"applied_records", absl::StrCat(s.applied.load())},
      {"auth", r.auth},
      {"auth_failures", absl::StrCat(s.auth_failures.load())},
      {"refused_connections", absl::StrCat(s.refused_connections.load())},
      {"protocol_errors", absl::StrCat(s.protocol_errors.load())},
      {"backlog_overruns", absl::StrCat(s.backlog_overruns.load())},
      {"sync_acked", absl::StrCat(s.sync_acked.load())},
      {"sync_nacked", absl::StrCat(s.sync_nacked.load())},
      {"sync_timeouts", absl::StrCat(s.sync_timeouts.load())},
      {"refused_records", absl::StrCat(s.refused_records.load())},
      {"forwarded_commands", absl::StrCat(r.forwarded_commands)},
      {"peer_clock_offset_ms", absl::StrCat(s.peer_clock_offset_ms.load())},
      {"antientropy_rounds", absl::StrCat(s.antientropy_rounds.load())},
      {"antientropy_resent_keys", absl::StrCat(s.antientropy_resent_keys.load())},
      {"antientropy_repaired_keys", absl::StrCat(s.antientropy_repaired_keys.load())},
  };
  for (const auto& [name, value] : rows) out->emplace_back(name, value);
}

void AppendReplHealth(const ReplStats& s, Role role, uint64_t repl_offset, protocol::StatList* out) {
  const uint64_t acked = s.peer_acked_offset.load();
  out->emplace_back("repl_role", RoleName(role));
  out->emplace_back("repl_link", LinkName(s.link.load()));
  out->emplace_back("repl_lag_bytes", absl::StrCat(repl_offset > acked ? repl_offset - acked : 0));
}

}  // namespace tandem::replication
