// Role: see role.h for the rules. The meeting order is a table of
// comparisons, tried in turn until one tells the two states apart.
#include "replication/role.h"

#include <algorithm>
#include <chrono>

namespace tandem::replication {

namespace {

// Each compares a and b on one thing: > 0 when a wins, < 0 when b wins, 0 tie.
using Comparison = int (*)(const NodeState& a, const NodeState& b);

template <typename T>
int Cmp(T a, T b) {
  return a > b ? 1 : (a < b ? -1 : 0);
}

constexpr Comparison kMeetingOrder[] = {
    [](const NodeState& a, const NodeState& b) { return Cmp(a.role == Role::kMaster, b.role == Role::kMaster); },
    [](const NodeState& a, const NodeState& b) { return Cmp(a.master_for_ms, b.master_for_ms); },
    [](const NodeState& a, const NodeState& b) { return Cmp(a.epoch, b.epoch); },
    [](const NodeState& a, const NodeState& b) { return Cmp(b.node_id, a.node_id); },  // lower id wins
};

}  // namespace

bool Outranks(const NodeState& a, const NodeState& b) {
  for (Comparison compare : kMeetingOrder) {
    if (int c = compare(a, b); c != 0) return c > 0;
  }
  return false;
}

NodeState StateOf(const Hello& hello) {
  return NodeState{hello.role, hello.epoch, hello.node_id, hello.role == Role::kMaster ? hello.master_for_ms : 0};
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kMaster: return "master";
    case Role::kSlave: return "slave";
    case Role::kNone: break;
  }
  return "none";
}

int64_t RoleState::SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void RoleState::Start(Role initial) {
  role_.store(initial);
  if (initial == Role::kMaster) master_since_ms_.store(SteadyMs());
}

uint64_t RoleState::master_for_ms() const {
  if (role() != Role::kMaster) return 0;
  // At least 1: a master that has just become one still outranks a slave's 0.
  return static_cast<uint64_t>(std::max<int64_t>(1, SteadyMs() - master_since_ms_.load()));
}

void RoleState::BecomeMaster() {
  if (role() != Role::kMaster) master_since_ms_.store(SteadyMs());
  role_.store(Role::kMaster);
}

void RoleState::WasAway(int64_t defer_ms) {
  if (role() == Role::kMaster) master_since_ms_.store(SteadyMs() + defer_ms);
}

bool RoleState::Promote() {
  if (role() != Role::kSlave) return false;
  epoch_.fetch_add(1);
  BecomeMaster();
  promotions_.fetch_add(1);
  return true;
}

void RoleState::Meet(const NodeState& self, const NodeState& peer) {
  const uint64_t epoch = std::max({self.epoch, peer.epoch, this->epoch()});
  if (Outranks(peer, self)) {
    role_.store(Role::kSlave);
  } else {
    BecomeMaster();
  }
  epoch_.store(epoch);
}

}  // namespace tandem::replication
