// Pipelined requests (see pipeline.h): phase one writes every shard's
// requests, phase two reads every shard's replies, and a shard that failed
// in either phase is redone through Pair::Execute (with failover).
#include "client/pipeline.h"

#include <optional>
#include <utility>

namespace tandem::client {

void RunPipelined(std::vector<ShardRequests>& shards) {
  struct InFlight {
    std::optional<Pair::Lease> lease;  // set while requests are in flight
    bool done = false;                 // shards[i].status is final
  };
  std::vector<InFlight> flights(shards.size());

  // Phase one: every request of every shard goes out before any reply is read.
  for (size_t i = 0; i < shards.size(); ++i) {
    ShardRequests& shard = shards[i];
    absl::StatusOr<Pair::Lease> lease = shard.pair->Acquire(Pair::kNoNode, shard.first_node);
    if (!lease.ok()) {
      // No node accepts a connection: Execute below would only repeat that.
      shard.status = lease.status();
      flights[i].done = true;
      continue;
    }
    lease->connection().Enqueue(shard.requests, shard.reply_count);
    absl::Status sent = lease->connection().Flush();
    if (!sent.ok()) {
      if (!lease->reused()) shard.pair->ReportFailure(lease->node());
      continue;  // redone below
    }
    flights[i].lease = std::move(*lease);
  }

  // Phase two: read every shard's replies, in order.
  for (size_t i = 0; i < shards.size(); ++i) {
    ShardRequests& shard = shards[i];
    InFlight& flight = flights[i];
    if (!flight.lease.has_value()) continue;
    absl::Status status;
    shard.replies.resize(shard.reply_count);
    for (size_t r = 0; r < shard.reply_count && status.ok(); ++r) {
      status = flight.lease->connection().ReadReply(&shard.replies[r]);
    }
    if (IsTransportError(status)) {
      // A stale pooled socket is not the node's fault: Execute retries it.
      if (!(flight.lease->reused() && absl::IsUnavailable(status))) {
        shard.pair->ReportFailure(flight.lease->node());
      }
      shard.replies.clear();
    } else {
      // Success, or a node that answered nonsense (not worth a retry).
      shard.status = status;
      flight.done = true;
    }
    flight.lease.reset();  // back to the pool (dropped if broken)
  }

  // Shards whose connection failed: once more through Execute (failover).
  for (size_t i = 0; i < shards.size(); ++i) {
    ShardRequests& shard = shards[i];
    if (flights[i].done) continue;
    absl::StatusOr<std::vector<protocol::Reply>> replies =
        shard.pair->Execute(shard.requests, shard.reply_count, shard.first_node);
    if (!replies.ok()) {
      shard.status = replies.status();
      continue;
    }
    shard.status = absl::OkStatus();
    shard.replies = std::move(*replies);
  }
}

}  // namespace tandem::client
