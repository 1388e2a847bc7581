// ConnectionPool (see connection_pool.h): a mutex-guarded stack of idle
// connections; the most recently returned is reused first (its socket is
// the most likely to still be warm and alive).
//
// The mutex covers only the stack: a new connect and the destruction of
// dropped connections (Clear) happen outside it. Only a healthy connection with no request
// in flight goes back, and at most max_idle are kept; a connection
// checked out is owned by its caller and counted nowhere.
#include "client/connection_pool.h"

#include <utility>

namespace tandem::client {

ConnectionPool::ConnectionPool(NodeAddress node, ConnectionOptions options, size_t max_idle)
    : node_(std::move(node)), options_(options), max_idle_(max_idle) {}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::Checkout(bool* reused) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      if (reused != nullptr) *reused = true;
      return connection;
    }
  }
  if (reused != nullptr) *reused = false;
  return Connection::Connect(node_, options_);
}

void ConnectionPool::Return(std::unique_ptr<Connection> connection) {
  if (connection == nullptr || !connection->LooksReusable()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

void ConnectionPool::Clear() {
  std::vector<std::unique_ptr<Connection>> stale;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stale.swap(idle_);
  }
}

size_t ConnectionPool::idle_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

}  // namespace tandem::client
