// Reply outcomes (see reply_outcome.h).
#include "client/reply_outcome.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace tandem::client {

using protocol::Op;
using protocol::Reply;
using protocol::ReplyKind;

const char* OpName(Op op) {
  switch (op) {
    case Op::kGet: return "get";
    case Op::kGets: return "gets";
    case Op::kSet: return "set";
    case Op::kAdd: return "add";
    case Op::kReplace: return "replace";
    case Op::kAppend: return "append";
    case Op::kPrepend: return "prepend";
    case Op::kCas: return "cas";
    case Op::kIncr: return "incr";
    case Op::kDecr: return "decr";
    case Op::kDelete: return "delete";
    case Op::kTouch: return "touch";
    default: return "request";
  }
}

absl::Status ReplyError(const Reply& reply, const char* what) {
  switch (reply.kind) {
    case ReplyKind::kClientError:
      return absl::InvalidArgumentError(absl::StrCat(what, ": CLIENT_ERROR ", reply.text));
    case ReplyKind::kServerError:
      return absl::InternalError(absl::StrCat(what, ": SERVER_ERROR ", reply.text));
    case ReplyKind::kError:
      return absl::UnimplementedError(absl::StrCat(what, ": ERROR (command unknown to the server)"));
    default:
      return absl::InternalError(
          absl::StrCat(what, ": unexpected reply ", protocol::ReplyKindName(reply.kind)));
  }
}

absl::StatusOr<std::optional<Item>> ItemOutcome(Reply& reply, std::string_view key, Op op) {
  if (reply.kind != ReplyKind::kValues) return ReplyError(reply, OpName(op));
  for (protocol::ReplyValue& value : reply.values) {
    if (value.key != key) continue;
    return std::optional<Item>(Item{std::move(value.data), value.flags, value.cas.value_or(0)});
  }
  return std::optional<Item>();
}

absl::StatusOr<StoreResult> StoreOutcome(const Reply& reply, Op op) {
  switch (reply.kind) {
    case ReplyKind::kStored: return StoreResult::kStored;
    case ReplyKind::kNotStored: return StoreResult::kNotStored;
    case ReplyKind::kExists: return StoreResult::kExists;
    case ReplyKind::kNotFound: return StoreResult::kNotFound;
    default: return ReplyError(reply, OpName(op));
  }
}

absl::StatusOr<std::optional<uint64_t>> NumberOutcome(const Reply& reply, Op op) {
  if (reply.kind == ReplyKind::kNumber) return std::optional<uint64_t>(reply.number);
  if (reply.kind == ReplyKind::kNotFound) return std::optional<uint64_t>();
  return ReplyError(reply, OpName(op));
}

absl::StatusOr<bool> FoundOutcome(const Reply& reply, Op op) {
  if (reply.kind == ReplyKind::kDeleted || reply.kind == ReplyKind::kTouched) return true;
  if (reply.kind == ReplyKind::kNotFound) return false;
  return ReplyError(reply, OpName(op));
}

}  // namespace tandem::client
