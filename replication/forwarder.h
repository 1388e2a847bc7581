// Forwarder: the replication side of forwarding (server/forwarding.h):
// conditional and read-modify-write commands for keys the peer owns are
// sent over the link and answered with the owner's reply bytes; requests
// the peer forwards here are run (server::ForwardedRunner) and answered.
//
// Routing is on only while a link is up and this node is streaming the
// peer's writes (its full copy, if any, has arrived): PeerOwns is false
// otherwise, so every command runs locally (the link-down rule, README).
//
// Calls, origin side. A worker's Send queues the call (outbox) and wakes
// the link thread, whose pump moves it onto the socket (in flight, with the
// time it was sent). It ends when its answer arrives (kAnswered); when the
// link drops, calls never sent end kNotSent (the owner cannot have seen
// them: the connection runs them locally) and calls in flight end kLost
// (they may have run: SERVER_ERROR, never a second run); a call in flight
// for --repl-timeout-ms ends kLost too. A late answer for it is dropped.
//
// Answers, owner side. The request runs on the link thread, and its
// answer waits until the pump has sent this node's stream past the records
// the request wrote, so the origin applies the write before it hands the
// client the reply (a `get` there right after an `incr` sees the new
// value). During a full copy to the peer the stream is paused and answers
// go at once.
//
// Send and PeerOwns are thread-safe; everything else runs on the link thread.
#ifndef TANDEM_REPLICATION_FORWARDER_H_
#define TANDEM_REPLICATION_FORWARDER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/forwarding.h"

namespace tandem::replication {

class Forwarder final : public server::Forwarder {
 public:
  Forwarder(uint64_t node_id, int timeout_ms) : node_id_(node_id), timeout_ms_(timeout_ms) {}

  // ---- server::Forwarder (any thread) -------------------------------------
  bool PeerOwns(std::string_view key) const override;
  void Send(std::shared_ptr<server::ForwardCall> call) override;

  // ---- setup (before the link thread starts) ------------------------------
  // Runs what the peer forwards; null: forwarded requests are refused.
  void SetRunner(server::ForwardedRunner* runner) { runner_ = runner; }
  // Pokes the link thread to pump (a call is queued).
  void SetWake(std::function<void()> wake) { wake_ = std::move(wake); }

  // ---- link thread ----------------------------------------------------------
  // The link to `peer_id` is streaming: route by the owner rule.
  void LinkReady(uint64_t peer_id) { peer_id_.store(peer_id, std::memory_order_release); }
  bool routing() const { return peer_id_.load(std::memory_order_acquire) != 0; }
  // Commands sent to the peer so far (`stats replication` forwarded_commands).
  uint64_t forwarded() const { return forwarded_.load(std::memory_order_relaxed); }
  // The link dropped: ends every call (see the file head), forgets owed answers.
  void LinkDown();
  // Appends the frames due on the link: queued requests, and answers whose
  // records are sent (stream_sent: how far this node's stream went out;
  // stream_paused: a full copy is under way).
  void TakeOutgoing(uint64_t stream_sent, bool stream_paused, int64_t now_ms, std::string* out);
  // A FORWARD_REQUEST from the peer: runs it; the answer is owed until TakeOutgoing.
  absl::Status OnRequest(std::string_view payload);
  // A FORWARD_ANSWER from the peer: ends its call.
  absl::Status OnAnswer(std::string_view payload);
  // Ends (kLost) calls in flight for --repl-timeout-ms or longer.
  void ExpireCalls(int64_t now_ms);

 private:
  struct Queued {
    uint64_t id;
    std::shared_ptr<server::ForwardCall> call;
  };
  struct InFlight {
    std::shared_ptr<server::ForwardCall> call;
    int64_t sent_ms;
  };
  struct Owed {
    uint64_t stream_end;  // send once the stream went out this far
    std::string frame;
  };

  const uint64_t node_id_;
  const int timeout_ms_;
  std::atomic<uint64_t> peer_id_{0};  // 0: not routing
  std::atomic<uint64_t> forwarded_{0};
  server::ForwardedRunner* runner_ = nullptr;
  std::function<void()> wake_;

  absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<Queued> outbox_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, InFlight> in_flight_ ABSL_GUARDED_BY(mu_);

  std::deque<Owed> owed_;  // link thread only
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_FORWARDER_H_
