// Multi-get (see multi_get.h): `get` lines per shard, run by RunPipelined,
// hits gathered from the replies.
#include "client/multi_get.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/pipeline.h"
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
  std::vector<size_t> shard_of_group(groups.size(), static_cast<size_t>(-1));
  std::vector<ShardRequests> to_run;
  to_run.reserve(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    ShardRequests shard;
    absl::StatusOr<size_t> reply_count = AppendGetRequests(groups[g].keys, with_cas, &shard.requests);
    if (!reply_count.ok()) {
      groups[g].status = reply_count.status();
      continue;
    }
    shard.pair = groups[g].pair;
    shard.shard = groups[g].shard;
    shard.reply_count = *reply_count;
    shard.first_node = groups[g].first_node;
    shard_of_group[g] = to_run.size();
    to_run.push_back(std::move(shard));
  }
  RunPipelined(to_run);
  for (size_t g = 0; g < groups.size(); ++g) {
    if (shard_of_group[g] == static_cast<size_t>(-1)) continue;
    ShardRequests& shard = to_run[shard_of_group[g]];
    groups[g].status = shard.status;
    if (!shard.status.ok()) continue;
    for (protocol::Reply& reply : shard.replies) {
      groups[g].status = CollectValues(reply, &groups[g].values);
      if (!groups[g].status.ok()) break;
    }
  }
}

}  // namespace tandem::client
