// ReplStats: the counters behind `stats replication`, and the report.
// Counters are atomics written on the link thread and read by whichever
// worker answers `stats replication`. The field names are part of the
// interface contract (design.md) and appear once, in the table in
// repl_stats.cc.
#ifndef TANDEM_REPLICATION_REPL_STATS_H_
#define TANDEM_REPLICATION_REPL_STATS_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/synchronization/mutex.h"
#include "protocol/result.h"
#include "replication/record.h"

namespace tandem::replication {

enum class LinkState : uint8_t { kDown, kUp, kSyncing };

struct ReplStats {
  std::atomic<LinkState> link{LinkState::kDown};
  std::atomic<uint64_t> peer_acked_offset{0};
  std::atomic<uint64_t> full_syncs{0};       // full copies sent or received
  std::atomic<uint64_t> partial_syncs{0};    // partial resyncs sent or received
  std::atomic<uint64_t> conflicts_resolved{0};  // peer records dropped: the local item was newer
  std::atomic<uint64_t> applied{0};          // peer records and items applied
  std::atomic<uint64_t> auth_failures{0};     // TLS handshakes that failed (wrong secret or certificate)
  std::atomic<uint64_t> refused_connections{0};  // closed on accept: not -x's host, or too many handshakes
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> backlog_overruns{0};  // peer fell out of the backlog: full copy instead
  std::atomic<int64_t> last_heartbeat_ms{-1};  // wall ms of the last frame from the peer, -1: never
  std::atomic<uint64_t> sync_acked{0};     // --repl-sync replies released by the peer's ack
  std::atomic<uint64_t> sync_nacked{0};    // ...released by the peer's NACK: it could not apply the write
  std::atomic<uint64_t> sync_timeouts{0};  // ...released without either (timeout, or no link)
  std::atomic<uint64_t> refused_records{0};  // peer records this node could not apply (NACKed)
  std::atomic<int64_t> peer_clock_offset_ms{0};  // the peer's wall clock minus ours (heartbeats)
  std::atomic<uint64_t> antientropy_rounds{0};         // anti-entropy rounds this node finished (anti_entropy.h)
  std::atomic<uint64_t> antientropy_resent_keys{0};    // items and tombstones it re-sent: their range differed
  std::atomic<uint64_t> antientropy_repaired_keys{0};  // re-sent by the peer and applied here: this node was behind

  void set_peer(std::string peer) {
    absl::MutexLock lock(&mu);
    peer_name = std::move(peer);
  }
  std::string peer() const {
    absl::MutexLock lock(&mu);
    return peer_name;
  }

  mutable absl::Mutex mu;
  std::string peer_name ABSL_GUARDED_BY(mu);
};

// Inputs of the report that live elsewhere.
struct ReplReport {
  Role role = Role::kNone;
  uint64_t epoch = 0;
  uint64_t repl_offset = 0;  // this node's stream end
  uint64_t promotions = 0;
  uint64_t forwarded_commands = 0;  // commands this node forwarded to the key's owner (forwarder.h)
  int64_t now_ms = 0;        // wall clock, for last_heartbeat_ms
  const char* auth = "none";  // how the link authenticates: tls-psk, tls-cert or none
};

// Appends "STAT name value\r\n" lines (no END) for every contract field and a few more.
void AppendReplStats(const ReplStats& stats, const ReplReport& report, protocol::StatList* out);
// The three fields plain `stats` carries on a replicating node: role, link
// state and bytes of this node's stream the peer has not acknowledged.
void AppendReplHealth(const ReplStats& s, Role role, uint64_t repl_offset, protocol::StatList* out);

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_REPL_STATS_H_
