// Dispatcher: the one place where protocol meets storage. It executes a
// parsed text Command against the engine and appends memcached's reply bytes
// to the connection's output, counting the per-thread stats on the way.
#ifndef TANDEM_SERVER_DISPATCHER_H_
#define TANDEM_SERVER_DISPATCHER_H_

#include <cstddef>
#include <string>

#include "protocol/command.h"
#include "server/prefix_stats.h"
#include "server/replication_hooks.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/storage/engine.h"

namespace tandem::server {

// What the connection does after a command.
enum class DispatchAction : uint8_t {
  kContinue,
  kClose,     // quit: flush what is queued, then close
  kShutdown,  // shutdown: reply sent, stop the server
};

class Dispatcher {
 public:
  Dispatcher(Settings& settings, storage::Engine& engine, ServerStats& stats,
             PrefixStats& prefix_stats, const storage::Clock& clock)
      : settings_(settings), engine_(engine), stats_(stats), prefix_stats_(prefix_stats),
        clock_(clock) {}

  DispatchAction Execute(const protocol::Command& cmd, ThreadStats& ts, std::string* out);

  // A get-family command answered in parts. Values are copied into the
  // reply, so a get naming one large value thousands of times must not be
  // answered at once: this answers keys from the first until the reply has
  // grown by `budget` bytes (plus at most a few values) and returns how many
  // it answered. The caller appends END after the last key.
  size_t RetrievePart(const protocol::Command& cmd, size_t budget, ThreadStats& ts, std::string* out);

  // `stats replication` asks these; null: the report is empty. Set before serving.
  void SetReplicationHooks(ReplicationHooks* hooks) { replication_ = hooks; }

  // The engine, for handlers that run their own grammar's commands against
  // it (the meta handler).
  storage::Engine& engine() const { return engine_; }

 private:
  void Retrieve(const protocol::Command& cmd, ThreadStats& ts, std::string* out);
  void Store(const protocol::Command& cmd, ThreadStats& ts, std::string* out);
  void Arith(const protocol::Command& cmd, ThreadStats& ts, std::string* out);
  void Delete(const protocol::Command& cmd, ThreadStats& ts, std::string* out);
  void Touch(const protocol::Command& cmd, ThreadStats& ts, std::string* out);
  void FlushAll(const protocol::Command& cmd, ThreadStats& ts, std::string* out);
  void Verbosity(const protocol::Command& cmd, std::string* out);
  void CacheMemlimit(const protocol::Command& cmd, std::string* out);
  void Stats(const protocol::Command& cmd, std::string* out);
  void CacheDump(std::string_view args, std::string* out);
  void Slabs(const protocol::Command& cmd, std::string* out);
  void LruCrawler(const protocol::Command& cmd, std::string* out);

  Settings& settings_;
  storage::Engine& engine_;
  ServerStats& stats_;
  PrefixStats& prefix_stats_;
  const storage::Clock& clock_;
  ReplicationHooks* replication_ = nullptr;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_DISPATCHER_H_
