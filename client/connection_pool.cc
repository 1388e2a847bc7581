// ConnectionPool (see connection_pool.h): a mutex-guarded stack of idle
// connections; the most recently returned is reused first (its socket is
// the most likely to still be warm and alive).
//
// The mutex covers only the stack: the liveness check of a popped
// connection, a new connect, and the destruction of dropped connections
// (Clear) all happen outside it. Only a healthy connection with no request
// in flight goes back, and at most max_idle are kept; a connection
// checked out is owned by its caller and counted nowhere.
#include "client/connection_pool.h"

#include <utility>

namespace tandem::client {

ConnectionPool::ConnectionPool(NodeAddress node, ConnectionOptions options, size_t max_idle)
    : node_(std::move(node)), options_(options), max_idle_(max_idle) {}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::Checkout() {
  while (true) {
    std::unique_ptr<Connection> connection;
    {
      absl::MutexLock lock(&mu_);
      if (idle_.empty()) break;
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
    // Closed by the server while idle (restart, idle timeout): drop it
    // rather than fail a request on it.
    if (connection->LooksReusable()) return connection;
  }
  return Connection::Connect(node_, options_);
}

void ConnectionPool::Return(std::unique_ptr<Connection> connection) {
  if (connection == nullptr || !connection->healthy() || connection->in_flight() != 0) return;
  absl::MutexLock lock(&mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

void ConnectionPool::Clear() {
  std::vector<std::unique_ptr<Connection>> stale;
  {
    absl::MutexLock lock(&mu_);
    stale.swap(idle_);
  }
}

size_t ConnectionPool::idle_count() const {
  absl::MutexLock lock(&mu_);
  return idle_.size();
}

}  // namespace tandem::client
