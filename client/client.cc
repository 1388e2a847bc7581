// Client (see client.h): routing over the ring, ejection and re-admission
// of dead shards, and reply -> result mapping. Request bytes (and the key
// checks) come from protocol/request_encoder.
//
// The ring is an immutable snapshot behind an atomic shared_ptr: a request
// loads it for one ShardFor lookup, without a lock (and, while no shard is
// ejected, reads the never-replaced full ring instead, without even the
// shared_ptr's atomic reference counting); Eject/Restore
// (rare: once per shard death or return) copy it, rebuild the copy's
// continuum and publish it, one writer at a time. The count of ejected
// shards is an atomic so the common path (nothing ejected) never looks at
// eject times or the clock. Requests are encoded straight into the
// connection's buffer and replies parsed into a Reply on the caller's stack.
#include "client/client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/multi_get.h"
#include "client/pair.h"
#include "client/ring.h"
#include "protocol/command.h"
#include "protocol/reply.h"
#include "client/reply_outcome.h"
#include "protocol/request_encoder.h"

namespace tandem::client {

using protocol::Command;
using protocol::Op;
using protocol::Reply;
using protocol::ReplyKind;

struct Client::Shard {
  Shard(const ShardConfig& config, const PairOptions& options) : config(config), pair(config, options) {}
  const ShardConfig config;
  Pair pair;
  std::atomic<bool> ejected{false};
  std::atomic<int64_t> retry_at_ns{0};  // when an ejected shard may be probed
};

namespace {

PairOptions MakePairOptions(const ClientOptions& options) {
  PairOptions pair;
  pair.connection.connect_timeout = options.connect_timeout;
  pair.connection.send_timeout = options.send_timeout;
  pair.connection.receive_timeout = options.receive_timeout;
  pair.pool_size = options.pool_size;
  pair.retry_timeout = options.retry_timeout;
  return pair;
}

// The request bytes for `command`; InvalidArgument for a bad key.
absl::StatusOr<std::string> Encode(const Command& command) {
  std::string request;
  absl::Status status = protocol::EncodeRequest(command, &request);
  if (!status.ok()) return status;
  return request;
}

Command KeyCommand(Op op, std::string_view key) {
  Command command;
  command.op = op;
  command.key = key;
  return command;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Create(std::string_view servers, ClientOptions options) {
  RingOptions ring_options;
  ring_options.distribution = options.distribution;
  ring_options.hash_tag = options.hash_tag;
  absl::StatusOr<Ring> ring = Ring::Create(servers, ring_options);
  if (!ring.ok()) return ring.status();
  if (options.pool_size == 0) return absl::InvalidArgumentError("pool_size must be at least 1");
  return std::unique_ptr<Client>(new Client(std::move(*ring), options));
}

Client::Client(Ring ring, ClientOptions options)
    : options_(options), ring_(std::make_shared<const Ring>(std::move(ring))), full_ring_(ring_.load()) {
  const PairOptions pair_options = MakePairOptions(options_);
  for (const ShardConfig& config : this->ring()->shards()) {
    shards_.push_back(std::make_unique<Shard>(config, pair_options));
  }
}

Client::~Client() = default;

size_t Client::shard_count() const { return shards_.size(); }

const ShardConfig& Client::shard(size_t i) const { return shards_[i]->config; }

bool Client::IsEjected(size_t shard) const { return shards_[shard]->ejected.load(); }

size_t Client::ShardFor(std::string_view key) const {
  std::shared_ptr<const Ring> hold;
  return CurrentRing(&hold).ShardFor(key);
}

// ---------------------------------------------------------------------------
// Ejection and re-admission
// ---------------------------------------------------------------------------

void Client::Eject(size_t shard) {
  Shard& s = *shards_[shard];
  s.retry_at_ns.store(absl::ToUnixNanos(absl::Now() + options_.retry_timeout));
  absl::MutexLock lock(&ring_write_mu_);
  if (s.ejected.load()) return;
  auto next = std::make_shared<Ring>(*ring());
  if (next->Eject(shard).ok()) {
    ring_.store(std::move(next), std::memory_order_release);
    s.ejected.store(true);
    ejected_count_.fetch_add(1);
  }
}

void Client::MaybeRestore() {
  if (ejected_count_.load(std::memory_order_relaxed) == 0) return;
  if (!probe_mu_.TryLock()) return;  // another thread is probing
  const int64_t now = absl::ToUnixNanos(absl::Now());
  for (size_t i = 0; i < shards_.size(); ++i) {
    Shard& s = *shards_[i];
    if (!s.ejected.load() || s.retry_at_ns.load() > now) continue;
    if (!s.pair.Probe()) {
      s.retry_at_ns.store(absl::ToUnixNanos(absl::Now() + options_.retry_timeout));
      continue;
    }
    absl::MutexLock lock(&ring_write_mu_);
    auto next = std::make_shared<Ring>(*ring());
    if (next->Restore(i).ok()) {
      ring_.store(std::move(next), std::memory_order_release);
      s.ejected.store(false);
      ejected_count_.fetch_sub(1);
    }
  }
  probe_mu_.Unlock();
}

// ---------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------

std::shared_ptr<const Ring> Client::ring() const { return ring_.load(std::memory_order_acquire); }

const Ring& Client::CurrentRing(std::shared_ptr<const Ring>* hold) const {
  // Eject publishes its ring before counting the shard, and Restore counts
  // it off only after publishing: a count of 0 means ring_ is full_ring_'s twin.
  if (ejected_count_.load(std::memory_order_acquire) == 0) return *full_ring_;
  *hold = ring();
  return **hold;
}

Pair& Client::PairOf(size_t shard) { return shards_[shard]->pair; }

size_t Client::FirstNode(Pair& pair, bool read) const {
  return read && options_.read_policy == ReadPolicy::kSpread ? pair.NextReadNode() : 0;
}

absl::Status Client::Send(const Command& command, Reply* reply, bool read) {
  if (absl::Status valid = protocol::ValidateKey(command.key); !valid.ok()) return valid;
  return Route(command, reply, read);
}

absl::Status Client::Route(const Command& command, Reply* reply, bool read) {
  MaybeRestore();
  absl::Status last;  // OK until an attempt fails: an error status allocates
  // Each failed attempt ejects one shard; a few attempts cover a cluster
  // losing several pairs at once without looping over all of a big ring.
  for (size_t attempt = 0; attempt < 3 && attempt < shards_.size(); ++attempt) {
    size_t shard = ShardFor(command.key);
    if (shard == kNoShard) return absl::UnavailableError("every shard is ejected (all nodes down)");
    Pair& pair = shards_[shard]->pair;
    absl::Status status = pair.Call(command, reply, FirstNode(pair, read));
    if (status.ok() || !IsTransportError(status)) return status;
    last = status;
    Eject(shard);
  }
  return last.ok() ? absl::UnavailableError("no shard is live") : last;
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

absl::StatusOr<std::optional<Item>> Client::GetOne(std::string_view key, bool with_cas) {
  const Command command = KeyCommand(with_cas ? Op::kGets : Op::kGet, key);
  Reply reply;
  if (absl::Status status = Send(command, &reply, /*read=*/true); !status.ok()) return status;
  return ItemOutcome(reply, key, command.op);
}

absl::StatusOr<std::optional<Item>> Client::Get(std::string_view key) { return GetOne(key, false); }
absl::StatusOr<std::optional<Item>> Client::Gets(std::string_view key) { return GetOne(key, true); }

absl::StatusOr<std::unordered_map<std::string, Item>> Client::GetMulti(const std::vector<std::string>& keys) {
  return MultiGetMap(keys, false);
}
absl::StatusOr<std::unordered_map<std::string, Item>> Client::GetsMulti(const std::vector<std::string>& keys) {
  return MultiGetMap(keys, true);
}

absl::StatusOr<std::unordered_map<std::string, Item>> Client::MultiGet(const std::vector<std::string>& keys,
                                                                        bool with_cas) {
  for (const std::string& key : keys) {
    absl::Status valid = protocol::ValidateKey(key);
    if (!valid.ok()) return valid;
  }
  MaybeRestore();
  std::unordered_map<std::string, Item> result;
  result.reserve(keys.size());
  std::vector<std::string_view> pending(keys.begin(), keys.end());
  absl::Status last;  // OK until a shard fails: an error status allocates
  for (size_t attempt = 0; attempt < 3 && !pending.empty(); ++attempt) {
    // Split the keys by shard.
    std::vector<MultiGetGroup> groups;
    std::vector<size_t> group_of(shards_.size(), static_cast<size_t>(-1));
    {
      std::shared_ptr<const Ring> hold;
      const Ring& ring = CurrentRing(&hold);
      for (std::string_view key : pending) {
        size_t shard = ring.ShardFor(key);
        if (shard == kNoShard) return absl::UnavailableError("every shard is ejected (all nodes down)");
        if (group_of[shard] == static_cast<size_t>(-1)) {
          group_of[shard] = groups.size();
          groups.emplace_back();
          groups.back().pair = &shards_[shard]->pair;
          groups.back().shard = shard;
          groups.back().first_node = FirstNode(shards_[shard]->pair, /*read=*/true);
        }
        groups[group_of[shard]].keys.push_back(key);
      }
    }
    RunMultiGet(groups, with_cas);
    pending.clear();
    for (MultiGetGroup& group : groups) {
      if (!group.status.ok()) {
        if (!IsTransportError(group.status)) return group.status;
        // A dead shard: eject it and fetch its keys from their new shards.
        last = group.status;
        Eject(group.shard);
        pending.insert(pending.end(), group.keys.begin(), group.keys.end());
        continue;
      }
      for (protocol::ReplyValue& value : group.values) {
        result.insert_or_assign(std::move(value.key),
                                Item{std::move(value.data), value.flags, value.cas.value_or(0)});
      }
    }
  }
  if (!pending.empty()) return last.ok() ? absl::UnavailableError("no shard is live") : last;
  return result;
}

absl::StatusOr<StoreResult> Client::Store(Op op, std::string_view key, std::string_view value, StoreOptions options,
                                          uint64_t cas) {
  Command command = KeyCommand(op, key);
  command.value = value;
  command.client_flags = options.flags;
  command.exptime = options.exptime;
  command.cas_unique = cas;
  Reply reply;
  if (absl::Status status = Send(command, &reply); !status.ok()) return status;
  return StoreOutcome(reply, command.op);
}

absl::Status Client::Set(std::string_view key, std::string_view value, StoreOptions options) {
  absl::StatusOr<StoreResult> result = Store(Op::kSet, key, value, options);
  if (!result.ok()) return result.status();
  if (*result != StoreResult::kStored) return absl::InternalError("set: not stored");
  return absl::OkStatus();
}
absl::StatusOr<StoreResult> Client::Add(std::string_view key, std::string_view value, StoreOptions options) {
  return Store(Op::kAdd, key, value, options);
}
absl::StatusOr<StoreResult> Client::Replace(std::string_view key, std::string_view value, StoreOptions options) {
  return Store(Op::kReplace, key, value, options);
}
absl::StatusOr<StoreResult> Client::Append(std::string_view key, std::string_view value) {
  return Store(Op::kAppend, key, value, {});
}
absl::StatusOr<StoreResult> Client::Prepend(std::string_view key, std::string_view value) {
  return Store(Op::kPrepend, key, value, {});
}
absl::StatusOr<StoreResult> Client::Cas(std::string_view key, std::string_view value, uint64_t cas,
                                        StoreOptions options) {
  return Store(Op::kCas, key, value, options, cas);
}

absl::StatusOr<std::optional<uint64_t>> Client::Arithmetic(Op op, std::string_view key, uint64_t delta) {
  Command command = KeyCommand(op, key);
  command.delta = delta;
  Reply reply;
  if (absl::Status status = Send(command, &reply); !status.ok()) return status;
  return NumberOutcome(reply, command.op);
}

absl::StatusOr<std::optional<uint64_t>> Client::Incr(std::string_view key, uint64_t delta) {
  return Arithmetic(Op::kIncr, key, delta);
}
absl::StatusOr<std::optional<uint64_t>> Client::Decr(std::string_view key, uint64_t delta) {
  return Arithmetic(Op::kDecr, key, delta);
}

absl::StatusOr<bool> Client::Delete(std::string_view key) {
  const Command command = KeyCommand(Op::kDelete, key);
  Reply reply;
  if (absl::Status status = Send(command, &reply); !status.ok()) return status;
  return FoundOutcome(reply, command.op);
}

absl::StatusOr<bool> Client::Touch(std::string_view key, int64_t exptime) {
  Command command = KeyCommand(Op::kTouch, key);
  command.exptime = exptime;
  Reply reply;
  if (absl::Status status = Send(command, &reply); !status.ok()) return status;
  return FoundOutcome(reply, command.op);
}

absl::Status Client::FlushAll(int64_t delay_seconds) {
  Command command;
  command.op = Op::kFlushAll;
  command.has_number = delay_seconds != 0;  // "flush_all" alone means now
  command.number = delay_seconds;
  absl::StatusOr<std::string> encoded = Encode(command);
  if (!encoded.ok()) return encoded.status();
  const std::string& request = *encoded;
  absl::Status first;
  const PairOptions pair_options = MakePairOptions(options_);
  for (const std::unique_ptr<Shard>& shard : shards_) {
    // Every node, not just the one a request would pick: both halves of a
    // pair must forget their items.
    for (size_t n = 0; n < shard->pair.node_count(); ++n) {
      absl::StatusOr<std::unique_ptr<Connection>> connection =
          Connection::Connect(shard->pair.node(n), pair_options.connection);
      absl::Status status = connection.status();
      if (connection.ok()) {
        absl::StatusOr<Reply> reply = (*connection)->Call(request);
        status = reply.status();
        if (reply.ok() && reply->kind != ReplyKind::kOk) status = ReplyError(*reply, "flush_all");
      }
      if (!status.ok() && first.ok()) first = status;
    }
  }
  return first;
}

}  // namespace tandem::client
