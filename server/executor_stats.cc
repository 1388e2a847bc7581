// Executor: `stats` and its sub-reports, `slabs` and `lru_crawler`.
//
// Every report is data: a StatList of (name, value) that each protocol's
// writer frames its own way (STAT lines and END in text, one packet per
// field in binary). The sub-commands are one table, in memcached's spelling;
// a sub-command not in it is answered ERROR, as memcached does.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "protocol/error_strings.h"
#include "protocol/text_encoder.h"
#include "server/executor.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"

namespace tandem::server {
namespace {

namespace p = tandem::protocol;
using p::Command;
using p::Outcome;
using p::ReplyWriter;
using p::Result;

// Splits "a b c" into its first word and the rest.
std::pair<std::string_view, std::string_view> FirstWord(std::string_view args) {
  const size_t space = args.find(' ');
  if (space == std::string_view::npos) return {args, {}};
  std::string_view rest = args.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return {args.substr(0, space), rest};
}

void SendStats(const Command& cmd, ReplyWriter& reply, const p::StatList& list, bool end = true) {
  Result r = Result::Of(Outcome::kStats);
  r.stats = &list;
  r.stats_end = end;
  reply.Done(cmd, r);
}

}  // namespace

// ---------------------------------------------------------------------------
// The `stats` table: sub-command -> report. memcached matches the name
// exactly; anything else is ERROR.
// ---------------------------------------------------------------------------

namespace {

struct StatsEntry {
  std::string_view name;
  Executor::StatsFn run;
};

}  // namespace

void Executor::Stats(const Command& cmd, ReplyWriter& reply) {
  // Reports that are a list and END: each fills the list.
  using Fill = void (*)(Executor&, p::StatList*);
  struct ListReport {
    std::string_view name;
    Fill fill;
  };
  static constexpr ListReport kListReports[] = {
      {"", [](Executor& e, p::StatList* l) {
         e.stats_.GeneralReport(e.engine_, e.clock_.Now(), e.clock_.ProcessStarted() + e.clock_.Now(), l);
         if (e.watch_ != nullptr) {
           for (auto& [name, value] : *l) {
             if (name == "log_watchers") value = std::to_string(e.watch_->watchers());
             if (name == "log_watcher_sent") value = std::to_string(e.watch_->sent());
             if (name == "log_watcher_skipped") value = std::to_string(e.watch_->skipped());
           }
         }
         if (e.replication_ != nullptr) e.replication_->GeneralReport(l);
       }},
      {"settings", [](Executor& e, p::StatList* l) { e.stats_.SettingsReport(l); }},
      {"items", [](Executor& e, p::StatList* l) { e.engine_.ItemsStats(l); }},
      {"slabs", [](Executor& e, p::StatList* l) { e.engine_.SlabsStats(l); }},
      {"sizes", [](Executor& e, p::StatList* l) { e.engine_.SizesStats(l); }},
      // No external storage is configured: memcached answers an empty list.
      {"extstore", [](Executor&, p::StatList*) {}},
      {"conns", [](Executor& e, p::StatList* l) { e.stats_.ConnsReport(e.clock_.Now(), l); }},
      {"replication", [](Executor& e, p::StatList* l) {
         if (e.replication_ != nullptr) e.replication_->ReplicationReport(l);
       }},
  };
  // Sub-commands that do more than list.
  static constexpr StatsEntry kStatsTable[] = {
      {"reset", &Executor::StatsReset},
      {"sizes_enable", &Executor::StatsSizesToggle},
      {"sizes_disable", &Executor::StatsSizesToggle},
      {"cachedump", &Executor::CacheDump},
      {"detail", &Executor::Detail},
  };
  const auto [sub, rest] = FirstWord(cmd.args);
  for (const ListReport& r : kListReports) {
    if (r.name == sub) {
      p::StatList list;
      r.fill(*this, &list);
      SendStats(cmd, reply, list);
      return;
    }
  }
  for (const StatsEntry& e : kStatsTable) {
    if (e.name == sub) {
      (this->*e.run)(cmd, sub, rest, reply);
      return;
    }
  }
  reply.Done(cmd, Result::ErrorLine(p::kError));
}

void Executor::StatsReset(const Command& cmd, std::string_view, std::string_view,
                          ReplyWriter& reply) {
  stats_.Reset();
  engine_.ResetStats();
  prefix_stats_.Clear();
  reply.Done(cmd, Result::Of(Outcome::kReset));
}

// memcached answers these with the STAT lines alone, no END.
void Executor::StatsSizesToggle(const Command& cmd, std::string_view name, std::string_view,
                                ReplyWriter& reply) {
  p::StatList list;
  if (name == "sizes_enable") {
    engine_.EnableSizes(&list);
  } else {
    engine_.DisableSizes(&list);
  }
  SendStats(cmd, reply, list, /*end=*/false);
}

// `stats detail on|off|dump`.
void Executor::Detail(const Command& cmd, std::string_view, std::string_view args,
                      ReplyWriter& reply) {
  const absl::string_view stripped =
      absl::StripAsciiWhitespace(absl::string_view(args.data(), args.size()));
  const std::string_view mode(stripped.data(), stripped.size());
  if (mode == "on" || mode == "off") {
    settings_.detail_enabled = mode == "on";
    reply.Done(cmd, Result::Of(Outcome::kOk));
  } else if (mode == "dump") {
    std::string lines;
    prefix_stats_.Dump(&lines);
    Result r = Result::Of(Outcome::kLines);
    r.text = lines;
    reply.Done(cmd, r);
  } else {
    reply.Done(cmd, Result::ErrorLine(p::kClientErrorStatsDetailUsage));
  }
}

// `stats cachedump <class> <limit>`: "ITEM key [N b; T s]" per item of the
// class's COLD list, T being the unix expiry (0 for never, as memcached 1.6
// prints it).
void Executor::CacheDump(const Command& cmd, std::string_view, std::string_view args,
                         ReplyWriter& reply) {
  if (!settings_.dump_enabled) {
    reply.Done(cmd, Result::ErrorLine(p::kClientErrorCachedumpNotAllowed));
    return;
  }
  const std::vector<absl::string_view> words =
      absl::StrSplit(absl::string_view(args.data(), args.size()), ' ', absl::SkipEmpty());
  if (words.size() < 2) {
    reply.Done(cmd, Result::ErrorLine(p::kClientErrorBadCommandLine));
    return;
  }
  uint32_t id = 0;
  uint32_t limit = 0;
  if (!absl::SimpleAtoi(words[0], &id) || !absl::SimpleAtoi(words[1], &limit)) {
    reply.Done(cmd, Result::ErrorLine(p::kClientErrorBadFormat));
    return;
  }
  constexpr uint32_t kMaxSlabClasses = 64;  // memcached's MAX_NUMBER_OF_SLAB_CLASSES
  if (id >= kMaxSlabClasses) {
    reply.Done(cmd, Result::ErrorLine(p::kClientErrorIllegalSlabId));
    return;
  }
  std::string lines;
  if (id >= 1 && static_cast<int>(id) <= engine_.SizeClassCount()) {
    engine_.CacheDump(static_cast<int>(id), limit,
                      [&lines](std::string_view key, size_t value_size, int64_t expires_at) {
                        lines.append("ITEM ");
                        lines.append(key);
                        lines.append(" [");
                        p::AppendInt(&lines, value_size);
                        lines.append(" b; ");
                        p::AppendInt(&lines, expires_at);  // 0: never
                        lines.append(" s]\r\n");
                      });
  }
  p::AppendLine(&lines, p::kEnd);
  Result r = Result::Of(Outcome::kLines);
  r.text = lines;
  reply.Done(cmd, r);
}

// ---------------------------------------------------------------------------
// slabs, lru_crawler
// ---------------------------------------------------------------------------

// memcached's set_noreply_maybe: a last word "noreply" silences the reply.
namespace {

bool EndsWithNoreply(const std::vector<absl::string_view>& words) {
  return !words.empty() && words.back() == "noreply";
}

// The reply, or none when the command ended in "noreply".
void Answer(const Command& cmd, bool noreply, ReplyWriter& reply, const Result& r) {
  if (!noreply) {
    reply.Done(cmd, r);
    return;
  }
  Command quiet = cmd;
  quiet.noreply = true;
  reply.Done(quiet, r);
}

std::string_view ReassignReply(storage::ReassignOutcome o) {
  switch (o) {
    case storage::ReassignOutcome::kOk: return p::kOk;
    case storage::ReassignOutcome::kBusy: return p::kSlabsReassignBusy;
    case storage::ReassignOutcome::kBadClass: return p::kSlabsReassignBadClass;
    case storage::ReassignOutcome::kNoSpare: return p::kSlabsReassignNoSpare;
    case storage::ReassignOutcome::kSame: return p::kSlabsReassignSame;
  }
  return p::kError;
}

}  // namespace

// `slabs reassign SRC DST` (exactly two numbers; no noreply, as in
// memcached) queues a page move that the slab mover (slab_mover.h) carries
// out; `slabs automove 0|1|2` and `slabs automove ratio R` change what the
// mover does. Argument checks and replies are memcached 1.6.18's.
void Executor::Slabs(const Command& cmd, ReplyWriter& reply) {
  const std::vector<absl::string_view> words =
      absl::StrSplit(absl::string_view(cmd.args.data(), cmd.args.size()), ' ', absl::SkipEmpty());
  if (words.size() >= 2 && words[0] == "automove") {
    const bool noreply = EndsWithNoreply(words);
    if (words[1] == "ratio") {
      double ratio = 0;
      if (words.size() < 3 || !absl::SimpleAtod(words[2], &ratio)) {
        Answer(cmd, noreply, reply, Result::ErrorLine(p::kError));
        return;
      }
      settings_.slab_automove_ratio.store(ratio);
      Answer(cmd, noreply, reply, Result::Of(Outcome::kOk));
      return;
    }
    uint64_t level = 0;
    if (!absl::SimpleAtoi(words[1], &level)) {
      Answer(cmd, noreply, reply, Result::ErrorLine(p::kClientErrorBadFormat));
    } else if (level <= 2) {
      settings_.slab_automove.store(static_cast<int>(level));
      Answer(cmd, noreply, reply, Result::Of(Outcome::kOk));
    } else {
      Answer(cmd, noreply, reply, Result::ErrorLine(p::kError));
    }
    return;
  }
  if (words.size() == 3 && words[0] == "reassign") {
    int32_t src = 0;
    int32_t dst = 0;
    if (!settings_.slab_reassign) {
      reply.Done(cmd, Result::ErrorLine(p::kClientErrorSlabReassignDisabled));
    } else if (!absl::SimpleAtoi(words[1], &src) || !absl::SimpleAtoi(words[2], &dst)) {
      reply.Done(cmd, Result::ErrorLine(p::kClientErrorBadFormat));
    } else {
      const storage::ReassignOutcome o = engine_.SlabsReassign(src, dst);
      if (o == storage::ReassignOutcome::kOk) {
        reply.Done(cmd, Result::Of(Outcome::kOk));
      } else {
        reply.Done(cmd, Result::ErrorLine(ReassignReply(o)));
      }
    }
    return;
  }
  reply.Done(cmd, Result::ErrorLine(p::kError));
}

// memcached's `lru` family. tune sets the segmented LRU's shares and age
// factors (the engine's LRU uses them at once; `stats settings` shows them); mode switches between the segmented
// and the flat LRU at run time; temp_ttl turns memcached's temporary LRU on
// (a TTL >= 0) or off (negative). mode and temp_ttl need the LRU
// maintainer, as in memcached (-o no_lru_maintainer: ERROR).
void Executor::Lru(const Command& cmd, ReplyWriter& reply) {
  const std::vector<absl::string_view> words =
      absl::StrSplit(absl::string_view(cmd.args.data(), cmd.args.size()), ' ', absl::SkipEmpty());
  const bool noreply = EndsWithNoreply(words);
  auto answer = [&](const Result& r) { Answer(cmd, noreply, reply, r); };
  const absl::string_view sub = words.empty() ? absl::string_view() : words[0];
  if (sub == "tune" && words.size() >= 5) {
    uint32_t hot = 0;
    uint32_t warm = 0;
    double hot_factor = 0;
    double warm_factor = 0;
    // safe_strtoul: no sign at all ("-1" is refused, not wrapped).
    auto unsigned_ok = [](absl::string_view w, uint32_t* v) {
      return w.find('-') == absl::string_view::npos && absl::SimpleAtoi(w, v);
    };
    if (!unsigned_ok(words[1], &hot) || !unsigned_ok(words[2], &warm) ||
        !absl::SimpleAtod(words[3], &hot_factor) || !absl::SimpleAtod(words[4], &warm_factor)) {
      answer(Result::ErrorLine(p::kError));
    } else if (uint64_t{hot} + warm > 80) {
      answer(Result::ErrorLine(p::kLruTunePcts));
    } else if (hot_factor <= 0 || warm_factor <= 0) {
      answer(Result::ErrorLine(p::kLruTuneFactors));
    } else {
      settings_.hot_lru_pct.store(static_cast<int>(hot));
      settings_.warm_lru_pct.store(static_cast<int>(warm));
      settings_.hot_max_factor.store(hot_factor);
      settings_.warm_max_factor.store(warm_factor);
      engine_.SetLruTuning(static_cast<int>(hot), static_cast<int>(warm), hot_factor, warm_factor);
      answer(Result::Of(Outcome::kOk));
    }
    return;
  }
  if (sub == "mode" && words.size() >= 2 && settings_.lru_maintainer) {
    if (words[1] == "flat" || words[1] == "segmented") {
      const bool segmented = words[1] == "segmented";
      settings_.lru_segmented.store(segmented);
      engine_.SetSegmentedLru(segmented);
      answer(Result::Of(Outcome::kOk));
    } else {
      answer(Result::ErrorLine(p::kError));
    }
    return;
  }
  if (sub == "temp_ttl" && words.size() >= 2 && settings_.lru_maintainer) {
    // safe_strtol into an int32: a long that does not fit wraps.
    int64_t ttl = 0;
    if (!absl::SimpleAtoi(words[1], &ttl)) {
      answer(Result::ErrorLine(p::kError));
      return;
    }
    const auto ttl32 = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(ttl)));
    if (ttl32 < 0) {
      settings_.temp_lru.store(false);
    } else {
      settings_.temp_lru.store(true);
      settings_.temporary_ttl.store(ttl32);
    }
    answer(Result::Of(Outcome::kOk));
    return;
  }
  answer(Result::ErrorLine(p::kError));
}

// lru_crawler crawl all|ids asks for an immediate pass; the background
// crawler (every 100 ms) does it, so the request only has to be valid.
void Executor::LruCrawler(const Command& cmd, ReplyWriter& reply) {
  const auto [sub, rest] = FirstWord(cmd.args);
  // memcached: exactly one argument after metadump, else ERROR below.
  if (sub == "metadump" && !rest.empty() && rest.find(' ') == std::string_view::npos) {
    MetaDump(cmd, rest, reply);
    return;
  }
  if (sub == "crawl" && !rest.empty()) {
    if (rest != "all") {
      for (absl::string_view id : absl::StrSplit(absl::string_view(rest.data(), rest.size()), ',')) {
        int n = 0;
        if (!absl::SimpleAtoi(id, &n) || n < 1 || n > engine_.SizeClassCount()) {
          reply.Done(cmd, Result::ErrorLine(p::kCrawlerBadClass));
          return;
        }
      }
    }
    engine_.CrawlStep(SIZE_MAX);
    reply.Done(cmd, Result::Of(Outcome::kOk));
    return;
  }
  // The crawler's pacing knobs are accepted without effect: tandem's crawler
  // runs in fixed bounded steps (see server.cc).
  if ((sub == "sleep" || sub == "tocrawl") && !rest.empty()) {
    int n = 0;
    if (absl::SimpleAtoi(absl::string_view(rest.data(), rest.size()), &n) && n >= 0) {
      reply.Done(cmd, Result::Of(Outcome::kOk));
      return;
    }
  }
  reply.Done(cmd, Result::ErrorLine(p::kError));
}

}  // namespace tandem::server
