// Multi-get: the keys of one GetMulti call, already split by shard, fetched
// from every shard at once.
//
// For each shard the keys are packed into `get k1 k2 ...` requests of at
// most kKeysPerRequest keys, run through RunPipelined (pipeline.h): one
// round trip per shard, all shards at once, failover inside each pair; a
// shard that still fails reports its status and the caller (Client)
// decides what to do (eject the shard, re-route its keys).
#ifndef TANDEM_CLIENT_MULTI_GET_H_
#define TANDEM_CLIENT_MULTI_GET_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/pair.h"
#include "protocol/reply.h"

namespace tandem::client {

inline constexpr size_t kKeysPerRequest = 100;

struct MultiGetGroup {
  Pair* pair = nullptr;
  size_t shard = 0;
  size_t first_node = 0;               // read policy: the node asked first
  std::vector<std::string_view> keys;  // views into the caller's keys
  // Filled by RunMultiGet:
  absl::Status status;
  std::vector<protocol::ReplyValue> values;  // the hits, in reply order
};

// Fetches every group's keys with `get` (or `gets` when with_cas). Keys
// must already be valid (protocol::ValidateKey).
void RunMultiGet(std::vector<MultiGetGroup>& groups, bool with_cas);

// The `get`/`gets` requests for `keys` (protocol/request_encoder),
// kKeysPerRequest keys per line; returns how many requests (hence replies)
// it appended, or InvalidArgument for a bad key.
absl::StatusOr<size_t> AppendGetRequests(const std::vector<std::string_view>& keys, bool with_cas,
                                         std::string* out);

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_MULTI_GET_H_
