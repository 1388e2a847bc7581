// Forwarder (see forwarder.h). Calls end (ForwardCall::Finish, which wakes
// the waiting worker) outside mu_, so a worker's Send never waits on a wake.
#include "replication/forwarder.h"

#include <utility>

#include "replication/forward_codec.h"
#include "replication/owner_rule.h"

namespace tandem::replication {

using server::ForwardCall;

bool Forwarder::PeerOwns(std::string_view key) const {
  const uint64_t peer = peer_id_.load(std::memory_order_acquire);
  return peer != 0 && KeyOwner(key, node_id_, peer) == peer;
}

void Forwarder::Send(std::shared_ptr<ForwardCall> call) {
  {
    absl::MutexLock lock(&mu_);
    if (routing()) {
      outbox_.push_back({next_id_++, std::move(call)});
      call = nullptr;
    }
  }
  if (call != nullptr) {
    call->Finish(ForwardCall::Outcome::kNotSent);  // the link went down meanwhile
    return;
  }
  if (wake_) wake_();
}

void Forwarder::LinkDown() {
  peer_id_.store(0, std::memory_order_release);
  owed_.clear();
  std::vector<Queued> unsent;
  absl::flat_hash_map<uint64_t, InFlight> lost;
  {
    absl::MutexLock lock(&mu_);
    unsent.swap(outbox_);
    lost.swap(in_flight_);
  }
  for (Queued& q : unsent) q.call->Finish(ForwardCall::Outcome::kNotSent);
  for (auto& [id, f] : lost) f.call->Finish(ForwardCall::Outcome::kLost);
}

void Forwarder::TakeOutgoing(uint64_t stream_sent, bool stream_paused, int64_t now_ms, std::string* out) {
  {
    absl::MutexLock lock(&mu_);
    for (Queued& q : outbox_) {
      EncodeForwardRequest(ForwardRequest{q.id, q.call->kind(), q.call->request()}, out);
      in_flight_.emplace(q.id, InFlight{std::move(q.call), now_ms});
      forwarded_.fetch_add(1, std::memory_order_relaxed);
    }
    outbox_.clear();
  }
  // Answers are independent of each other: each goes once its own records have.
  for (auto it = owed_.begin(); it != owed_.end();) {
    if (stream_paused || it->stream_end <= stream_sent) {
      out->append(it->frame);
      it = owed_.erase(it);
    } else {
      ++it;
    }
  }
}

absl::Status Forwarder::OnRequest(std::string_view payload) {
  ForwardRequest req;
  if (absl::Status st = ParseForwardRequest(payload, &req); !st.ok()) return st;
  if (runner_ == nullptr) return absl::FailedPreconditionError("forwarded request, but nothing runs them");
  std::string reply;
  const uint64_t stream_end = runner_->Run(req.kind, req.request, &reply);
  Owed owed{stream_end, {}};
  EncodeForwardAnswer(ForwardAnswer{req.id, reply}, &owed.frame);
  owed_.push_back(std::move(owed));
  return absl::OkStatus();
}

absl::Status Forwarder::OnAnswer(std::string_view payload) {
  ForwardAnswer answer;
  if (absl::Status st = ParseForwardAnswer(payload, &answer); !st.ok()) return st;
  std::shared_ptr<ForwardCall> call;
  {
    absl::MutexLock lock(&mu_);
    auto it = in_flight_.find(answer.id);
    if (it == in_flight_.end()) return absl::OkStatus();  // it timed out: already answered SERVER_ERROR
    call = std::move(it->second.call);
    in_flight_.erase(it);
  }
  call->Finish(ForwardCall::Outcome::kAnswered, std::string(answer.reply));
  return absl::OkStatus();
}

void Forwarder::ExpireCalls(int64_t now_ms) {
  std::vector<std::shared_ptr<ForwardCall>> lost;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      if (now_ms - it->second.sent_ms >= timeout_ms_) {
        lost.push_back(std::move(it->second.call));
        in_flight_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  for (auto& call : lost) call->Finish(ForwardCall::Outcome::kLost);
}

}  // namespace tandem::replication
