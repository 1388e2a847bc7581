// Executor: `watch`, memcached's log streams, and the store lines it logs.
//
// `watch` alone watches fetchers; otherwise every word must name an event
// memcached knows. tandem streams fetchers, mutations and evictions; the
// other names memcached accepts (rawcmds, sysevents, connevents,
// proxyreqs, proxyevents, proxyuser) are accepted as memcached accepts them
// and stream nothing here. The reply is "OK" and from then on the
// connection only streams log lines (README "watch").
#include <algorithm>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "protocol/error_strings.h"
#include "server/executor.h"
#include "server/storage/engine.h"

namespace tandem::server {
namespace {

namespace p = tandem::protocol;

struct WatchName {
  std::string_view name;
  uint16_t events;  // 0: accepted, nothing to stream in tandem
};

constexpr WatchName kWatchNames[] = {
    {"fetchers", kWatchFetchers}, {"mutations", kWatchMutations}, {"evictions", kWatchEvictions},
    {"rawcmds", 0},  {"sysevents", 0}, {"connevents", 0}, {"proxyreqs", 0}, {"proxyevents", 0},
    {"proxyuser", 0},
};

constexpr std::string_view kStoreStatus[] = {"stored",    "not_stored", "exists",
                                             "not_found", "too_large",  "no_memory"};
constexpr std::string_view kStoreCmd[] = {"set", "add", "replace", "append", "prepend", "cas"};

}  // namespace

DispatchAction Executor::Watch(const p::Command& cmd, ExecContext& ctx) {
  if (!settings_.watch_enabled) {
    ctx.reply.Done(cmd, p::Result::ErrorLine(p::kClientErrorWatchNotAllowed));
    return DispatchAction::kContinue;
  }
  uint16_t events = 0;
  const std::vector<absl::string_view> words =
      absl::StrSplit(absl::string_view(cmd.args.data(), cmd.args.size()), ' ', absl::SkipEmpty());
  if (words.empty()) events = kWatchFetchers;
  for (absl::string_view word : words) {
    const WatchName* found = nullptr;
    for (const WatchName& n : kWatchNames) {
      if (n.name == std::string_view(word.data(), word.size())) found = &n;
    }
    if (found == nullptr) {
      ctx.reply.Done(cmd, p::Result::ErrorLine(p::kError));
      return DispatchAction::kContinue;
    }
    events |= found->events;
  }
  if (watch_ == nullptr) {
    ctx.reply.Done(cmd, p::Result::ErrorLine(p::kWatcherFailed));
    return DispatchAction::kContinue;
  }
  // The connection fills in the wake once it owns the watcher (kWatch).
  ctx.watcher = watch_->Add(events);
  if (ctx.watcher == nullptr) {
    ctx.reply.Done(cmd, p::Result::ErrorLine(p::kWatcherTooMany));
    return DispatchAction::kContinue;
  }
  ctx.reply.Done(cmd, p::Result::Of(p::Outcome::kOk));
  return DispatchAction::kWatch;
}

// memcached's item_store line: the new item's class, its value size and
// the seconds it has left (0: no expiry).
void Executor::LogStore(const p::Command& cmd, int mode, int outcome, const ExecContext& ctx) {
  int64_t ttl = 0;
  if (cmd.exptime > 0) {
    constexpr int64_t kMaxRelative = 60 * 60 * 24 * 30;  // memcached's REALTIME_MAXDELTA
    const int64_t now_unix = clock_.ProcessStarted() + clock_.Now();
    ttl = cmd.exptime <= kMaxRelative ? cmd.exptime : std::max<int64_t>(cmd.exptime - now_unix, 0);
  }
  watch_->ItemStore(cmd.key, kStoreStatus[static_cast<size_t>(outcome)], kStoreCmd[static_cast<size_t>(mode)], ttl,
                    engine_.ClassForItem(cmd.key.size(), cmd.value.size(), cmd.client_flags), ctx.fd,
                    cmd.value.size());
}

}  // namespace tandem::server
