// ConnectionPool: the idle connections to one node, shared by threads.
//
// Checkout() hands a connection to one caller exclusively: the most
// recently returned idle one, else a freshly connected one (the connect
// happens outside the lock, so a slow node never blocks callers of the pool
// that already hold connections). An idle connection is not probed (that
// would cost a system call per request): one the server closed meanwhile
// fails on first use, and Pair retries on a new connection. Return() keeps a healthy, idle
// connection for reuse, up to `max_idle`; anything else is closed. The pool
// does not cap how many connections are out at once: each concurrent
// request has its own, and the server's -c limit is the cap.
#ifndef TANDEM_CLIENT_CONNECTION_POOL_H_
#define TANDEM_CLIENT_CONNECTION_POOL_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "client/config.h"
#include "client/connection.h"

namespace tandem::client {

class ConnectionPool {
 public:
  ConnectionPool(NodeAddress node, ConnectionOptions options, size_t max_idle);

  // An idle connection or a new one (Connection::Connect's errors);
  // `*reused` (when given) says which.
  absl::StatusOr<std::unique_ptr<Connection>> Checkout(bool* reused = nullptr);
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
  // A plain std::mutex: held for a push or a pop, where Abseil's Mutex
  // would add its deadlock detector (left on in Debian's build) per request.
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_CONNECTION_POOL_H_
