// Role: the none/master/slave state machine of one node, and its epoch.
//
// What role and epoch decide, and what they do not. Both nodes serve reads
// and writes whatever their role, and data is merged both ways by version
// (applier.h), so neither decides anything about the data. They decide:
//   - who takes over: only a slave promotes itself (master, epoch + 1),
//     after --repl-timeout-ms without a word from its peer, or at once when
//     the peer says GOODBYE (a clean SIGTERM/SIGUSR1 stop). A master stays
//     master while alone. A node that finds its own loop was not running
//     for a whole timeout (SIGSTOP, a starved host) was the one away: it
//     gives the peer a full timeout to answer before promoting, and a
//     master's time as master starts over (rule 2 below), so whichever
//     node was away defers.
//   - who keeps the title when two nodes meet (Outranks), computed by both
//     from the two HELLOs exchanged on the link (inside TLS, so from
//     authenticated state; heartbeats' role and epoch are informational):
//       1. a master beats a slave: the node that kept serving as master
//          stays master, a node (re)joining as slave defers;
//       2. of two masters (both served alone while apart), the one that has
//          been master longer (`master_for_ms`) keeps it: a slave that
//          promoted while it was away (or paused) defers to the incumbent;
//       3. then the higher epoch, then the lower node id.
//     The winner is master, the loser its slave; both take the higher
//     epoch. Both compute the same answer from the same two HELLOs, so no
//     extra round trip is needed.
//   - what `stats replication` shows (role, epoch, promotions), which
//     operators and master-preferring clients read.
// The epoch counts the promotions the pair has seen; it only breaks ties.
// Readable from any thread (atomics); changed only on the link thread.
#ifndef TANDEM_REPLICATION_ROLE_H_
#define TANDEM_REPLICATION_ROLE_H_

#include <atomic>
#include <cstdint>

#include "replication/record.h"

namespace tandem::replication {

struct NodeState {
  Role role = Role::kNone;
  uint64_t epoch = 0;
  uint64_t node_id = 0;
  uint64_t master_for_ms = 0;  // 0 unless master
};

// Whether `a` wins over `b` when they meet.
bool Outranks(const NodeState& a, const NodeState& b);
// The state a HELLO announces.
NodeState StateOf(const Hello& hello);

const char* RoleName(Role role);

class RoleState {
 public:
  RoleState() = default;
  void Start(Role initial);

  Role role() const { return role_.load(std::memory_order_relaxed); }
  uint64_t epoch() const { return epoch_.load(std::memory_order_relaxed); }
  uint64_t promotions() const { return promotions_.load(std::memory_order_relaxed); }
  // How long this node has been master without a break (0 when it is not).
  uint64_t master_for_ms() const;

  // Slave -> master, epoch + 1. False (no change) unless currently a slave.
  bool Promote();
  // This node was away (its loop did not run): a master's time as master
  // starts over `defer_ms` from now, and until then it claims the least
  // (1 ms), so a peer that took over meanwhile keeps the title even when
  // that peer's HELLO was written just after its promotion, long before
  // this node's, and carries a smaller time than this node's would.
  void WasAway(int64_t defer_ms);
  // Applies the meeting rule: `self` is what our HELLO on the link said,
  // `peer` what the peer's said (both authenticated by the link).
  void Meet(const NodeState& self, const NodeState& peer);

 private:
  void BecomeMaster();
  static int64_t SteadyMs();

  std::atomic<Role> role_{Role::kNone};
  std::atomic<uint64_t> epoch_{0};
  std::atomic<uint64_t> promotions_{0};
  std::atomic<int64_t> master_since_ms_{0};  // steady clock; meaningful while master
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_ROLE_H_
