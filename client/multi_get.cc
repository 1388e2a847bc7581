// Multi-get (see multi_get.h): phase one writes every shard's requests,
// phase two reads every shard's replies, and a shard that failed in either
// phase is redone through Pair::Execute (with failover).
#include "client/multi_get.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "protocol/command.h"
#include "protocol/request_encoder.h"

namespace tandem::client {

absl::StatusOr<size_t> AppendGetRequests(const std::vector<std::string_view>& keys, bool with_cas,
                                         std::string* out) {
  protocol::Command command;
  command.op = with_cas ? protocol::Op::kGets : protocol::Op::kGet;
  size_t requests = 0;
  for (size_t begin = 0; begin < keys.size(); begin += kKeysPerRequest) {
    const size_t end = std::min(keys.size(), begin + kKeysPerRequest);
    command.keys.assign(keys.begin() + static_cast<std::ptrdiff_t>(begin),
                        keys.begin() + static_cast<std::ptrdiff_t>(end));
    absl::Status status = protocol::EncodeRequest(command, out);
    if (!status.ok()) return status;
    ++requests;
  }
  return requests;
}

namespace {

absl::Status CollectValues(protocol::Reply& reply, std::vector<protocol::ReplyValue>* values) {
  if (reply.kind != protocol::ReplyKind::kValues) {
    return absl::InternalError(
        absl::StrCat("unexpected reply to get: ", protocol::ReplyKindName(reply.kind), " ", reply.text));
  }
  if (values->empty()) {
    values->swap(reply.values);  // the common case, one request per shard: no copy
  } else {
    for (protocol::ReplyValue& value : reply.values) values->push_back(std::move(value));
  }
  return absl::OkStatus();
}

}  // namespace

void RunMultiGet(std::vector<MultiGetGroup>& groups, bool with_cas) {
  struct InFlight {
    std::string requests;
    size_t reply_count = 0;
    std::optional<Pair::Lease> lease;  // set while requests are in flight
    bool done = false;                 // groups[g].status is final
  };
  std::vector<InFlight> flights(groups.size());

  // Phase one: every request of every shard goes out before any reply is read.
  for (size_t g = 0; g < groups.size(); ++g) {
    InFlight& flight = flights[g];
    absl::StatusOr<size_t> reply_count = AppendGetRequests(groups[g].keys, with_cas, &flight.requests);
    if (!reply_count.ok()) {
      groups[g].status = reply_count.status();
      flight.done = true;
      continue;
    }
    flight.reply_count = *reply_count;
    absl::StatusOr<Pair::Lease> lease = groups[g].pair->Acquire();
    if (!lease.ok()) {
      // No node accepts a connection: Execute below would only repeat that.
      groups[g].status = lease.status();
      flight.done = true;
      continue;
    }
    lease->connection().Enqueue(flight.requests, flight.reply_count);
    absl::Status sent = lease->connection().Flush();
    if (!sent.ok()) {
      groups[g].pair->ReportFailure(lease->node());
      continue;  // redone below
    }
    flight.lease = std::move(*lease);
  }

  // Phase two: read every shard's replies, in order.
  for (size_t g = 0; g < groups.size(); ++g) {
    InFlight& flight = flights[g];
    if (!flight.lease.has_value()) continue;
    absl::Status status;
    protocol::Reply reply;
    for (size_t i = 0; i < flight.reply_count && status.ok(); ++i) {
      status = flight.lease->connection().ReadReply(&reply);
      if (status.ok()) status = CollectValues(reply, &groups[g].values);
    }
    if (IsTransportError(status)) {
      groups[g].pair->ReportFailure(flight.lease->node());
      groups[g].values.clear();
    } else {
      // Success, or a node that answered nonsense (not worth a retry).
      groups[g].status = status;
      flight.done = true;
    }
    flight.lease.reset();  // back to the pool (dropped if broken)
  }

  // Shards whose connection failed: once more through Execute (failover).
  for (size_t g = 0; g < groups.size(); ++g) {
    InFlight& flight = flights[g];
    if (flight.done) continue;
    absl::StatusOr<std::vector<protocol::Reply>> replies =
        groups[g].pair->Execute(flight.requests, flight.reply_count);
    if (!replies.ok()) {
      groups[g].status = replies.status();
      continue;
    }
    for (protocol::Reply& reply : *replies) {
      groups[g].status = CollectValues(reply, &groups[g].values);
      if (!groups[g].status.ok()) break;
    }
  }
}

}  // namespace tandem::client
