// Forwarding (see forwarding.h): which commands need the key's owner, and
// the ForwardCall hand-off between a worker and the replication thread.
#include "server/forwarding.h"

#include <utility>

namespace tandem::server {

using protocol::Command;
using protocol::Op;

namespace {

// ms modes other than S (set) depend on what is stored: E add, A append,
// P prepend, R replace (memcached takes the mode letter in either case).
bool ConditionalSetMode(char mode) {
  switch (mode) {
    case 'E': case 'e':
    case 'A': case 'a':
    case 'P': case 'p':
    case 'R': case 'r':
      return true;
    default:
      return false;
  }
}

}  // namespace

bool NeedsOwner(const Command& cmd) {
  switch (cmd.op) {
    case Op::kAdd:
    case Op::kReplace:
    case Op::kAppend:
    case Op::kPrepend:
    case Op::kCas:
    case Op::kIncr:
    case Op::kDecr:
    case Op::kTouch:
    case Op::kGat:
    case Op::kGats:
    case Op::kMetaArith:
      return true;
    case Op::kDelete:
      return cmd.cas_unique != 0;  // binary DELETE with a CAS
    case Op::kMetaSet:
      return ConditionalSetMode(cmd.meta.mode) || cmd.meta.has_cas;
    case Op::kMetaDelete:
      return cmd.meta.has_cas;
    case Op::kMetaGet:
      return cmd.meta.has_ttl || cmd.meta.vivify || cmd.meta.has_recache;
    default:
      return false;
  }
}

bool ForwardsToPeer(const Forwarder* forwarder, const Command& cmd) {
  if (forwarder == nullptr || !NeedsOwner(cmd)) return false;
  if (!protocol::IsRetrieval(cmd.op)) return forwarder->PeerOwns(cmd.key);
  if (cmd.keys.empty()) return false;
  for (std::string_view key : cmd.keys) {
    if (!forwarder->PeerOwns(key)) return false;
  }
  return true;
}

void ForwardCall::Start(std::function<void()> on_done) {
  on_done_ = std::move(on_done);
  via_->Send(shared_from_this());
}

void ForwardCall::Finish(Outcome outcome, std::string reply) {
  {
    absl::MutexLock lock(&mu_);
    if (outcome_ != Outcome::kPending) return;
    outcome_ = outcome;
    reply_ = std::move(reply);
  }
  if (on_done_) on_done_();
}

ForwardCall::Outcome ForwardCall::outcome() const {
  absl::MutexLock lock(&mu_);
  return outcome_;
}

std::string ForwardCall::TakeReply() {
  absl::MutexLock lock(&mu_);
  return std::move(reply_);
}

}  // namespace tandem::server
