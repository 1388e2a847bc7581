// Client::Execute(Batch), SetMulti and DeleteMulti: many commands, one
// round trip per shard.
//
// The commands are validated, split by shard on one ring snapshot, encoded
// into one request buffer per shard and run by RunPipelined (pipeline.h),
// which fails over inside each pair. A shard with no node left is ejected,
// as for single requests, and its commands are routed again on the new
// ring (at most three rounds); each reply is mapped to its command's result
// by reply_outcome. A group made only of reads follows the read policy.
#include <utility>

#include "client/client.h"
#include "client/pair.h"
#include "client/pipeline.h"
#include "client/ring.h"
#include "client/reply_outcome.h"
#include "protocol/request_encoder.h"

namespace tandem::client {

using protocol::Command;
using protocol::Op;
using protocol::Reply;

namespace {

Op ProtocolOp(uint8_t kind) {
  static constexpr Op kOps[] = {Op::kGet, Op::kGets,   Op::kSet,  Op::kAdd, Op::kReplace,
                                Op::kDelete, Op::kTouch, Op::kIncr, Op::kDecr};
  return kOps[kind];
}

bool IsRead(Op op) { return op == Op::kGet || op == Op::kGets; }

}  // namespace

std::vector<BatchResult> Client::Execute(const Batch& batch) {
  std::vector<BatchResult> results(batch.ops_.size());
  std::vector<size_t> pending;
  pending.reserve(batch.ops_.size());
  for (size_t i = 0; i < batch.ops_.size(); ++i) {
    results[i].status = protocol::ValidateKey(batch.ops_[i].key);
    if (results[i].status.ok()) pending.push_back(i);
  }
  MaybeRestore();
  absl::Status last;  // OK until a shard fails: an error status allocates
  auto command_for = [&](size_t i) {
    const Batch::Op& op = batch.ops_[i];
    Command command;
    command.op = ProtocolOp(static_cast<uint8_t>(op.kind));
    command.key = op.key;
    command.value = op.value;
    command.client_flags = op.options.flags;
    command.exptime = op.options.exptime;
    command.delta = op.delta;
    return command;
  };
  for (int attempt = 0; attempt < 3 && !pending.empty(); ++attempt) {
    std::vector<ShardRequests> shards;
    std::vector<std::vector<size_t>> members;  // command indices per entry of `shards`
    std::vector<size_t> entry_of(shards_.size(), static_cast<size_t>(-1));
    const std::shared_ptr<const Ring> ring = this->ring();
    bool every_shard_ejected = false;
    for (size_t i : pending) {
      const Command command = command_for(i);
      const size_t shard = ring->ShardFor(command.key);
      if (shard == kNoShard) {
        every_shard_ejected = true;
        break;
      }
      if (entry_of[shard] == static_cast<size_t>(-1)) {
        entry_of[shard] = shards.size();
        shards.emplace_back();
        shards.back().pair = &PairOf(shard);
        shards.back().shard = shard;
        members.emplace_back();
      }
      ShardRequests& entry = shards[entry_of[shard]];
      if (absl::Status encoded = protocol::EncodeRequest(command, &entry.requests); !encoded.ok()) {
        results[i].status = encoded;
        continue;
      }
      ++entry.reply_count;
      members[entry_of[shard]].push_back(i);
    }
    if (every_shard_ejected) {
      last = absl::UnavailableError("every shard is ejected (all nodes down)");
      break;
    }
    for (size_t e = 0; e < shards.size(); ++e) {
      bool reads_only = true;
      for (size_t i : members[e]) {
        reads_only = reads_only && IsRead(ProtocolOp(static_cast<uint8_t>(batch.ops_[i].kind)));
      }
      shards[e].first_node = FirstNode(*shards[e].pair, reads_only);
    }
    RunPipelined(shards);
    pending.clear();
    for (size_t e = 0; e < shards.size(); ++e) {
      ShardRequests& entry = shards[e];
      if (!entry.status.ok()) {
        if (IsTransportError(entry.status)) {
          // A dead shard: eject it and send its commands to their new shards.
          last = entry.status;
          Eject(entry.shard);
          pending.insert(pending.end(), members[e].begin(), members[e].end());
        } else {
          for (size_t i : members[e]) results[i].status = entry.status;
        }
        continue;
      }
      for (size_t j = 0; j < members[e].size(); ++j) {
        const size_t i = members[e][j];
        const Batch::Op& op = batch.ops_[i];
        const Op protocol_op = ProtocolOp(static_cast<uint8_t>(op.kind));
        Reply& reply = entry.replies[j];
        BatchResult& result = results[i];
        switch (op.kind) {
          case Batch::Kind::kGet:
          case Batch::Kind::kGets: {
            absl::StatusOr<std::optional<Item>> item = ItemOutcome(reply, op.key, protocol_op);
            if (item.ok()) result.item = std::move(*item);
            result.status = item.status();
            break;
          }
          case Batch::Kind::kSet:
          case Batch::Kind::kAdd:
          case Batch::Kind::kReplace: {
            absl::StatusOr<StoreResult> stored = StoreOutcome(reply, protocol_op);
            if (stored.ok()) result.stored = *stored;
            result.status = stored.status();
            break;
          }
          case Batch::Kind::kDelete:
          case Batch::Kind::kTouch: {
            absl::StatusOr<bool> found = FoundOutcome(reply, protocol_op);
            if (found.ok()) result.found = *found;
            result.status = found.status();
            break;
          }
          case Batch::Kind::kIncr:
          case Batch::Kind::kDecr: {
            absl::StatusOr<std::optional<uint64_t>> number = NumberOutcome(reply, protocol_op);
            if (number.ok()) {
              result.found = number->has_value();
              result.number = number->value_or(0);
            }
            result.status = number.status();
            break;
          }
        }
      }
    }
  }
  if (!pending.empty() && last.ok()) last = absl::UnavailableError("no shard is live");
  for (size_t i : pending) results[i].status = last;
  return results;
}

absl::Status Client::SetMulti(const std::vector<std::pair<std::string, std::string>>& items, StoreOptions options) {
  Batch batch;
  for (const auto& [key, value] : items) batch.Set(key, value, options);
  for (const BatchResult& result : Execute(batch)) {
    if (!result.status.ok()) return result.status;
    if (result.stored != StoreResult::kStored) return absl::InternalError("set: not stored");
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> Client::DeleteMulti(const std::vector<std::string>& keys) {
  Batch batch;
  for (const std::string& key : keys) batch.Delete(key);
  size_t deleted = 0;
  for (const BatchResult& result : Execute(batch)) {
    if (!result.status.ok()) return result.status;
    if (result.found) ++deleted;
  }
  return deleted;
}

}  // namespace tandem::client
