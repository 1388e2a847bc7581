// Client::GetMulti's common case, for both result forms: the multi-get
// without an intermediate Reply per key.
//
// The common case (no shard ejected, every shard's node answers) writes
// every shard's `get` lines, then scans each reply in place
// (protocol/values_scanner), handing each hit once to the caller's sink:
// a MultiGetResult copies it into its one buffer (no allocation per key
// once grown), the map makes its node and strings straight from the
// received bytes. Anything else (an ejected shard, a connection that
// fails, a reply that is not a values reply) starts over through
// MultiGet, which fails over, ejects and re-routes: the slow path is the
// old one, the fast path only skips copies.
#include <optional>
#include <utility>

#include "client/client.h"
#include "client/multi_get.h"
#include "client/pair.h"
#include "client/ring.h"
#include "protocol/request_encoder.h"

namespace tandem::client {

absl::Status Client::GetMulti(const std::vector<std::string>& keys, MultiGetResult* result) {
  return MultiGetInto(keys, false, result);
}
absl::Status Client::GetsMulti(const std::vector<std::string>& keys, MultiGetResult* result) {
  return MultiGetInto(keys, true, result);
}

absl::StatusOr<bool> Client::MultiGetInPlace(const std::vector<std::string>& keys, bool with_cas,
                                              HitSink sink) {
  if (ejected_count_.load(std::memory_order_relaxed) != 0) return false;
  struct Shard {
    std::vector<std::string_view> keys;
    std::string requests;
    size_t reply_count = 0;
    std::optional<Pair::Lease> lease;
  };
  std::vector<Shard> shards;
  std::vector<size_t> entry_of(shards_.size(), static_cast<size_t>(-1));
  std::shared_ptr<const Ring> hold;
  const Ring& ring = CurrentRing(&hold);
  for (const std::string& key : keys) {
    const size_t shard = ring.ShardFor(key);
    if (shard == kNoShard) return false;
    if (entry_of[shard] == static_cast<size_t>(-1)) {
      entry_of[shard] = shards.size();
      shards.emplace_back();
    }
    shards[entry_of[shard]].keys.push_back(key);
  }
  // Every shard's requests encoded (which checks every key) before any is
  // sent: a bad key is reported with nothing in flight.
  for (Shard& entry : shards) {
    absl::StatusOr<size_t> count = AppendGetRequests(entry.keys, with_cas, &entry.requests);
    if (!count.ok()) return count.status();
    entry.reply_count = *count;
  }
  // Phase one: every shard's requests out.
  bool fast = true;
  for (size_t shard = 0; shard < shards_.size() && fast; ++shard) {
    if (entry_of[shard] == static_cast<size_t>(-1)) continue;
    Shard& entry = shards[entry_of[shard]];
    Pair& pair = PairOf(shard);
    absl::StatusOr<Pair::Lease> lease = pair.Acquire(Pair::kNoNode, FirstNode(pair, /*read=*/true));
    if (!lease.ok()) {
      fast = false;
      break;
    }
    lease->connection().Enqueue(entry.requests, entry.reply_count);
    if (!lease->connection().Flush().ok()) {
      fast = false;
      break;
    }
    entry.lease = std::move(*lease);
  }
  // Phase two: every reply scanned in place.
  for (Shard& entry : shards) {
    for (size_t r = 0; r < entry.reply_count && fast && entry.lease.has_value(); ++r) {
      absl::Status read = entry.lease->connection().ReadValues(
          [&](const protocol::ScannedValue& value) { sink(value.key, value.data, value.flags, value.cas); });
      fast = read.ok();
    }
    // A lease whose replies were not all read goes back broken or busy,
    // and the pool drops it.
    entry.lease.reset();
  }
  return fast;
}

absl::Status Client::MultiGetInto(const std::vector<std::string>& keys, bool with_cas, MultiGetResult* result) {
  result->Clear();
  MaybeRestore();
  absl::StatusOr<bool> done = MultiGetInPlace(
      keys, with_cas, [result](std::string_view key, std::string_view data, uint32_t flags, uint64_t cas) {
        result->Add(key, data, flags, cas);
      });
  if (!done.ok()) return done.status();
  if (*done) return absl::OkStatus();
  result->Clear();
  absl::StatusOr<std::unordered_map<std::string, Item>> items = MultiGet(keys, with_cas);
  if (!items.ok()) return items.status();
  for (const auto& [key, item] : *items) result->Add(key, item.value, item.flags, item.cas);
  return absl::OkStatus();
}

absl::StatusOr<std::unordered_map<std::string, Item>> Client::MultiGetMap(const std::vector<std::string>& keys,
                                                                           bool with_cas) {
  MaybeRestore();
  std::unordered_map<std::string, Item> items;
  items.reserve(keys.size());
  absl::StatusOr<bool> done =
      MultiGetInPlace(keys, with_cas, [&items](std::string_view key, std::string_view data, uint32_t flags,
                                               uint64_t cas) {
        items.insert_or_assign(std::string(key), Item{std::string(data), flags, cas});
      });
  if (!done.ok()) return done.status();
  if (*done) return items;
  return MultiGet(keys, with_cas);
}

}  // namespace tandem::client
