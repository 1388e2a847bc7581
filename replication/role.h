// Role: the none/master/slave state machine of one node, and its epoch.
//
// Both nodes of a pair serve reads and writes whatever their role; the role
// says who gives way when two nodes disagree. The rules:
//   - start: a node started with -x (it names a peer) is a slave at epoch 0
//     and dials; a node with only -X is a master at epoch 0 and waits.
//   - promotion: a slave that has heard nothing from its peer for
//     --repl-timeout-ms becomes master with epoch + 1 (and keeps dialing the
//     peer it was given, so a returning node is found again).
//   - meeting: when a link is authenticated both sides compare (epoch, role,
//     node id) with Outranks: the higher epoch wins; at equal epochs a master
//     beats a slave; at equal epoch and role the lower node id wins. The
//     winner is master, the loser becomes its slave and adopts its epoch.
//     Both compute the same answer from the same two states, so no extra
//     round trip is needed. Data is merged both ways by version regardless.
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
};

// Whether `a` wins over `b` when they meet.
bool Outranks(const NodeState& a, const NodeState& b);

const char* RoleName(Role role);

class RoleState {
 public:
  RoleState() = default;
  void Start(Role initial) { role_.store(initial); }

  Role role() const { return role_.load(std::memory_order_relaxed); }
  uint64_t epoch() const { return epoch_.load(std::memory_order_relaxed); }
  uint64_t promotions() const { return promotions_.load(std::memory_order_relaxed); }
  NodeState state(uint64_t node_id) const { return NodeState{role(), epoch(), node_id}; }

  // Slave -> master, epoch + 1. False (no change) unless currently a slave.
  bool Promote();
  // Applies the meeting rule against the authenticated peer's state.
  void Meet(uint64_t own_node_id, const NodeState& peer);

 private:
  std::atomic<Role> role_{Role::kNone};
  std::atomic<uint64_t> epoch_{0};
  std::atomic<uint64_t> promotions_{0};
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_ROLE_H_
