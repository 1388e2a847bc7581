// Pair (see pair.h): node selection with down marks, and failover.
//
// Acquire walks the nodes in configuration order, skipping a node marked down
// (until its retry time) and the node that just failed this request, and
// takes the first connection it can get; a successful checkout clears the
// node's mark, a failed connect sets it. Execute sends the whole batch on
// that connection and reads every reply; on a transport error it marks the
// node down, drops its idle connections (they likely share the fault) and
// repeats on another node, at most once per node. Idle connections are not
// probed before use, so an EOF or reset on a reused one is first taken for
// a stale socket and retried once on a fresh connection to the same node
// (a dead node then refuses the connect at once); a timeout is never
// retried on the same node. Any other error (an
// unparseable reply) is returned without failover. Probe ignores the marks
// and asks every node for `version`, clearing the mark of each that answers.
#include "client/pair.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "protocol/command.h"
#include "protocol/request_encoder.h"

namespace tandem::client {

Pair::Lease& Pair::Lease::operator=(Lease&& other) {
  if (this != &other) {
    Release();
    pair_ = other.pair_;
    node_ = other.node_;
    connection_ = std::move(other.connection_);
    other.pair_ = nullptr;
  }
  return *this;
}

Pair::Lease::~Lease() { Release(); }

void Pair::Lease::Release() {
  if (pair_ != nullptr && connection_ != nullptr) {
    pair_->nodes_[node_]->pool.Return(std::move(connection_));
  }
  pair_ = nullptr;
}

Pair::Pair(const ShardConfig& shard, const PairOptions& options) : options_(options) {
  for (const NodeAddress& address : shard.nodes) {
    nodes_.push_back(std::make_unique<Node>(address, options));
  }
}

bool Pair::IsNodeDown(size_t i) const {
  int64_t until = nodes_[i]->down_until_ns.load(std::memory_order_relaxed);
  return until != 0 && absl::ToUnixNanos(absl::Now()) < until;
}

bool Pair::Usable(size_t i) {
  Node& node = *nodes_[i];
  int64_t until = node.down_until_ns.load(std::memory_order_relaxed);
  if (until == 0) return true;
  const int64_t now = absl::ToUnixNanos(absl::Now());
  if (node.probing.load(std::memory_order_acquire)) return CheckProbe(node, absl::ZeroDuration(), now);
  if (now < until) return false;
  // Its time is up: one caller probes; everyone keeps skipping it meanwhile.
  const int64_t next = now + absl::ToInt64Nanoseconds(options_.retry_timeout);
  if (!node.down_until_ns.compare_exchange_strong(until, next, std::memory_order_relaxed)) return false;
  StartProbe(node, now);
  return node.probing.load(std::memory_order_acquire) && CheckProbe(node, kProbeWait, now);
}

void Pair::StartProbe(Node& node, int64_t now_ns) {
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Connect(node.pool.node(), options_.connection);
  if (!connection.ok()) return;  // still down: tried again after retry_timeout
  (*connection)->Enqueue("version\r\n", 1);
  if (!(*connection)->Flush().ok()) return;
  std::lock_guard<std::mutex> lock(node.probe_mu);
  node.probe = std::move(*connection);
  node.probe_deadline_ns = now_ns + absl::ToInt64Nanoseconds(options_.connection.receive_timeout);
  node.probing.store(true, std::memory_order_release);
}

bool Pair::CheckProbe(Node& node, absl::Duration wait, int64_t now_ns) {
  std::unique_lock<std::mutex> lock(node.probe_mu, std::try_to_lock);
  if (!lock.owns_lock() || node.probe == nullptr) return false;
  protocol::Reply reply;
  absl::StatusOr<bool> answered = node.probe->PollReply(&reply, wait);
  if (answered.ok() && *answered && reply.kind == protocol::ReplyKind::kVersion) {
    node.pool.Return(std::move(node.probe));
    node.probing.store(false, std::memory_order_release);
    node.down_until_ns.store(0, std::memory_order_relaxed);
    return true;
  }
  if (!answered.ok() || *answered || now_ns >= node.probe_deadline_ns) {
    // Broken, a wrong answer, or silent for receive_timeout: still down.
    node.probe.reset();
    node.probing.store(false, std::memory_order_release);
  }
  return false;
}

void Pair::ReportFailure(size_t node) {
  nodes_[node]->down_until_ns.store(absl::ToUnixNanos(absl::Now() + options_.retry_timeout),
                                    std::memory_order_relaxed);
  nodes_[node]->pool.Clear();
}

absl::StatusOr<Pair::Lease> Pair::Acquire(size_t skip_node, size_t first_node) {
  // OK until a node fails: an error status allocates, and the request path
  // must not pay for one it does not return.
  absl::Status last;
  for (size_t k = 0; k < nodes_.size(); ++k) {
    const size_t i = (first_node + k) % nodes_.size();
    if (i == skip_node || !Usable(i)) continue;
    bool reused = false;
    absl::StatusOr<std::unique_ptr<Connection>> connection = nodes_[i]->pool.Checkout(&reused);
    if (connection.ok()) {
      if (nodes_[i]->down_until_ns.load(std::memory_order_relaxed) != 0) {
        nodes_[i]->down_until_ns.store(0, std::memory_order_relaxed);
      }
      return Lease(this, i, std::move(*connection), reused);
    }
    last = connection.status();
    ReportFailure(i);
  }
  return absl::UnavailableError(absl::StrCat("no node of ", nodes_[0]->pool.node().ToString(), " answers: ",
                                             last.ok() ? "every node of the pair is marked down" : last.message()));
}

template <typename Exchange>
absl::Status Pair::Run(Exchange&& exchange, size_t first_node) {
  absl::Status last;  // OK until an attempt fails (see Acquire)
  size_t failed = kNoNode;
  // At most one attempt per node.
  for (size_t attempt = 0; attempt < nodes_.size(); ++attempt) {
    absl::StatusOr<Lease> lease = Acquire(failed, first_node);
    if (!lease.ok()) return lease.status();
    absl::Status status = exchange(lease->connection());
    if (absl::IsUnavailable(status) && lease->reused()) {
      // Probably closed while idle (restart, idle timeout): so are its
      // idle siblings. One fresh connection to the same node decides.
      const size_t node = lease->node();
      *lease = Lease();
      nodes_[node]->pool.Clear();
      absl::StatusOr<std::unique_ptr<Connection>> fresh = nodes_[node]->pool.Checkout();
      if (fresh.ok()) {
        *lease = Lease(this, node, std::move(*fresh), false);
        status = exchange(lease->connection());
      } else {
        status = fresh.status();
        lease->node_ = node;
      }
    }
    if (status.ok()) return status;
    if (!IsTransportError(status)) return status;
    failed = lease->node();
    ReportFailure(failed);
    last = status;
  }
  return absl::UnavailableError(absl::StrCat("no node of ", nodes_[0]->pool.node().ToString(), " answers: ",
                                             last.ok() ? "no node tried" : last.message()));
}

absl::StatusOr<std::vector<protocol::Reply>> Pair::Execute(std::string_view requests, size_t reply_count,
                                                             size_t first_node) {
  std::vector<protocol::Reply> replies;
  absl::Status status = Run([&](Connection& connection) {
    replies.clear();
    replies.resize(reply_count);
    connection.Enqueue(requests, reply_count);
    for (size_t i = 0; i < reply_count; ++i) {
      absl::Status read = connection.ReadReply(&replies[i]);
      if (!read.ok()) return read;
    }
    return reply_count == 0 ? connection.Flush() : absl::OkStatus();
  }, first_node);
  if (!status.ok()) return status;
  return replies;
}

absl::StatusOr<protocol::Reply> Pair::Call(std::string_view request) {
  protocol::Reply reply;
  absl::Status status = Run([&](Connection& connection) {
    connection.Enqueue(request, 1);
    return connection.ReadReply(&reply);
  }, 0);
  if (!status.ok()) return status;
  return reply;
}

absl::Status Pair::Call(const protocol::Command& command, protocol::Reply* reply, size_t first_node) {
  return Run([&](Connection& connection) {
    absl::Status queued = connection.Enqueue(command);
    if (!queued.ok()) return queued;
    return connection.ReadReply(reply);
  }, first_node);
}

bool Pair::Probe() {
  protocol::Command version;
  version.op = protocol::Op::kVersion;
  std::string request;
  if (!protocol::EncodeRequest(version, &request).ok()) return false;
  bool any = false;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    absl::StatusOr<std::unique_ptr<Connection>> connection = nodes_[i]->pool.Checkout();
    if (!connection.ok()) continue;
    absl::StatusOr<protocol::Reply> reply = (*connection)->Call(request);
    if (reply.ok() && reply->kind == protocol::ReplyKind::kVersion) {
      nodes_[i]->down_until_ns.store(0, std::memory_order_relaxed);
      nodes_[i]->pool.Return(std::move(*connection));
      any = true;
    }
  }
  return any;
}

}  // namespace tandem::client
