// Pair (see pair.h): node selection with down marks, and failover.
//
// Acquire walks the nodes in configuration order, skipping a node marked down
// (until its retry time) and the node that just failed this request, and
// takes the first connection it can get; a successful checkout clears the
// node's mark, a failed connect sets it. Execute sends the whole batch on
// that connection and reads every reply; on a transport error it marks the
// node down, drops its idle connections (they likely share the fault) and
// repeats on another node, at most once per node. Any other error (an
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

void Pair::ReportFailure(size_t node) {
  nodes_[node]->down_until_ns.store(absl::ToUnixNanos(absl::Now() + options_.retry_timeout),
                                    std::memory_order_relaxed);
  nodes_[node]->pool.Clear();
}

absl::StatusOr<Pair::Lease> Pair::Acquire(size_t skip_node) {
  absl::Status last = absl::UnavailableError("every node of the pair is marked down");
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (i == skip_node || IsNodeDown(i)) continue;
    absl::StatusOr<std::unique_ptr<Connection>> connection = nodes_[i]->pool.Checkout();
    if (connection.ok()) {
      nodes_[i]->down_until_ns.store(0, std::memory_order_relaxed);
      return Lease(this, i, std::move(*connection));
    }
    last = connection.status();
    ReportFailure(i);
  }
  return absl::UnavailableError(absl::StrCat("no node of ", nodes_[0]->pool.node().ToString(),
                                             " answers: ", last.message()));
}

absl::StatusOr<std::vector<protocol::Reply>> Pair::Execute(std::string_view requests, size_t reply_count) {
  absl::Status last = absl::UnavailableError("no node tried");
  size_t failed = kNoNode;
  // At most one attempt per node.
  for (size_t attempt = 0; attempt < nodes_.size(); ++attempt) {
    absl::StatusOr<Lease> lease = Acquire(failed);
    if (!lease.ok()) return lease.status();
    Connection& connection = lease->connection();
    connection.Enqueue(requests, reply_count);
    std::vector<protocol::Reply> replies;
    replies.reserve(reply_count);
    absl::Status status;
    for (size_t i = 0; i < reply_count && status.ok(); ++i) {
      absl::StatusOr<protocol::Reply> reply = connection.ReadReply();
      if (reply.ok()) {
        replies.push_back(std::move(*reply));
      } else {
        status = reply.status();
      }
    }
    if (status.ok() && reply_count == 0) status = connection.Flush();
    if (status.ok()) return replies;
    if (!IsTransportError(status)) return status;
    failed = lease->node();
    ReportFailure(failed);
    last = status;
  }
  return absl::UnavailableError(absl::StrCat("no node of ", nodes_[0]->pool.node().ToString(),
                                             " answers: ", last.message()));
}

absl::StatusOr<protocol::Reply> Pair::Call(std::string_view request) {
  absl::StatusOr<std::vector<protocol::Reply>> replies = Execute(request, 1);
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
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
