// Forwarding: conditional and read-modify-write commands go to the key's
// owner node (design.md, "Replication in one page": the owner rule).
//
// Both nodes of a pair take writes, and each applies the other's only when
// newer. That is enough for blind sets and deletes, but not for a command
// whose result depends on what is stored (incr, add, cas, append, touch...):
// two nodes deciding at once both "win". So while the link is up every key
// has one owner in the pair, and such a command arriving at the other node
// is sent to the owner, carried out there, and answered with the owner's
// reply bytes, exactly as if it had run locally.
//
// This header is what the server needs, as interfaces, because the server
// never includes replication/: NeedsOwner says which commands are
// conditional; a Forwarder (replication/forwarder.h) knows who owns a key
// and carries a ForwardCall to the peer; a ForwardedRunner (server/
// forwarded_runner.h) runs on the owner what the peer sent. The request
// travels as the client's own bytes (one text or meta request, or one
// binary packet), so the owner runs the same parser, executor and reply
// writer and its reply is already in the client's protocol.
//
// A call ends one of three ways (ForwardCall::Outcome): answered; not sent
// because the link was down (nobody but this node can have seen it, so the
// handler runs it locally: the link-down rule); or lost, sent but not
// answered within --repl-timeout-ms or before the link dropped: the owner
// may have applied it, so running it again could apply it twice, and the
// client gets SERVER_ERROR (kServerErrorPeerLost) instead.
#ifndef TANDEM_SERVER_FORWARDING_H_
#define TANDEM_SERVER_FORWARDING_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "protocol/command.h"

namespace tandem::server {

// Whether the command's outcome depends on the stored item, so that two
// nodes deciding alone could both succeed: add, replace, cas, append,
// prepend, incr, decr, touch, gat, gats; ms in modes E/A/P/R or with C; ma;
// md with C; mg with T, N or R; a binary delete with a CAS (the binary
// forms map onto the same ops). Blind set and delete, and plain reads,
// stay local.
bool NeedsOwner(const protocol::Command& cmd);

// How the forwarded bytes are framed: the text port's grammar (classic and
// meta lines) or one binary packet.
enum class WireKind : uint8_t { kText = 0, kBinary = 1 };

class ForwardCall;
class Forwarder;

// Whether `cmd` must go to the peer: `forwarder` is set, the command
// NeedsOwner, and the peer owns its key (a gat/gats naming several keys:
// all of them; with mixed owners it runs locally, see README).
bool ForwardsToPeer(const Forwarder* forwarder, const protocol::Command& cmd);

// Implemented by replication/forwarder. Thread-safe.
class Forwarder {
 public:
  virtual ~Forwarder() = default;
  // Whether `key` belongs to the peer and the link can take it now.
  virtual bool PeerOwns(std::string_view key) const = 0;
  // Sends the call; it ends (ForwardCall::Finish) on the replication
  // thread, or at once as kNotSent when there is no link.
  virtual void Send(std::shared_ptr<ForwardCall> call) = 0;
};

// Owner side: runs one request the peer forwarded and appends the reply
// bytes to *reply. Returns where the request's replication records end in
// this node's stream (0: it wrote nothing), so the answer can follow them.
// Called on the replication thread only.
class ForwardedRunner {
 public:
  virtual ~ForwardedRunner() = default;
  virtual uint64_t Run(WireKind kind, std::string_view request, std::string* reply) = 0;
};

// One forwarded request, shared by the connection waiting for it (a worker
// thread) and the replication thread that answers it.
class ForwardCall : public std::enable_shared_from_this<ForwardCall> {
 public:
  enum class Outcome : uint8_t {
    kPending,
    kAnswered,  // reply() holds the owner's reply bytes
    kNotSent,   // the link was down: the owner never saw it
    kLost,      // sent, but no answer came: it may or may not have run
  };

  ForwardCall(Forwarder* via, WireKind kind, std::string_view request)
      : via_(via), kind_(kind), request_(request) {}

  WireKind kind() const { return kind_; }
  const std::string& request() const { return request_; }

  // Worker: sends the call; on_done runs (on the replication thread, or
  // inside this call) once it has ended.
  void Start(std::function<void()> on_done);
  // Replication thread: the call ended. Only the first Finish counts.
  void Finish(Outcome outcome, std::string reply = {});
  Outcome outcome() const;
  // The owner's reply bytes, once kAnswered.
  std::string TakeReply();

 private:
  Forwarder* const via_;
  const WireKind kind_;
  const std::string request_;
  mutable absl::Mutex mu_;
  Outcome outcome_ ABSL_GUARDED_BY(mu_) = Outcome::kPending;
  std::string reply_ ABSL_GUARDED_BY(mu_);
  std::function<void()> on_done_;  // set before sending, read after
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_FORWARDING_H_
