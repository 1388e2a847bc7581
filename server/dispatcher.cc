// Dispatcher: Command -> engine call -> reply bytes. See dispatcher.h.
//
// memcached's noreply suppresses every reply of a command, errors included
// (its out_string drops the line), so each handler writes through Reply(),
// which honours it in one place.
#include "server/dispatcher.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "protocol/error_strings.h"
#include "protocol/text_encoder.h"
#include "server/version.h"

namespace tandem::server {
namespace {

namespace p = tandem::protocol;
using p::Command;
using p::Op;

void Reply(const Command& cmd, std::string* out, std::string_view line) {
  if (!cmd.noreply) p::AppendLine(out, line);
}

storage::StoreMode ModeOf(Op op) {
  switch (op) {
    case Op::kAdd: return storage::StoreMode::kAdd;
    case Op::kReplace: return storage::StoreMode::kReplace;
    case Op::kAppend: return storage::StoreMode::kAppend;
    case Op::kPrepend: return storage::StoreMode::kPrepend;
    case Op::kCas: return storage::StoreMode::kCas;
    default: return storage::StoreMode::kSet;
  }
}

// Appends one VALUE block for a hit.
class ValueWriter {
 public:
  ValueWriter(std::string* out, bool with_cas) : out_(out), with_cas_(with_cas) {}
  void operator()(const storage::ItemView& item) const {
    if (with_cas_) {
      p::AppendValueHeaderWithCas(out_, item.key(), item.flags(), item.value_size(), item.cas());
    } else {
      p::AppendValueHeader(out_, item.key(), item.flags(), item.value_size());
    }
    item.AppendValueTo(out_);
    out_->append("\r\n");
  }

 private:
  std::string* out_;
  bool with_cas_;
};

}  // namespace

DispatchAction Dispatcher::Execute(const Command& cmd, ThreadStats& ts, std::string* out) {
  switch (cmd.op) {
    case Op::kGet:
    case Op::kGets:
    case Op::kGat:
    case Op::kGats:
      Retrieve(cmd, ts, out);
      break;
    case Op::kSet:
    case Op::kAdd:
    case Op::kReplace:
    case Op::kAppend:
    case Op::kPrepend:
    case Op::kCas:
      Store(cmd, ts, out);
      break;
    case Op::kIncr:
    case Op::kDecr:
      Arith(cmd, ts, out);
      break;
    case Op::kDelete:
      Delete(cmd, ts, out);
      break;
    case Op::kTouch:
      Touch(cmd, ts, out);
      break;
    case Op::kFlushAll:
      FlushAll(cmd, ts, out);
      break;
    case Op::kVersion:
      p::AppendVersion(out, kMemcachedCompatVersion);
      break;
    case Op::kVerbosity:
      Verbosity(cmd, out);
      break;
    case Op::kQuit:
      return DispatchAction::kClose;
    case Op::kShutdown:
      if (!settings_.enable_shutdown) {
        p::AppendLine(out, p::kErrorShutdownNotEnabled);
        break;
      }
      if (!cmd.args.empty() && cmd.args != "graceful") {
        p::AppendLine(out, p::kClientErrorInvalidShutdownMode);
        break;
      }
      return DispatchAction::kShutdown;
    case Op::kCacheMemlimit:
      CacheMemlimit(cmd, out);
      break;
    case Op::kStats:
      Stats(cmd, out);
      break;
    case Op::kSlabs:
      Slabs(cmd, out);
      break;
    case Op::kLruCrawler:
      LruCrawler(cmd, out);
      break;
    case Op::kMetaNoop:
      p::AppendLine(out, "MN");
      break;
    case Op::kNone:
      p::AppendLine(out, p::kError);
      break;
  }
  return DispatchAction::kContinue;
}

void Dispatcher::Retrieve(const Command& cmd, ThreadStats& ts, std::string* out) {
  RetrievePart(cmd, SIZE_MAX, ts, out);
  p::AppendLine(out, p::kEnd);
}

size_t Dispatcher::RetrievePart(const Command& cmd, size_t budget, ThreadStats& ts, std::string* out) {
  const bool touch = cmd.op == Op::kGat || cmd.op == Op::kGats;
  const bool with_cas = cmd.op == Op::kGets || cmd.op == Op::kGats;
  const bool detail = settings_.detail_enabled.load(std::memory_order_relaxed);
  const std::span<const std::string_view> keys(cmd.keys);
  const size_t start_size = out->size();
  ValueWriter writer(out, with_cas);
  uint64_t hits = 0;
  size_t done = 0;
  while (done < keys.size() && out->size() - start_size < budget) {
    // The engine looks keys up in prefetch batches of 16, but a batch must
    // not overshoot the budget by 16 large values: after the first key,
    // batches are sized from the reply bytes per key so far.
    size_t batch = keys.size() - done;
    if (budget != SIZE_MAX) {
      const size_t grown = out->size() - start_size;
      const size_t per_key = done == 0 ? budget : grown / done + 1;
      batch = std::clamp<size_t>((budget - grown) / per_key, 1, std::min<size_t>(batch, 16));
    }
    const std::span<const std::string_view> part = keys.subspan(done, batch);
    engine_.GetMany(part, touch, cmd.exptime, [&](size_t i, const storage::ItemView* item) {
      if (item != nullptr) {
        writer(*item);
        ++hits;
      }
      if (detail) prefix_stats_.RecordGet(part[i], item != nullptr);
    });
    done += batch;
  }
  const uint64_t misses = done - hits;
  if (touch) {
    ts.cmd_touch.Add(done);
    ts.touch_hits.Add(hits);
    ts.touch_misses.Add(misses);
  } else {
    ts.cmd_get.Add(done);
    ts.get_hits.Add(hits);
    ts.get_misses.Add(misses);
  }
  return done;
}

void Dispatcher::Store(const Command& cmd, ThreadStats& ts, std::string* out) {
  ts.cmd_set.Inc();
  if (settings_.detail_enabled.load(std::memory_order_relaxed)) prefix_stats_.RecordSet(cmd.key);
  if (cmd.value_too_large) {
    ts.store_too_large.Inc();
    // memcached drops the old value so a failed set never leaves stale data.
    if (cmd.op == Op::kSet) engine_.Delete(cmd.key);
    Reply(cmd, out, p::kServerErrorObjectTooLarge);
    return;
  }
  storage::StoreResult r =
      engine_.Store(ModeOf(cmd.op), cmd.key, cmd.client_flags, cmd.exptime, cmd.value, cmd.cas_unique);
  switch (r.outcome) {
    case storage::StoreOutcome::kStored:
      if (cmd.op == Op::kCas) ts.cas_hits.Inc();
      Reply(cmd, out, p::kStored);
      return;
    case storage::StoreOutcome::kNotStored:
      Reply(cmd, out, p::kNotStored);
      return;
    case storage::StoreOutcome::kExists:
      ts.cas_badval.Inc();
      Reply(cmd, out, p::kExists);
      return;
    case storage::StoreOutcome::kNotFound:
      ts.cas_misses.Inc();
      Reply(cmd, out, p::kNotFound);
      return;
    case storage::StoreOutcome::kTooLarge:
      ts.store_too_large.Inc();
      if (cmd.op == Op::kSet) engine_.Delete(cmd.key);
      Reply(cmd, out, p::kServerErrorObjectTooLarge);
      return;
    case storage::StoreOutcome::kOutOfMemory:
      ts.store_no_memory.Inc();
      if (cmd.op == Op::kSet) engine_.Delete(cmd.key);
      Reply(cmd, out, p::kServerErrorOutOfMemoryStoring);
      return;
  }
}

void Dispatcher::Arith(const Command& cmd, ThreadStats& ts, std::string* out) {
  const bool incr = cmd.op == Op::kIncr;
  storage::ArithResult r = engine_.Arith(cmd.key, incr, cmd.delta);
  switch (r.outcome) {
    case storage::ArithOutcome::kOk:
      (incr ? ts.incr_hits : ts.decr_hits).Inc();
      if (!cmd.noreply) p::AppendNumberLine(out, r.value);
      return;
    case storage::ArithOutcome::kNotFound:
      (incr ? ts.incr_misses : ts.decr_misses).Inc();
      Reply(cmd, out, p::kNotFound);
      return;
    case storage::ArithOutcome::kNonNumeric:
      Reply(cmd, out, p::kClientErrorNonNumeric);
      return;
    case storage::ArithOutcome::kOutOfMemory:
      Reply(cmd, out, p::kServerErrorOutOfMemory);
      return;
  }
}

void Dispatcher::Delete(const Command& cmd, ThreadStats& ts, std::string* out) {
  if (settings_.detail_enabled.load(std::memory_order_relaxed)) prefix_stats_.RecordDelete(cmd.key);
  if (engine_.Delete(cmd.key)) {
    ts.delete_hits.Inc();
    Reply(cmd, out, p::kDeleted);
  } else {
    ts.delete_misses.Inc();
    Reply(cmd, out, p::kNotFound);
  }
}

void Dispatcher::Touch(const Command& cmd, ThreadStats& ts, std::string* out) {
  ts.cmd_touch.Inc();
  if (engine_.Touch(cmd.key, cmd.exptime)) {
    ts.touch_hits.Inc();
    Reply(cmd, out, p::kTouched);
  } else {
    ts.touch_misses.Inc();
    Reply(cmd, out, p::kNotFound);
  }
}

void Dispatcher::FlushAll(const Command& cmd, ThreadStats& ts, std::string* out) {
  if (!settings_.flush_enabled) {
    Reply(cmd, out, p::kClientErrorFlushAllNotAllowed);
    return;
  }
  ts.cmd_flush.Inc();
  engine_.FlushAll(cmd.has_number ? cmd.number : 0);
  Reply(cmd, out, p::kOk);
}

void Dispatcher::Verbosity(const Command& cmd, std::string* out) {
  settings_.verbose.store(static_cast<int>(cmd.number));
  Reply(cmd, out, p::kOk);
}

void Dispatcher::CacheMemlimit(const Command& cmd, std::string* out) {
  if (cmd.number < 8) {
    Reply(cmd, out, p::kMemlimitTooSmall);
    return;
  }
  if (!engine_.SetMemoryLimit(static_cast<size_t>(cmd.number) << 20).ok()) {
    Reply(cmd, out, p::kMemlimitAdjustFailed);
    return;
  }
  settings_.max_bytes.store(static_cast<size_t>(cmd.number) << 20);
  Reply(cmd, out, p::kOk);
}

void Dispatcher::Stats(const Command& cmd, std::string* out) {
  std::string_view args = cmd.args;
  std::string_view sub = args.substr(0, args.find(' '));
  std::string_view rest = sub.size() < args.size() ? args.substr(sub.size() + 1) : std::string_view();
  storage::StatList list;
  if (sub.empty()) {
    stats_.AppendGeneral(engine_, clock_.Now(), clock_.ProcessStarted() + clock_.Now(), out);
  } else if (sub == "settings") {
    stats_.AppendSettings(out);
  } else if (sub == "items") {
    engine_.ItemsStats(&list);
  } else if (sub == "slabs") {
    engine_.SlabsStats(&list);
  } else if (sub == "sizes") {
    engine_.SizesStats(&list);
  } else if (sub == "extstore") {
    // No external storage is configured: memcached answers an empty list.
  } else if (sub == "conns") {
    stats_.AppendConns(clock_.Now(), out);
  } else if (sub == "replication") {
    if (replication_ != nullptr) replication_->AppendStats(out);
  } else if (sub == "reset") {
    stats_.Reset();
    engine_.ResetStats();
    prefix_stats_.Clear();
    p::AppendLine(out, p::kReset);
    return;
  } else if (sub == "sizes_enable" || sub == "sizes_disable") {
    // memcached answers these with the STAT lines alone, no END.
    if (sub == "sizes_enable") {
      engine_.EnableSizes(&list);
    } else {
      engine_.DisableSizes(&list);
    }
    for (const auto& [name, value] : list) p::AppendStat(out, name, value);
    return;
  } else if (sub == "cachedump") {
    CacheDump(rest, out);
    return;
  } else if (sub == "detail") {
    absl::string_view stripped = absl::StripAsciiWhitespace(absl::string_view(rest.data(), rest.size()));
    std::string_view mode(stripped.data(), stripped.size());
    if (mode == "on") {
      settings_.detail_enabled = true;
      p::AppendLine(out, p::kOk);
    } else if (mode == "off") {
      settings_.detail_enabled = false;
      p::AppendLine(out, p::kOk);
    } else if (mode == "dump") {
      prefix_stats_.Dump(out);
    } else {
      p::AppendLine(out, p::kClientErrorStatsDetailUsage);
    }
    return;
  } else {
    p::AppendLine(out, p::kError);
    return;
  }
  for (const auto& [name, value] : list) p::AppendStat(out, name, value);
  p::AppendLine(out, p::kEnd);
}

// `stats cachedump <class> <limit>`: "ITEM key [N b; T s]" per item of the
// class's COLD list, T being the unix expiry (0 for never, as memcached 1.6
// prints it).
void Dispatcher::CacheDump(std::string_view args, std::string* out) {
  if (!settings_.dump_enabled) {
    p::AppendLine(out, p::kClientErrorCachedumpNotAllowed);
    return;
  }
  std::vector<absl::string_view> words =
      absl::StrSplit(absl::string_view(args.data(), args.size()), ' ', absl::SkipEmpty());
  if (words.size() < 2) {
    p::AppendLine(out, p::kClientErrorBadCommandLine);
    return;
  }
  uint32_t id = 0;
  uint32_t limit = 0;
  if (!absl::SimpleAtoi(words[0], &id) || !absl::SimpleAtoi(words[1], &limit)) {
    p::AppendLine(out, p::kClientErrorBadFormat);
    return;
  }
  constexpr uint32_t kMaxSlabClasses = 64;  // memcached's MAX_NUMBER_OF_SLAB_CLASSES
  if (id >= kMaxSlabClasses) {
    p::AppendLine(out, p::kClientErrorIllegalSlabId);
    return;
  }
  if (id >= 1 && static_cast<int>(id) <= engine_.SizeClassCount()) {
    engine_.CacheDump(static_cast<int>(id), limit,
                      [out](std::string_view key, size_t value_size, int64_t expires_at) {
                        out->append("ITEM ");
                        out->append(key);
                        out->append(" [");
                        p::AppendInt(out, value_size);
                        out->append(" b; ");
                        p::AppendInt(out, expires_at);  // 0: never
                        out->append(" s]\r\n");
                      });
  }
  p::AppendLine(out, p::kEnd);
}

// Splits "a b c" into its first word and the rest.
std::pair<std::string_view, std::string_view> FirstWord(std::string_view args) {
  size_t space = args.find(' ');
  if (space == std::string_view::npos) return {args, {}};
  std::string_view rest = args.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return {args.substr(0, space), rest};
}

// slabs automove 0|1|2 is accepted and has no effect: tandem has no slab
// page mover, so `slabs reassign` is refused as memcached refuses it when
// slab_reassign is off.
void Dispatcher::Slabs(const Command& cmd, std::string* out) {
  auto [sub, rest] = FirstWord(cmd.args);
  if (sub == "automove") {
    if (rest == "0" || rest == "1" || rest == "2") {
      Reply(cmd, out, p::kOk);
      return;
    }
  } else if (sub == "reassign" && !rest.empty()) {
    Reply(cmd, out, p::kClientErrorSlabReassignDisabled);
    return;
  }
  p::AppendLine(out, p::kError);
}

// lru_crawler crawl all|ids asks for an immediate pass; the background
// crawler (every 100 ms) does it, so the request only has to be valid.
void Dispatcher::LruCrawler(const Command& cmd, std::string* out) {
  auto [sub, rest] = FirstWord(cmd.args);
  if (sub == "crawl" && !rest.empty()) {
    if (rest != "all") {
      for (absl::string_view id : absl::StrSplit(absl::string_view(rest.data(), rest.size()), ',')) {
        int n = 0;
        if (!absl::SimpleAtoi(id, &n) || n < 1 || n > engine_.SizeClassCount()) {
          Reply(cmd, out, p::kCrawlerBadClass);
          return;
        }
      }
    }
    engine_.CrawlStep(SIZE_MAX);
    Reply(cmd, out, p::kOk);
    return;
  }
  // The crawler's pacing knobs are accepted without effect: tandem's crawler
  // runs in fixed bounded steps (see server.cc).
  if ((sub == "sleep" || sub == "tocrawl") && !rest.empty()) {
    int n = 0;
    if (absl::SimpleAtoi(absl::string_view(rest.data(), rest.size()), &n) && n >= 0) {
      Reply(cmd, out, p::kOk);
      return;
    }
  }
  p::AppendLine(out, p::kError);
}

}  // namespace tandem::server
