// Pipelined requests to many shards at once: one round trip per shard.
//
// Each shard's requests are written on one connection before any reply is
// read, and every shard's requests are written before any shard's replies
// are read, so the shards work in parallel and a call costs about one round
// trip to the slowest one. A shard whose connection fails at any point is
// redone with Pair::Execute, which fails over to the other node of its
// pair; a shard that still fails reports its status and the caller decides
// what to do (eject the shard, re-route its keys). Multi-get, SetMulti,
// DeleteMulti and Client::Execute(Batch) all go through here.
#ifndef TANDEM_CLIENT_PIPELINE_H_
#define TANDEM_CLIENT_PIPELINE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/pair.h"
#include "protocol/reply.h"

namespace tandem::client {

struct ShardRequests {
  Pair* pair = nullptr;
  size_t shard = 0;
  std::string requests;    // the request bytes
  size_t reply_count = 0;  // replies they produce
  size_t first_node = 0;   // the node tried first (read policy)
  // Filled by RunPipelined: OK and every reply, or the shard's error.
  absl::Status status;
  std::vector<protocol::Reply> replies;
};

void RunPipelined(std::vector<ShardRequests>& shards);

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_PIPELINE_H_
