// tandem::client::Client — the public API of the tandem client library.
//
// One Client spreads keys over a ring of shards; each shard is one node or a
// replica pair `A/B`. It speaks memcached's text protocol, so the shards may
// be tandemd pairs or plain memcached servers.
//
//   auto client = tandem::client::Client::Create(
//       "10.0.0.1:11211/10.0.0.2:11211,10.0.0.3:11211/10.0.0.4:11211:2");
//   if (!client.ok()) return client.status();
//   absl::Status stored = (*client)->Set("user:42", "Ada");
//   absl::StatusOr<std::optional<Item>> item = (*client)->Get("user:42");
//   if (item.ok() && item->has_value()) Use((*item)->value);
//
// Results. Every call returns absl::Status or absl::StatusOr. A non-OK
// status means the request could not be carried out: InvalidArgument for a
// bad key (empty, over 250 bytes, space or control byte) or a CLIENT_ERROR
// reply, Unavailable / DeadlineExceeded when no node could be reached in
// time, Internal for SERVER_ERROR (e.g. value too large) or a garbled
// reply. The normal outcomes of memcached are values, not errors: a miss is
// an empty std::optional, Add on an existing key is StoreResult::kNotStored,
// Delete of a missing key is `false`.
//
// Routing and failure. A key's shard comes from the ring (ketama by
// default, libmemcached-compatible; see ring.h). A request goes to the
// pair's first node; on a connection error or timeout it is sent to the
// second node, so no error is visible while one node of a pair is up. A
// shard whose nodes are all down is ejected from the ring for
// retry_timeout, and its keys go to the other shards meanwhile (the request
// that found it down is retried there); after retry_timeout the next
// request probes it (`version`) and puts it back when it answers. Failover
// retries are at-least-once: an incr whose reply was lost may be applied on
// both nodes.
//
// Threads. A Client is thread-safe: share one among all threads (it owns a
// connection pool per node; each call borrows its own connection).
#ifndef TANDEM_CLIENT_CLIENT_H_
#define TANDEM_CLIENT_CLIENT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/config.h"
#include "client/distribution.h"
#include "client/hash_tag.h"

// The public header needs only Abseil (and config.h, distribution.h,
// hash_tag.h, installed beside it): the protocol types below are only
// named by private members.
namespace tandem::protocol {
enum class Op : uint8_t;
struct Command;
struct Reply;
}  // namespace tandem::protocol

namespace tandem::client {

class Pair;
class Ring;


// Which node of a pair serves reads (writes always go to the first node).
enum class ReadPolicy {
  kPreferred,  // the first node; the second only when the first fails
  // Both nodes in turn. The second node applies the first node's writes
  // asynchronously, so a read may miss or see the previous value of a
  // write made a few milliseconds earlier (unless the pair runs with
  // --repl-sync, which answers a write once both nodes hold it).
  kSpread,
};

struct ClientOptions {
  // How keys map to shards (distribution.h): kKetama, kKetamaLibketama,
  // kKetamaUnweighted or kModula.
  Distribution distribution = Distribution::kKetama;
  // When set, only the text inside `{...}` decides a key's shard.
  std::optional<HashTag> hash_tag;
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration send_timeout = absl::Seconds(1);
  absl::Duration receive_timeout = absl::Seconds(1);  // silence while awaiting a reply
  // How long a failed node is skipped, and a dead shard stays ejected.
  absl::Duration retry_timeout = absl::Seconds(2);
  // Idle connections kept per node (more are opened under load as needed).
  size_t pool_size = 8;
  ReadPolicy read_policy = ReadPolicy::kPreferred;
};

// A value read from the cache.
struct Item {
  std::string value;
  uint32_t flags = 0;
  uint64_t cas = 0;  // filled by Gets/GetsMulti only (0 otherwise)
};

// The outcome of a storage command.
enum class StoreResult {
  kStored,     // STORED
  kNotStored,  // NOT_STORED: add found the key, replace/append/prepend did not
  kExists,     // EXISTS: cas lost the race (the item changed since Gets)
  kNotFound,   // NOT_FOUND: cas on a missing key
};

struct StoreOptions {
  uint32_t flags = 0;
  int64_t exptime = 0;  // memcached's rule: seconds, or a unix time past 30 days; 0 = never
};

// GetMulti's hits in storage reused from call to call: every key and value
// in one buffer, so a warm result allocates nothing per key (the map that
// the other GetMulti returns allocates a node and strings per hit). The
// views stay valid until the result is reused or destroyed.
class MultiGetResult {
 public:
  struct Hit {
    std::string_view key;
    std::string_view value;
    uint32_t flags = 0;
    uint64_t cas = 0;  // GetsMulti only
  };
  size_t size() const { return hits_.size(); }
  bool empty() const { return hits_.empty(); }
  Hit operator[](size_t i) const {
    const Ref& r = hits_[i];
    return Hit{std::string_view(bytes_).substr(r.key_at, r.key_size),
               std::string_view(bytes_).substr(r.key_at + r.key_size, r.value_size), r.flags, r.cas};
  }
  // The hit for `key` (a linear search), or nullopt.
  std::optional<Hit> Find(std::string_view key) const {
    for (size_t i = 0; i < hits_.size(); ++i) {
      if (std::string_view(bytes_).substr(hits_[i].key_at, hits_[i].key_size) == key) return (*this)[i];
    }
    return std::nullopt;
  }
  void Clear() {
    bytes_.clear();
    hits_.clear();
  }

 private:
  friend class Client;
  struct Ref {
    size_t key_at, key_size, value_size;  // the value follows its key in bytes_
    uint32_t flags;
    uint64_t cas;
  };
  void Add(std::string_view key, std::string_view value, uint32_t flags, uint64_t cas) {
    hits_.push_back(Ref{bytes_.size(), key.size(), value.size(), flags, cas});
    bytes_.append(key).append(value);
  }
  std::string bytes_;
  std::vector<Ref> hits_;
};

// Many commands sent without waiting for each reply: Client::Execute groups
// them by shard and pipelines each group on one connection (one round trip
// per shard, all shards at once), with the same failover as single
// requests. The batch owns copies of its keys and values. Each adder
// returns the command's index in the results.
class Batch {
 public:
  size_t Get(std::string_view key) { return Push(Kind::kGet, key); }
  size_t Gets(std::string_view key) { return Push(Kind::kGets, key); }
  size_t Set(std::string_view key, std::string_view value, StoreOptions options = {}) {
    return Push(Kind::kSet, key, value, options);
  }
  size_t Add(std::string_view key, std::string_view value, StoreOptions options = {}) {
    return Push(Kind::kAdd, key, value, options);
  }
  size_t Replace(std::string_view key, std::string_view value, StoreOptions options = {}) {
    return Push(Kind::kReplace, key, value, options);
  }
  size_t Delete(std::string_view key) { return Push(Kind::kDelete, key); }
  size_t Touch(std::string_view key, int64_t exptime) { return Push(Kind::kTouch, key, {}, {0, exptime}); }
  size_t Incr(std::string_view key, uint64_t delta) { return Push(Kind::kIncr, key, {}, {}, delta); }
  size_t Decr(std::string_view key, uint64_t delta) { return Push(Kind::kDecr, key, {}, {}, delta); }
  size_t size() const { return ops_.size(); }
  void Clear() { ops_.clear(); }

 private:
  friend class Client;
  enum class Kind : uint8_t { kGet, kGets, kSet, kAdd, kReplace, kDelete, kTouch, kIncr, kDecr };
  struct Op {
    Kind kind;
    std::string key;
    std::string value;
    StoreOptions options;
    uint64_t delta = 0;
  };
  size_t Push(Kind kind, std::string_view key, std::string_view value = {}, StoreOptions options = {},
              uint64_t delta = 0) {
    ops_.push_back(Op{kind, std::string(key), std::string(value), options, delta});
    return ops_.size() - 1;
  }
  std::vector<Op> ops_;
};

// One command's outcome in a batch (results are in the order of the adds).
struct BatchResult {
  // This command's error: a bad key, an error reply, or no node of its
  // shard reachable. The other fields are meaningful only when OK.
  absl::Status status;
  std::optional<Item> item;                   // Get/Gets: the hit (nullopt: miss)
  StoreResult stored = StoreResult::kStored;  // Set/Add/Replace
  bool found = false;                         // Delete/Touch/Incr/Decr: the key existed
  uint64_t number = 0;                        // Incr/Decr: the new value
};

class Client {
 public:
  // `servers`: "HOST:PORT[/HOST:PORT][:WEIGHT],..." (config.h). Contacts no
  // server: nodes are connected on first use.
  static absl::StatusOr<std::unique_ptr<Client>> Create(std::string_view servers,
                                                        ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Reads. A miss is std::nullopt (GetMulti: the key is absent from the map).
  absl::StatusOr<std::optional<Item>> Get(std::string_view key);
  absl::StatusOr<std::optional<Item>> Gets(std::string_view key);  // with cas
  absl::StatusOr<std::unordered_map<std::string, Item>> GetMulti(const std::vector<std::string>& keys);
  absl::StatusOr<std::unordered_map<std::string, Item>> GetsMulti(const std::vector<std::string>& keys);
  // The same hits into `*result` (cleared first), without an allocation
  // per key once `result` has grown to size: reuse one result per thread.
  absl::Status GetMulti(const std::vector<std::string>& keys, MultiGetResult* result);
  absl::Status GetsMulti(const std::vector<std::string>& keys, MultiGetResult* result);

  // Writes. Set always stores (OK); the others report their outcome.
  absl::Status Set(std::string_view key, std::string_view value, StoreOptions options = {});
  absl::StatusOr<StoreResult> Add(std::string_view key, std::string_view value, StoreOptions options = {});
  absl::StatusOr<StoreResult> Replace(std::string_view key, std::string_view value, StoreOptions options = {});
  absl::StatusOr<StoreResult> Append(std::string_view key, std::string_view value);
  absl::StatusOr<StoreResult> Prepend(std::string_view key, std::string_view value);
  absl::StatusOr<StoreResult> Cas(std::string_view key, std::string_view value, uint64_t cas,
                                  StoreOptions options = {});

  // The new value, or std::nullopt when the key does not exist. Decr stops
  // at 0; Incr wraps at 2^64; a non-numeric value is InvalidArgument.
  absl::StatusOr<std::optional<uint64_t>> Incr(std::string_view key, uint64_t delta);
  absl::StatusOr<std::optional<uint64_t>> Decr(std::string_view key, uint64_t delta);

  // True when the key existed (and is now deleted / has the new exptime).
  absl::StatusOr<bool> Delete(std::string_view key);
  absl::StatusOr<bool> Touch(std::string_view key, int64_t exptime);

  // Pipelined per shard (one round trip per shard, shards in parallel).
  // SetMulti: OK when every item was stored, else the first error.
  // DeleteMulti: how many of the keys existed, or the first error.
  absl::Status SetMulti(const std::vector<std::pair<std::string, std::string>>& items, StoreOptions options = {});
  absl::StatusOr<size_t> DeleteMulti(const std::vector<std::string>& keys);
  // Every command of `batch`, one result per command (see Batch).
  std::vector<BatchResult> Execute(const Batch& batch);

  // flush_all [delay] on every node of every shard, ejected or not; the
  // first error if any node failed (the others are still flushed).
  absl::Status FlushAll(int64_t delay_seconds = 0);

  // Introspection, for tools and tests.
  size_t shard_count() const;
  // The shard a key maps to now (kNoShard when every shard is ejected).
  size_t ShardFor(std::string_view key) const;
  bool IsEjected(size_t shard) const;
  const ShardConfig& shard(size_t i) const;

 private:
  struct Shard;
  Client(Ring ring, ClientOptions options);

  // Sends a command that produces one reply to the key's shard; ejects a
  // dead shard and retries on the key's new shard. The key must be valid.
  // `read`: the pair's read policy applies (else its first node is asked).
  absl::Status Route(const protocol::Command& command, protocol::Reply* reply, bool read);
  // Checks the key, then Route.
  absl::Status Send(const protocol::Command& command, protocol::Reply* reply, bool read = false);
  Pair& PairOf(size_t shard);
  // The node a request to `pair` starts at.
  size_t FirstNode(Pair& pair, bool read) const;
  std::shared_ptr<const Ring> ring() const;
  // The ring to route by now: while no shard is ejected, the ring with
  // every shard live, read through a plain pointer (no atomic
  // read-modify-write on the request path); else the published snapshot,
  // kept alive in `*hold` for as long as the caller uses the reference.
  const Ring& CurrentRing(std::shared_ptr<const Ring>* hold) const;
  absl::StatusOr<std::unordered_map<std::string, Item>> MultiGet(const std::vector<std::string>& keys,
                                                                  bool with_cas);
  // Receives each hit of a multi-get: views into the received bytes, valid
  // during the call only.
  using HitSink = absl::FunctionRef<void(std::string_view key, std::string_view data, uint32_t flags, uint64_t cas)>;
  // The common case of a multi-get: every shard's requests sent, then every
  // reply scanned in place into `sink`. InvalidArgument for a bad key (with
  // nothing sent); false when a shard is ejected or a node fails (the hits
  // already given to `sink` are then incomplete: the caller discards them
  // and runs MultiGet).
  absl::StatusOr<bool> MultiGetInPlace(const std::vector<std::string>& keys, bool with_cas, HitSink sink);
  // MultiGetResult's path and the map's: MultiGetInPlace, else MultiGet
  // (failover, ejection).
  absl::Status MultiGetInto(const std::vector<std::string>& keys, bool with_cas, MultiGetResult* result);
  absl::StatusOr<std::unordered_map<std::string, Item>> MultiGetMap(const std::vector<std::string>& keys,
                                                                     bool with_cas);
  absl::StatusOr<std::optional<Item>> GetOne(std::string_view key, bool with_cas);
  // `cas` is sent only with protocol::Op::kCas.
  absl::StatusOr<StoreResult> Store(protocol::Op op, std::string_view key, std::string_view value,
                                    StoreOptions options, uint64_t cas = 0);
  absl::StatusOr<std::optional<uint64_t>> Arithmetic(protocol::Op op, std::string_view key, uint64_t delta);
  // Takes `shard` out of the ring for retry_timeout.
  void Eject(size_t shard);
  // Probes the ejected shards whose retry time has passed (one thread at a
  // time) and restores those that answer.
  void MaybeRestore();

  const ClientOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  // The ring in use, replaced whole (copy, eject or restore, store) under
  // ring_write_mu_; readers load it without a lock.
  std::atomic<std::shared_ptr<const Ring>> ring_;
  // ring_'s first value, never changed: every later ring with nothing
  // ejected (all shards restored) places every key as this one does.
  const std::shared_ptr<const Ring> full_ring_;
  absl::Mutex ring_write_mu_;
  std::atomic<size_t> ejected_count_{0};
  absl::Mutex probe_mu_;  // held (try-lock) by the thread probing
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_CLIENT_H_
