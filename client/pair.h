// Pair: one shard of the ring, served by one node or by a replica pair.
//
// Requests go to the preferred node (the first one configured). When a
// request fails on a node with a transport error (connect refused, reset,
// EOF, timeout) the node is marked down for `retry_timeout` and the request
// is sent again to the other node, so while one node of a pair is up the
// caller sees no error, and a hung node costs one receive timeout: the
// requests after the one that timed out go to the partner at once. A node
// marked down is skipped until its time has passed; then one request sends
// it a `version` probe on a new connection and waits at most kProbeWait
// for the answer, and the node stays skipped until the probe is answered
// (later requests look for the answer without waiting, one of them at a
// time) or is dropped after receive_timeout, so a node that is still hung
// never makes a request wait its receive timeout again. (A host that
// drops packets instead of refusing makes the probing request wait its
// connect_timeout, once per retry_timeout.) When no node could serve, Execute returns
// Unavailable: the client then ejects the whole shard from the ring (see
// client.h) and uses Probe() to find out when it is back.
//
// A request whose reply was lost may have been applied by the failed node,
// and is then applied again by the other: failover is at-least-once, which
// matters only for incr/decr/append/prepend.
//
// Thread-safe: each request checks out its own connection; the down marks
// are atomics.
#ifndef TANDEM_CLIENT_PAIR_H_
#define TANDEM_CLIENT_PAIR_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/config.h"
#include "client/connection.h"
#include "client/connection_pool.h"
#include "protocol/reply.h"

namespace tandem::client {

struct PairOptions {
  ConnectionOptions connection;
  size_t pool_size = 8;                          // idle connections kept per node
  absl::Duration retry_timeout = absl::Seconds(2);  // how long a failed node is skipped
};

class Pair {
 public:
  Pair(const ShardConfig& shard, const PairOptions& options);

  // A connection checked out from one node's pool; given back to that pool
  // when the lease ends (dropped if it broke).
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&&) = default;
    Lease& operator=(Lease&& other);
    ~Lease();
    Connection& connection() { return *connection_; }
    size_t node() const { return node_; }
    // True when the connection came from the idle pool (it may have been
    // closed by the server meanwhile).
    bool reused() const { return reused_; }

   private:
    friend class Pair;
    Lease(Pair* pair, size_t node, std::unique_ptr<Connection> connection, bool reused)
        : pair_(pair), node_(node), connection_(std::move(connection)), reused_(reused) {}
    void Release();
    Pair* pair_ = nullptr;
    size_t node_ = 0;
    std::unique_ptr<Connection> connection_;
    bool reused_ = false;
  };

  // A connection to the first node that is not marked down and accepts,
  // starting with `first_node` (0: the preferred one) and wrapping around,
  // `skip_node` excluded. Unavailable when none does.
  absl::StatusOr<Lease> Acquire(size_t skip_node = kNoNode, size_t first_node = 0);

  // Writes `requests` (which produce `reply_count` replies) to the first
  // usable node and reads the replies; on a transport error marks that node
  // down and does it all again on the other node.
  absl::StatusOr<std::vector<protocol::Reply>> Execute(std::string_view requests, size_t reply_count,
                                                       size_t first_node = 0);
  // One request, one reply.
  absl::StatusOr<protocol::Reply> Call(std::string_view request);
  // One command (key already valid), its reply into `*reply` (whose buffers
  // are reused); encoded straight into the connection's output buffer.
  absl::Status Call(const protocol::Command& command, protocol::Reply* reply, size_t first_node = 0);

  // The node a read starts at under ReadPolicy::kSpread: the nodes in
  // turn, one request after another (relaxed counter, shared by threads).
  size_t NextReadNode() {
    return nodes_.size() < 2 ? 0 : read_turn_.fetch_add(1, std::memory_order_relaxed) % nodes_.size();
  }

  // Marks a node down for retry_timeout and drops its idle connections.
  void ReportFailure(size_t node);
  // Asks every node for its version, ignoring the down marks; a node that
  // answers is marked up. True when at least one node answered.
  bool Probe();

  size_t node_count() const { return nodes_.size(); }
  const NodeAddress& node(size_t i) const { return nodes_[i]->pool.node(); }
  // True while node i is skipped.
  bool IsNodeDown(size_t i) const;

  static constexpr size_t kNoNode = static_cast<size_t>(-1);
  // How long the request that starts a probe waits for its answer.
  static constexpr absl::Duration kProbeWait = absl::Milliseconds(5);

 private:
  struct Node {
    Node(const NodeAddress& address, const PairOptions& options)
        : pool(address, options.connection, options.pool_size) {}
    ConnectionPool pool;
    std::atomic<int64_t> down_until_ns{0};  // absl::ToUnixNanos; 0 = up
    std::atomic<bool> probing{false};       // a probe is in flight
    std::mutex probe_mu;
    std::unique_ptr<Connection> probe;  // guarded by probe_mu
    int64_t probe_deadline_ns = 0;      // guarded by probe_mu
  };

  // True when node i may take a request now (starts or checks its probe
  // when it is down).
  bool Usable(size_t i);
  void StartProbe(Node& node, int64_t now_ns);
  // True when the probe was answered (the node is up again).
  bool CheckProbe(Node& node, absl::Duration wait, int64_t now_ns);

  // Runs `exchange` (write the requests, read every reply) on the first
  // usable node, failing over as Execute describes. A reused connection
  // that turns out closed (EOF, reset) is replaced by a new one to the same
  // node once before the node counts as failed.
  template <typename Exchange>
  absl::Status Run(Exchange&& exchange, size_t first_node);

  const PairOptions options_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::atomic<size_t> read_turn_{0};
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_PAIR_H_
