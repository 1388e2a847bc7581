// Reply -> result mapping shared by single requests (client.cc) and
// batches (batch.cc): the normal outcomes of memcached as values, error
// lines as absl::Status (CLIENT_ERROR: InvalidArgument, SERVER_ERROR and
// garbled replies: Internal, ERROR: Unimplemented).
#ifndef TANDEM_CLIENT_REPLY_OUTCOME_H_
#define TANDEM_CLIENT_REPLY_OUTCOME_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/client.h"
#include "protocol/command.h"
#include "protocol/reply.h"

namespace tandem::client {

// "get", "set", ... for error messages.
const char* OpName(protocol::Op op);
// The status for a reply that is an error line (or an unexpected kind).
absl::Status ReplyError(const protocol::Reply& reply, const char* what);

// get/gets: the hit for `key` (its data moved out of the reply), or nullopt.
absl::StatusOr<std::optional<Item>> ItemOutcome(protocol::Reply& reply, std::string_view key, protocol::Op op);
// set/add/replace/append/prepend/cas.
absl::StatusOr<StoreResult> StoreOutcome(const protocol::Reply& reply, protocol::Op op);
// incr/decr: the new value, nullopt when the key was missing.
absl::StatusOr<std::optional<uint64_t>> NumberOutcome(const protocol::Reply& reply, protocol::Op op);
// delete (DELETED) / touch (TOUCHED): true, NOT_FOUND: false.
absl::StatusOr<bool> FoundOutcome(const protocol::Reply& reply, protocol::Op op);

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_REPLY_OUTCOME_H_
