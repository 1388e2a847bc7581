// Role: see role.h for the rules.
#include "replication/role.h"

#include <algorithm>

namespace tandem::replication {

bool Outranks(const NodeState& a, const NodeState& b) {
  if (a.epoch != b.epoch) return a.epoch > b.epoch;
  if (a.role != b.role) return a.role == Role::kMaster;
  return a.node_id < b.node_id;
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kMaster: return "master";
    case Role::kSlave: return "slave";
    case Role::kNone: break;
  }
  return "none";
}

bool RoleState::Promote() {
  if (role() != Role::kSlave) return false;
  epoch_.fetch_add(1);
  role_.store(Role::kMaster);
  promotions_.fetch_add(1);
  return true;
}

void RoleState::Meet(uint64_t own_node_id, const NodeState& peer) {
  NodeState self = state(own_node_id);
  if (Outranks(peer, self)) {
    role_.store(Role::kSlave);
    epoch_.store(peer.epoch);
  } else {
    role_.store(Role::kMaster);
    epoch_.store(std::max(self.epoch, peer.epoch));
  }
}

}  // namespace tandem::replication
