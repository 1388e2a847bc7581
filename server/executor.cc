// Executor: Command -> engine call -> stats -> ReplyWriter. See executor.h.
//
// Each family of commands has one function here whatever protocol it came
// in: a text `set`, an `ms` and a binary SET all run Store(). The engine
// reports outcomes as enums (storage::StoreOutcome...); this file turns them
// into protocol::Outcome and counts them exactly as memcached 1.6.18 does.
// The `stats` family and the other administrative reports are in
// executor_stats.cc.
#include "server/executor.h"

#include <charconv>
#include <csignal>

#include "protocol/error_strings.h"
#include "server/storage/engine.h"
#include "server/version.h"

namespace tandem::server {
namespace {

namespace p = tandem::protocol;
using p::Command;
using p::Op;
using p::Outcome;
using p::ReplyWriter;
using p::Result;

storage::StoreMode StoreModeOf(const Command& cmd) {
  switch (cmd.op) {
    case Op::kAdd: return storage::StoreMode::kAdd;
    case Op::kReplace: return storage::StoreMode::kReplace;
    case Op::kAppend: return storage::StoreMode::kAppend;
    case Op::kPrepend: return storage::StoreMode::kPrepend;
    case Op::kCas: return storage::StoreMode::kCas;
    case Op::kMetaSet: {
      const bool has_cas = cmd.meta.has_cas;
      switch (cmd.meta.mode) {
        case 'E': return storage::StoreMode::kAdd;
        case 'A': return storage::StoreMode::kAppend;
        case 'P': return storage::StoreMode::kPrepend;
        case 'R': return has_cas ? storage::StoreMode::kCas : storage::StoreMode::kReplace;
        default: return has_cas ? storage::StoreMode::kCas : storage::StoreMode::kSet;
      }
    }
    default: return storage::StoreMode::kSet;
  }
}

Outcome OutcomeOf(storage::StoreOutcome o) {
  switch (o) {
    case storage::StoreOutcome::kStored: return Outcome::kStored;
    case storage::StoreOutcome::kNotStored: return Outcome::kNotStored;
    case storage::StoreOutcome::kExists: return Outcome::kExists;
    case storage::StoreOutcome::kNotFound: return Outcome::kNotFound;
    case storage::StoreOutcome::kTooLarge: return Outcome::kTooLarge;
    case storage::StoreOutcome::kOutOfMemory: return Outcome::kOutOfMemory;
  }
  return Outcome::kNone;
}

// What mg's and ma's `t` flag shows: -1 for never, else memcached's unsigned
// 32-bit difference of its clock values.
int64_t TtlOf(const storage::MetaItem& item) {
  if (item.rel_exptime() == 0) return -1;
  return static_cast<uint32_t>(item.rel_exptime() - item.rel_now());
}

bool OpaqueTooLong(const p::MetaFlag& f) {
  return f.letter == 'O' && f.token.size() > p::kMaxMetaOpaque;
}

}  // namespace

DispatchAction Executor::Execute(const Command& cmd, ExecContext& ctx) {
  switch (cmd.op) {
    case Op::kGet:
    case Op::kGets:
    case Op::kGat:
    case Op::kGats:
      RetrievePart(cmd, SIZE_MAX, ctx, [] { return size_t{0}; });
      ctx.reply.Done(cmd, Result::Of(Outcome::kEnd));
      return DispatchAction::kContinue;
    case Op::kSet:
    case Op::kAdd:
    case Op::kReplace:
    case Op::kAppend:
    case Op::kPrepend:
    case Op::kCas:
    case Op::kMetaSet:
      Store(cmd, ctx);
      return DispatchAction::kContinue;
    case Op::kIncr:
    case Op::kDecr:
    case Op::kMetaArith:
      Arith(cmd, ctx);
      return DispatchAction::kContinue;
    case Op::kDelete:
    case Op::kMetaDelete:
      Delete(cmd, ctx);
      return DispatchAction::kContinue;
    case Op::kTouch:
      Touch(cmd, ctx);
      return DispatchAction::kContinue;
    case Op::kFlushAll:
      FlushAll(cmd, ctx);
      return DispatchAction::kContinue;
    case Op::kMetaGet:
      MetaGet(cmd, ctx);
      return DispatchAction::kContinue;
    case Op::kMetaDebug:
      MetaDebug(cmd, ctx);
      return DispatchAction::kContinue;
    default:
      return Admin(cmd, ctx);
  }
}

// ---------------------------------------------------------------------------
// Retrieval: get, gets, gat, gats (and binary GET, GAT, TOUCH)
// ---------------------------------------------------------------------------

size_t Executor::RetrieveBatch(const Command& cmd, std::span<const std::string_view> keys,
                               ExecContext& ctx, uint64_t* hits) {
  storage::GetOptions o;
  o.touch = cmd.op == Op::kGat || cmd.op == Op::kGats;
  o.exptime = cmd.exptime;
  const bool record = detail() && cmd.policy.prefix_stats;
  engine_.GetMany(
      keys, o,
      [&](size_t i, const storage::ItemView* item) {
    if (watch_ != nullptr && watch_->Wants(kWatchFetchers)) {
      watch_->ItemGet(keys[i], item != nullptr, item != nullptr ? item->class_id() : 0, ctx.fd,
                      item != nullptr ? item->value_size() : 0);
    }
    if (item != nullptr) {
      const auto append_value = [item](std::string* out) { item->AppendValueTo(out); };
      const p::ItemReply hit{item->key(), item->flags(), item->cas(), item->value_size(),
                             append_value};
      ctx.reply.Hit(cmd, hit);
      ++*hits;
    } else {
      ctx.reply.Miss(cmd, keys[i]);
    }
    if (record) prefix_stats_.RecordGet(keys[i], item != nullptr);
      },
      &ctx.receipt);
  return keys.size();
}

void Executor::CountRetrieval(const Command& cmd, uint64_t done, uint64_t hits, ThreadStats& ts) {
  const uint64_t misses = done - hits;
  if (cmd.op == Op::kGat || cmd.op == Op::kGats) {
    ts.cmd_touch.Add(done);
    ts.touch_hits.Add(hits);
    ts.touch_misses.Add(misses);
  } else {
    ts.cmd_get.Add(done);
    ts.get_hits.Add(hits);
    ts.get_misses.Add(misses);
  }
}

// ---------------------------------------------------------------------------
// Storage: set add replace append prepend cas, ms, binary SET ... PREPEND
// ---------------------------------------------------------------------------

void Executor::Store(const Command& cmd, ExecContext& ctx) {
  if (!cmd.value_too_large || cmd.policy.count_refused_set) ctx.stats.cmd_set.Inc();
  if (detail() && cmd.policy.prefix_stats) prefix_stats_.RecordSet(cmd.key);
  if (cmd.value_too_large) {
    ctx.stats.store_too_large.Inc();
    // memcached drops the old value so a failed set never leaves stale data.
    if (cmd.policy.drop_old_when_too_large) engine_.Delete(cmd.key, &ctx.receipt);
    ctx.reply.Done(cmd, Result::Of(Outcome::kTooLarge));
    return;
  }
  const storage::StoreMode mode = StoreModeOf(cmd);
  storage::StoreOptions o;
  o.mode = mode;
  o.flags = cmd.client_flags;
  o.exptime = cmd.exptime;
  o.cas_in = cmd.cas_unique;
  if (cmd.op == Op::kMetaSet) {
    o.meta = true;
    o.invalidate = cmd.meta.invalidate && mode == storage::StoreMode::kCas;
    o.key_binary = cmd.meta.base64;
  }
  const storage::StoreResult r = engine_.Store(cmd.key, cmd.value, o, &ctx.receipt);
  // Only a cas (a store carrying a CAS value) counts in the cas_* stats.
  const bool cas = mode == storage::StoreMode::kCas;
  switch (r.outcome) {
    case storage::StoreOutcome::kStored:
      if (cas) ctx.stats.cas_hits.Inc();
      break;
    case storage::StoreOutcome::kExists:
      if (cas) ctx.stats.cas_badval.Inc();
      break;
    case storage::StoreOutcome::kNotFound:
      if (cas) ctx.stats.cas_misses.Inc();
      break;
    case storage::StoreOutcome::kTooLarge:
      ctx.stats.store_too_large.Inc();
      break;
    case storage::StoreOutcome::kOutOfMemory:
      ctx.stats.store_no_memory.Inc();
      break;
    case storage::StoreOutcome::kNotStored:
      break;
  }
  if (watch_ != nullptr && watch_->Wants(kWatchMutations)) {
    LogStore(cmd, static_cast<int>(mode), static_cast<int>(r.outcome), ctx);
  }
  Result result = Result::Of(OutcomeOf(r.outcome));
  result.cas = r.cas;
  ctx.reply.Done(cmd, result);
}

// ---------------------------------------------------------------------------
// incr, decr, ma, binary INCREMENT/DECREMENT
// ---------------------------------------------------------------------------

// memcached's binary incr/decr creates a missing key holding `initial` as a
// separate add, so a racing writer makes it fail with "Not stored.".
void Executor::Arith(const Command& cmd, ExecContext& ctx) {
  const bool meta = cmd.op == Op::kMetaArith;
  const p::MetaCommand& m = cmd.meta;
  storage::ArithOptions o;
  o.incr = meta ? !(m.mode == 'D' || m.mode == '-') : cmd.op == Op::kIncr;
  o.delta = cmd.delta;
  o.cas = cmd.cas_unique;
  o.vivify = meta && m.vivify;
  o.initial = cmd.initial;
  bool opaque_too_long = false;
  const auto no_value = [](std::string*) {};  // ma's reply carries the number instead
  p::MetaItemReply item(no_value);
  const storage::ArithResult r = engine_.Arith(
      cmd.key, o,
      [&](storage::MetaItem& it, bool created) {
        item.cas = it.cas();
        if (!meta) return;
        // memcached applies T and N and reads t as it walks the flags, and
        // stops at an over-long opaque.
        for (size_t i = 0; i < m.flag_count && !opaque_too_long; ++i) {
          const p::MetaFlag& f = m.flags[i];
          switch (f.letter) {
            case 't': item.ttl_at[i] = TtlOf(it); break;
            case 'T': it.SetExptime(m.ttl); break;
            case 'N':
              if (created) it.SetExptime(m.vivify_ttl);
              break;
            case 'O': opaque_too_long = OpaqueTooLong(f); break;
            default: break;
          }
        }
      },
      &ctx.receipt);
  Result result;
  switch (r.outcome) {
    case storage::ArithOutcome::kOk:
    case storage::ArithOutcome::kCreated:
      if (r.outcome == storage::ArithOutcome::kOk) (o.incr ? ctx.stats.incr_hits : ctx.stats.decr_hits).Inc();
      if (opaque_too_long) {
        ctx.reply.Done(cmd, Result::ErrorLine(p::kClientErrorOpaqueTooLong));
        return;
      }
      result.outcome = Outcome::kNumber;
      result.number = r.value;
      result.created = r.outcome == storage::ArithOutcome::kCreated;
      result.cas = item.cas;
      result.meta_item = &item;
      ctx.reply.Done(cmd, result);
      return;
    case storage::ArithOutcome::kNotFound:
      if (cmd.policy.arith_creates) break;
      (o.incr ? ctx.stats.incr_misses : ctx.stats.decr_misses).Inc();
      ctx.reply.Done(cmd, Result::Of(Outcome::kNotFound));
      return;
    case storage::ArithOutcome::kExists: ctx.reply.Done(cmd, Result::Of(Outcome::kExists)); return;
    case storage::ArithOutcome::kNonNumeric:
      ctx.reply.Done(cmd, Result::Of(Outcome::kNonNumeric));
      return;
    case storage::ArithOutcome::kOutOfMemory:
      ctx.reply.Done(cmd, Result::Of(Outcome::kArithOutOfMemory));
      return;
    case storage::ArithOutcome::kNotStored:
      ctx.reply.Done(cmd, Result::Of(Outcome::kNewItemOutOfMemory));
      return;
  }
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, cmd.initial).ptr;
  storage::StoreOptions add;
  add.mode = storage::StoreMode::kAdd;
  add.exptime = cmd.exptime;
  const storage::StoreResult s =
      engine_.Store(cmd.key, std::string_view(digits, end - digits), add, &ctx.receipt);
  switch (s.outcome) {
    case storage::StoreOutcome::kStored:
      result.outcome = Outcome::kNumber;
      result.number = cmd.initial;
      result.created = true;
      result.cas = s.cas;
      break;
    case storage::StoreOutcome::kOutOfMemory:
    case storage::StoreOutcome::kTooLarge: result.outcome = Outcome::kNewItemOutOfMemory; break;
    default: result.outcome = Outcome::kNotStored; break;
  }
  ctx.reply.Done(cmd, result);
}

// ---------------------------------------------------------------------------
// delete, md, binary DELETE; touch
// ---------------------------------------------------------------------------

void Executor::Delete(const Command& cmd, ExecContext& ctx) {
  if (detail() && cmd.policy.prefix_stats) prefix_stats_.RecordDelete(cmd.key);
  storage::MetaDeleteOptions o;
  o.cas = cmd.cas_unique;
  // A CAS of 0 is "no CAS" except in md, which says so with its C flag.
  o.has_cas = cmd.op == Op::kMetaDelete ? cmd.meta.has_cas : o.cas != 0;
  if (cmd.op == Op::kMetaDelete) {
    o.invalidate = cmd.meta.invalidate;
    o.has_exptime = cmd.meta.has_ttl;
    o.exptime = cmd.meta.ttl;
  }
  switch (engine_.MetaDelete(cmd.key, o, &ctx.receipt)) {
    case storage::MetaDeleteOutcome::kDeleted:
      ctx.stats.delete_hits.Inc();
      ctx.reply.Done(cmd, Result::Of(Outcome::kDeleted));
      return;
    case storage::MetaDeleteOutcome::kInvalidated:
      ctx.reply.Done(cmd, Result::Of(Outcome::kDeleted));
      return;
    case storage::MetaDeleteOutcome::kNotFound:
      ctx.stats.delete_misses.Inc();
      ctx.reply.Done(cmd, Result::Of(Outcome::kNotFound));
      return;
    case storage::MetaDeleteOutcome::kExists:
      if (cmd.policy.cas_mismatch_is_delete_miss) ctx.stats.delete_misses.Inc();
      ctx.reply.Done(cmd, Result::Of(Outcome::kExists));
      return;
  }
}

void Executor::Touch(const Command& cmd, ExecContext& ctx) {
  ctx.stats.cmd_touch.Inc();
  if (engine_.Touch(cmd.key, cmd.exptime, &ctx.receipt)) {
    ctx.stats.touch_hits.Inc();
    ctx.reply.Done(cmd, Result::Of(Outcome::kTouched));
  } else {
    ctx.stats.touch_misses.Inc();
    ctx.reply.Done(cmd, Result::Of(Outcome::kNotFound));
  }
}

void Executor::FlushAll(const Command& cmd, ExecContext& ctx) {
  if (!settings_.flush_enabled) {
    ctx.reply.Done(cmd, Result::Of(Outcome::kFlushDisabled));
    return;
  }
  ctx.stats.cmd_flush.Inc();
  engine_.FlushAll(cmd.has_number ? cmd.number : 0, &ctx.receipt);
  ctx.reply.Done(cmd, Result::Of(Outcome::kOk));
}

// ---------------------------------------------------------------------------
// mg, me
// ---------------------------------------------------------------------------

// memcached applies T, N and R while it walks the flags (so `t` before and
// after a `T` differ), stops at an over-long opaque, and only then decides
// the recache token: Z when one was handed out already, X for a stale item
// (whose first reader wins), W for the winner.
void Executor::MetaGet(const Command& cmd, ExecContext& ctx) {
  const p::MetaCommand& m = cmd.meta;
  storage::MetaGetOptions o;
  o.bump = !m.no_bump;
  o.touch = m.has_ttl;
  o.vivify = m.vivify;
  bool failed = false;  // the opaque was too long
  const bool hit = engine_.MetaGet(cmd.key, o, [&](storage::MetaItem& item, bool created) {
    const auto append_value = [&item](std::string* out) { item.AppendValueTo(out); };
    p::MetaItemReply r(append_value);
    bool won = false;
    for (size_t i = 0; i < m.flag_count && !failed; ++i) {
      const p::MetaFlag& f = m.flags[i];
      switch (f.letter) {
        case 'T': item.SetExptime(m.ttl); break;
        case 'N':
          if (created) {
            item.SetExptime(m.vivify_ttl);
            won = true;
          }
          break;
        case 'R':
          if (!item.token_sent() && !created && item.ExpiresBefore(m.recache_ttl)) won = true;
          break;
        case 't': r.ttl_at[i] = TtlOf(item); break;
        case 'O': failed = OpaqueTooLong(f); break;
        default: break;
      }
    }
    if (failed) return;
    if (watch_ != nullptr && watch_->Wants(kWatchFetchers)) {
      watch_->ItemGet(cmd.key, true, item.class_id(), ctx.fd, item.value_size());
    }
    r.token_sent = item.token_sent();
    r.stale = item.stale();
    if (r.stale && !r.token_sent) won = true;
    if (won) item.MarkTokenSent();
    r.won = won;
    r.key = item.key();
    r.key_binary = item.key_binary();
    r.flags = item.flags();
    r.cas = item.cas();
    r.value_size = item.value_size();
    r.seconds_since_access = static_cast<uint32_t>(item.rel_now() - item.rel_last_access());
    r.fetched_before = item.fetched_before();
    ctx.reply.MetaHit(cmd, r);
  }, &ctx.receipt);
  if (hit) {
    if (failed) {  // memcached bails out before counting
      ctx.reply.Done(cmd, Result::ErrorLine(p::kClientErrorOpaqueTooLong));
      return;
    }
    if (m.has_ttl) {
      ctx.stats.cmd_touch.Inc();
      ctx.stats.touch_hits.Inc();
    } else {
      ctx.stats.cmd_get.Inc();
      ctx.stats.get_hits.Inc();
    }
    return;
  }
  ctx.stats.cmd_get.Inc();
  ctx.stats.get_misses.Inc();
  if (watch_ != nullptr && watch_->Wants(kWatchFetchers)) watch_->ItemGet(cmd.key, false, 0, ctx.fd, 0);
  ctx.reply.Done(cmd, Result::Of(Outcome::kNotFound));
}

void Executor::MetaDebug(const Command& cmd, ExecContext& ctx) {
  ctx.stats.cmd_meta.Inc();
  storage::MetaGetOptions o;
  o.bump = false;
  o.count = false;
  const bool hit = engine_.MetaGet(cmd.key, o, [&](storage::MetaItem& item, bool) {
    const auto no_value = [](std::string*) {};  // me shows no value
    p::MetaItemReply r(no_value);
    r.key = item.key();
    r.key_binary = item.key_binary();
    // memcached prints now - exptime as a signed int: negative while alive.
    r.debug_exp = item.rel_exptime() == 0
                      ? -1
                      : static_cast<int32_t>(item.rel_now() - item.rel_exptime());
    r.seconds_since_access = static_cast<uint32_t>(item.rel_now() - item.rel_last_access());
    r.cas = item.cas();
    r.fetched_before = item.fetched_before();
    r.class_id = static_cast<unsigned>(item.class_id());
    r.total_size = item.total_size();
    ctx.reply.MetaHit(cmd, r);
  });
  if (!hit) ctx.reply.Done(cmd, Result::Of(Outcome::kNotFound));
}

// ---------------------------------------------------------------------------
// Administrative: version, verbosity, quit, shutdown, cache_memlimit, mn,
// stats, slabs, lru, lru_crawler, refresh_certs
// ---------------------------------------------------------------------------

DispatchAction Executor::Admin(const Command& cmd, ExecContext& ctx) {
  switch (cmd.op) {
    case Op::kVersion: {
      Result r = Result::Of(Outcome::kVersion);
      r.text = kMemcachedCompatVersion;
      ctx.reply.Done(cmd, r);
      break;
    }
    case Op::kVerbosity:
      settings_.verbose.store(static_cast<int>(cmd.number));
      ctx.reply.Done(cmd, Result::Of(Outcome::kOk));
      break;
    case Op::kQuit:
      ctx.reply.Done(cmd, Result::Of(Outcome::kClose));
      return DispatchAction::kClose;
    case Op::kShutdown:
      if (!settings_.enable_shutdown) {
        ctx.reply.Done(cmd, Result::ErrorLine(p::kErrorShutdownNotEnabled));
        break;
      }
      if (!cmd.args.empty() && cmd.args != "graceful") {
        ctx.reply.Done(cmd, Result::ErrorLine(p::kClientErrorInvalidShutdownMode));
        break;
      }
      // memcached raises SIGUSR1 for `shutdown graceful`: the same stop as
      // the signal, which with -e saves the items (server/warm_restart.h).
      if (cmd.args == "graceful") {
        std::raise(SIGUSR1);
        return DispatchAction::kClose;
      }
      return DispatchAction::kShutdown;
    case Op::kCacheMemlimit:
      if (cmd.number < 8) {
        ctx.reply.Done(cmd, Result::ErrorLine(p::kMemlimitTooSmall));
      } else if (!engine_.SetMemoryLimit(static_cast<size_t>(cmd.number) << 20).ok()) {
        ctx.reply.Done(cmd, Result::ErrorLine(p::kMemlimitAdjustFailed));
      } else {
        settings_.max_bytes.store(static_cast<size_t>(cmd.number) << 20);
        ctx.reply.Done(cmd, Result::Of(Outcome::kOk));
      }
      break;
    case Op::kMetaNoop: ctx.reply.Done(cmd, Result::Of(Outcome::kNoop)); break;
    case Op::kStats: Stats(cmd, ctx.reply); break;
    case Op::kSlabs: Slabs(cmd, ctx.reply); break;
    case Op::kLruCrawler: LruCrawler(cmd, ctx.reply); break;
    case Op::kExtstore: Extstore(cmd, ctx.reply); break;
    case Op::kWatch: return Watch(cmd, ctx);
    case Op::kLru: Lru(cmd, ctx.reply); break;
    case Op::kRefreshCerts: {
      const absl::Status st = refresh_certs_ ? refresh_certs_() : absl::FailedPreconditionError(std::string(p::kErrorTlsNotEnabled));
      if (st.ok()) {
        ctx.reply.Done(cmd, Result::Of(Outcome::kOk));
        break;
      }
      // memcached sends the failure even after noreply.
      Command loud = cmd;
      loud.noreply = false;
      const std::string line(st.message());
      ctx.reply.Done(loud, Result::ErrorLine(line));
      break;
    }
    default: ctx.reply.Done(cmd, Result::ErrorLine(p::kError)); break;
  }
  return DispatchAction::kContinue;
}

}  // namespace tandem::server
