// ConnectionPool: the idle connections to one node, shared by threads.
//
// Checkout() hands a connection to one caller exclusively: an idle one when
// there is one that still looks alive, else a freshly connected one (the
// connect happens outside the lock, so a slow node never blocks callers of
// the pool that already hold connections). Return() keeps a healthy, idle
// connection for reuse, up to `max_idle`; anything else is closed. The pool
// does not cap how many connections are out at once: each concurrent
// request has its own, and the server's -c limit is the cap.
#ifndef TANDEM_CLIENT_CONNECTION_POOL_H_
#define TANDEM_CLIENT_CONNECTION_POOL_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client/config.h"
#include "client/connection.h"

namespace tandem::client {

class ConnectionPool {
 public:
  ConnectionPool(NodeAddress node, ConnectionOptions options, size_t max_idle);

  // An idle connection or a new one (Connection::Connect's errors).
  absl::StatusOr<std::unique_ptr<Connection>> Checkout();
  // Takes the connection back; keeps it if reusable and there is room.
  void Return(std::unique_ptr<Connection> connection);
  // Closes every idle connection (after the node failed: they are stale).
  void Clear();

  const NodeAddress& node() const { return node_; }
  size_t idle_count() const;

 private:
  const NodeAddress node_;
  const ConnectionOptions options_;
  const size_t max_idle_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_CONNECTION_POOL_H_
