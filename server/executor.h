// Executor: the one place where protocol meets storage.
//
// Every parser (text, meta, binary) produces a protocol::Command; the
// Executor carries it out against the engine: it chooses the engine call,
// counts memcached's statistics (per-thread counters and, with `stats
// detail on`, per-prefix ones), and reports what happened through the
// connection's protocol::ReplyWriter, which alone knows the wire format.
// The handlers around it only frame bytes into Commands.
//
// Request path, file by file: net/connection reads bytes -> text_handler or
// binary_handler frames one request -> protocol/*_parser fills a Command ->
// Executor::Execute -> storage::Engine -> protocol/*_reply_writer appends the
// reply to the connection's output -> net/connection writes it.
//
// Where memcached's protocols disagree about the same operation (which
// refused store drops the old value, whether a CAS mismatch on delete is a
// miss...), the Command's policy fields say so; the Executor has no
// per-protocol branches beyond them.
#ifndef TANDEM_SERVER_EXECUTOR_H_
#define TANDEM_SERVER_EXECUTOR_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <functional>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "protocol/command.h"
#include "protocol/result.h"
#include "server/prefix_stats.h"
#include "server/replication_hooks.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/storage/write_receipt.h"
#include "server/watch_log.h"

namespace tandem::server {

// The handlers include this header and must not see the engine.
namespace storage {
class Clock;
class Engine;
}  // namespace storage

// What the connection does after a command.
enum class DispatchAction : uint8_t {
  kContinue,
  kClose,     // quit: flush what is queued, then close
  kShutdown,  // shutdown: reply sent, stop the server
  kWatch,     // watch: the connection now only streams ExecContext::watcher's lines
};

// One command's surroundings: where its counters go, who writes its reply,
// and (filled in by the engine) where its replication records end, which a
// --repl-sync reply waits for.
struct ExecContext {
  ExecContext(ThreadStats& s, protocol::ReplyWriter& r) : stats(s), reply(r) {}
  ThreadStats& stats;
  protocol::ReplyWriter& reply;
  storage::WriteReceipt receipt;
  int fd = -1;  // the client's socket, named in `watch` lines (cfd=)
  std::shared_ptr<Watcher> watcher;  // set by `watch` (DispatchAction::kWatch)
};

class Executor {
 public:
  Executor(Settings& settings, storage::Engine& engine, ServerStats& stats,
           PrefixStats& prefix_stats, const storage::Clock& clock)
      : settings_(settings), engine_(engine), stats_(stats), prefix_stats_(prefix_stats),
        clock_(clock) {}

  // Carries out cmd, reporting its reply through ctx.reply.
  DispatchAction Execute(const protocol::Command& cmd, ExecContext& ctx);

  // A get-family command answered in parts. Values are copied into the
  // reply, so a get naming one large value thousands of times must not be
  // answered at once: this answers keys from the first until `reply_size()`
  // has grown by `budget` bytes (plus at most a few values) and returns how
  // many it answered. The caller reports kEnd after the last key.
  template <typename SizeFn>
  size_t RetrievePart(const protocol::Command& cmd, size_t budget, ExecContext& ctx,
                      SizeFn reply_size);

  // One `stats` sub-command (executor_stats.cc's table).
  using StatsFn = void (Executor::*)(const protocol::Command&, std::string_view, std::string_view,
                                     protocol::ReplyWriter&);

  // `refresh_certs` (-Z) calls this; unset: "Error TLS not enabled". Set before serving.
  void SetCertificateRefresher(std::function<absl::Status()> refresh) { refresh_certs_ = std::move(refresh); }

  // `stats replication` asks these; null: the report is empty. Set before serving.
  void SetReplicationHooks(ReplicationHooks* hooks) { replication_ = hooks; }
  // `watch` streams; null: `watch` is refused as a failure to add a watcher.
  void SetWatchLog(WatchLog* log) { watch_ = log; }

 private:
  size_t RetrieveBatch(const protocol::Command& cmd, std::span<const std::string_view> keys,
                       ExecContext& ctx, uint64_t* hits);
  void CountRetrieval(const protocol::Command& cmd, uint64_t done, uint64_t hits, ThreadStats& ts);

  void Store(const protocol::Command& cmd, ExecContext& ctx);
  void Arith(const protocol::Command& cmd, ExecContext& ctx);
  void Delete(const protocol::Command& cmd, ExecContext& ctx);
  void Touch(const protocol::Command& cmd, ExecContext& ctx);
  void FlushAll(const protocol::Command& cmd, ExecContext& ctx);
  void MetaGet(const protocol::Command& cmd, ExecContext& ctx);
  void MetaDebug(const protocol::Command& cmd, ExecContext& ctx);
  DispatchAction Admin(const protocol::Command& cmd, ExecContext& ctx);

  // `stats` and its sub-reports (executor_stats.cc): each gets the
  // sub-command's name and the arguments after it.
  void Stats(const protocol::Command& cmd, protocol::ReplyWriter& reply);
#define TANDEM_STATS_REPORT(name)                                                   \
  void name(const protocol::Command& cmd, std::string_view sub, std::string_view args, \
            protocol::ReplyWriter& reply)
  TANDEM_STATS_REPORT(StatsReset);
  TANDEM_STATS_REPORT(StatsSizesToggle);
  TANDEM_STATS_REPORT(CacheDump);
  TANDEM_STATS_REPORT(Detail);
#undef TANDEM_STATS_REPORT
  void Slabs(const protocol::Command& cmd, protocol::ReplyWriter& reply);
  void LruCrawler(const protocol::Command& cmd, protocol::ReplyWriter& reply);
  // `extstore <setting> <value>` (executor_dump.cc): memcached's replies
  // without external storage.
  void Extstore(const protocol::Command& cmd, protocol::ReplyWriter& reply);
  // `watch [fetchers|mutations|evictions ...]` (executor_watch.cc), and the
  // lines the commands log for it.
  DispatchAction Watch(const protocol::Command& cmd, ExecContext& ctx);
  // mode: storage::StoreMode, outcome: storage::StoreOutcome, as ints.
  void LogStore(const protocol::Command& cmd, int mode, int outcome, const ExecContext& ctx);
  // `lru_crawler metadump all|hash|<ids>` (executor_dump.cc).
  void MetaDump(const protocol::Command& cmd, std::string_view which, protocol::ReplyWriter& reply);
  void Lru(const protocol::Command& cmd, protocol::ReplyWriter& reply);

  bool detail() const { return settings_.detail_enabled.load(std::memory_order_relaxed); }

  Settings& settings_;
  storage::Engine& engine_;
  ServerStats& stats_;
  PrefixStats& prefix_stats_;
  const storage::Clock& clock_;
  ReplicationHooks* replication_ = nullptr;
  WatchLog* watch_ = nullptr;
  std::function<absl::Status()> refresh_certs_;
};

template <typename SizeFn>
size_t Executor::RetrievePart(const protocol::Command& cmd, size_t budget, ExecContext& ctx,
                              SizeFn reply_size) {
  const std::span<const std::string_view> keys(cmd.keys);
  const size_t start_size = reply_size();
  uint64_t hits = 0;
  size_t done = 0;
  while (done < keys.size() && reply_size() - start_size < budget) {
    // The engine looks keys up in prefetch batches of 16, but a batch must
    // not overshoot the budget by 16 large values: after the first key,
    // batches are sized from the reply bytes per key so far.
    size_t batch = keys.size() - done;
    if (budget != SIZE_MAX) {
      const size_t grown = reply_size() - start_size;
      const size_t per_key = done == 0 ? budget : grown / done + 1;
      batch = std::clamp<size_t>((budget - grown) / per_key, 1, std::min<size_t>(batch, 16));
    }
    done += RetrieveBatch(cmd, keys.subspan(done, batch), ctx, &hits);
  }
  CountRetrieval(cmd, done, hits, ctx.stats);
  return done;
}

}  // namespace tandem::server

#endif  // TANDEM_SERVER_EXECUTOR_H_
