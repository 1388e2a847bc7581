// MetaHandler; see meta_handler.h.
//
// Every reply line is built in line_ first: mg and ma can still fail while
// writing it (an over-long opaque is only noticed there, after the item was
// touched or changed, exactly as in memcached), and then the error replaces
// the line. Statistics follow memcached 1.6.18: mg counts as get or (with T)
// touch, ms as set/cas, md as delete, ma as incr/decr, and only me counts as
// cmd_meta.
#include "server/meta_handler.h"

#include <charconv>

#include "protocol/error_strings.h"
#include "protocol/meta_encoder.h"
#include "protocol/text_encoder.h"

namespace tandem::server {
namespace {

namespace p = tandem::protocol;
using p::MetaOp;

storage::StoreMode SetModeOf(char mode, bool has_cas) {
  switch (mode) {
    case 'E': return storage::StoreMode::kAdd;
    case 'A': return storage::StoreMode::kAppend;
    case 'P': return storage::StoreMode::kPrepend;
    case 'R': return has_cas ? storage::StoreMode::kCas : storage::StoreMode::kReplace;
    default: return has_cas ? storage::StoreMode::kCas : storage::StoreMode::kSet;
  }
}

// memcached prints "t" as an unsigned 32-bit difference of its clock values.
void AppendTtl(std::string* line, const storage::MetaItem& item) {
  if (item.rel_exptime() == 0) {
    p::AppendMetaFlagSigned(line, 't', -1);
  } else {
    p::AppendMetaFlag(line, 't', static_cast<uint32_t>(item.rel_exptime() - item.rel_now()));
  }
}

}  // namespace

MetaHandler::MetaHandler(const Settings& settings, storage::Engine& engine) : engine_(engine) {
  options_.item_size_max = settings.item_size_max;
}

HandleResult MetaHandler::HandleOne(std::string_view input, ThreadStats& stats, std::string* out) {
  const p::ParseResult r = p::ParseMetaCommand(input, options_, &cmd_);
  HandleResult result;
  if (r.status == p::ParseStatus::kNeedMore) {
    result.need_more = true;
    return result;
  }
  result.consumed = r.consumed;
  result.swallow = r.swallow;
  if (r.status == p::ParseStatus::kError) {
    if (!r.error_line.empty()) p::AppendLine(out, r.error_line);
    if (r.close_connection) result.action = DispatchAction::kClose;
    return result;
  }
  switch (cmd_.op) {
    case MetaOp::kGet: Get(stats, out); break;
    case MetaOp::kSet: Set(stats, out); break;
    case MetaOp::kDelete: Delete(stats, out); break;
    case MetaOp::kArith: Arith(stats, out); break;
    case MetaOp::kDebug: Debug(stats, out); break;
    case MetaOp::kNoop: p::AppendLine(out, p::kMetaNoop); break;
    case MetaOp::kNone: p::AppendLine(out, p::kError); break;
  }
  return result;
}

void MetaHandler::AppendOpaqueAndKey(std::string* line) const {
  for (size_t i = 0; i < cmd_.flag_count; ++i) {
    const p::MetaFlag& f = cmd_.flags[i];
    if (f.letter == 'O') p::AppendMetaOpaque(line, f.token);
    if (f.letter == 'k') p::AppendMetaKey(line, cmd_.key, cmd_.base64);
  }
}

// ---------------------------------------------------------------------------
// mg
// ---------------------------------------------------------------------------

void MetaHandler::Get(ThreadStats& ts, std::string* out) {
  storage::MetaGetOptions o;
  o.bump = !cmd_.no_bump;
  o.touch = cmd_.has_ttl;
  o.vivify = cmd_.vivify;
  bool failed = false;  // the opaque was too long
  std::string* line = &line_;
  line->clear();
  const bool hit = engine_.MetaGet(cmd_.key, o, [&](storage::MetaItem& item, bool created) {
    if (cmd_.return_value) {
      p::AppendMetaValueHeader(line, item.value_size());
    } else {
      line->append(p::kMetaHit);
    }
    bool won = false;
    for (size_t i = 0; i < cmd_.flag_count && !failed; ++i) {
      const p::MetaFlag& f = cmd_.flags[i];
      switch (f.letter) {
        case 'T': item.SetExptime(cmd_.ttl); break;
        case 'N':
          if (created) {
            item.SetExptime(cmd_.vivify_ttl);
            won = true;
          }
          break;
        case 'R':
          if (!item.token_sent() && !created && item.ExpiresBefore(cmd_.recache_ttl)) won = true;
          break;
        case 's': p::AppendMetaFlag(line, 's', item.value_size()); break;
        case 't': AppendTtl(line, item); break;
        case 'c': p::AppendMetaFlag(line, 'c', item.cas()); break;
        case 'f': p::AppendMetaFlag(line, 'f', item.flags()); break;
        case 'l':
          p::AppendMetaFlag(line, 'l', static_cast<uint32_t>(item.rel_now() - item.rel_last_access()));
          break;
        case 'h': p::AppendMetaFlag(line, 'h', item.fetched_before() ? 1u : 0u); break;
        case 'O':
          if (f.token.size() > p::kMaxMetaOpaque) {
            failed = true;
          } else {
            p::AppendMetaOpaque(line, f.token);
          }
          break;
        // The stored key, encoded as it was stored (memcached's mg).
        case 'k': p::AppendMetaKey(line, item.key(), item.key_binary()); break;
        default: break;
      }
    }
    if (failed) return;
    // Z before X so a client never sees W with Z (memcached's order).
    if (item.token_sent()) p::AppendMetaFlag(line, 'Z');
    if (item.stale()) {
      p::AppendMetaFlag(line, 'X');
      if (!item.token_sent()) won = true;
    }
    if (won) {
      p::AppendMetaFlag(line, 'W');
      item.MarkTokenSent();
    }
    p::AppendMetaEnd(line);
    if (cmd_.return_value) {
      item.AppendValueTo(line);
      p::AppendMetaEnd(line);
    }
  });
  if (hit) {
    if (failed) {  // memcached bails out before counting
      p::AppendLine(out, p::kClientErrorOpaqueTooLong);
      return;
    }
    if (cmd_.has_ttl) {
      ts.cmd_touch.Inc();
      ts.touch_hits.Inc();
    } else {
      ts.cmd_get.Inc();
      ts.get_hits.Inc();
    }
    out->append(*line);
    return;
  }
  ts.cmd_get.Inc();
  ts.get_misses.Inc();
  if (cmd_.opaque_too_long) {
    p::AppendLine(out, p::kClientErrorOpaqueTooLong);
    return;
  }
  if (cmd_.quiet) return;
  line->assign(p::kMetaMiss);
  AppendOpaqueAndKey(line);
  p::AppendMetaEnd(line);
  out->append(*line);
}

// ---------------------------------------------------------------------------
// ms
// ---------------------------------------------------------------------------

void MetaHandler::Set(ThreadStats& ts, std::string* out) {
  ts.cmd_set.Inc();
  const storage::StoreMode mode = SetModeOf(cmd_.mode, cmd_.has_cas);
  if (cmd_.value_too_large) {
    ts.store_too_large.Inc();
    // memcached drops the old item on any failed ms allocation.
    engine_.Delete(cmd_.key);
    p::AppendLine(out, p::kServerErrorObjectTooLarge);
    return;
  }
  const bool invalidate = cmd_.invalidate && mode == storage::StoreMode::kCas;
  const storage::StoreResult r = engine_.MetaStore(mode, cmd_.key, cmd_.client_flags, cmd_.ttl,
                                                   cmd_.value, cmd_.cas, invalidate, cmd_.base64);
  std::string_view code;
  switch (r.outcome) {
    case storage::StoreOutcome::kStored:
      if (mode == storage::StoreMode::kCas) ts.cas_hits.Inc();
      if (cmd_.quiet) return;
      code = p::kMetaHit;
      break;
    case storage::StoreOutcome::kNotStored: code = p::kMetaNotStored; break;
    case storage::StoreOutcome::kExists:
      ts.cas_badval.Inc();
      code = p::kMetaExists;
      break;
    case storage::StoreOutcome::kNotFound:
      ts.cas_misses.Inc();
      code = p::kMetaNotFound;
      break;
    case storage::StoreOutcome::kTooLarge:
      ts.store_too_large.Inc();
      p::AppendLine(out, p::kServerErrorObjectTooLarge);
      return;
    case storage::StoreOutcome::kOutOfMemory:
      ts.store_no_memory.Inc();
      p::AppendLine(out, p::kServerErrorOutOfMemoryStoring);
      return;
  }
  out->append(code);
  for (size_t i = 0; i < cmd_.flag_count; ++i) {
    const p::MetaFlag& f = cmd_.flags[i];
    switch (f.letter) {
      case 'O': p::AppendMetaOpaque(out, f.token); break;
      case 'k': p::AppendMetaKey(out, cmd_.key, cmd_.base64); break;
      // The CAS of the stored item; 0 when nothing was stored.
      case 'c': p::AppendMetaFlag(out, 'c', r.outcome == storage::StoreOutcome::kStored ? r.cas : 0); break;
      default: break;
    }
  }
  p::AppendMetaEnd(out);
}

// ---------------------------------------------------------------------------
// md
// ---------------------------------------------------------------------------

void MetaHandler::Delete(ThreadStats& ts, std::string* out) {
  storage::MetaDeleteOptions o;
  o.has_cas = cmd_.has_cas;
  o.cas = cmd_.cas;
  o.invalidate = cmd_.invalidate;
  o.has_exptime = cmd_.has_ttl;
  o.exptime = cmd_.ttl;
  std::string_view code;
  switch (engine_.MetaDelete(cmd_.key, o)) {
    case storage::MetaDeleteOutcome::kDeleted:
      ts.delete_hits.Inc();
      if (cmd_.quiet) return;
      code = p::kMetaHit;
      break;
    case storage::MetaDeleteOutcome::kInvalidated:
      if (cmd_.quiet) return;
      code = p::kMetaHit;
      break;
    case storage::MetaDeleteOutcome::kNotFound:
      ts.delete_misses.Inc();
      code = p::kMetaNotFound;
      break;
    case storage::MetaDeleteOutcome::kExists:
      ts.delete_misses.Inc();  // memcached counts a CAS mismatch as a miss
      code = p::kMetaExists;
      break;
  }
  out->append(code);
  AppendOpaqueAndKey(out);
  p::AppendMetaEnd(out);
}

// ---------------------------------------------------------------------------
// ma
// ---------------------------------------------------------------------------

void MetaHandler::Arith(ThreadStats& ts, std::string* out) {
  storage::MetaArithOptions o;
  o.incr = !(cmd_.mode == 'D' || cmd_.mode == '-');
  o.delta = cmd_.delta;
  o.cas = cmd_.cas;
  o.vivify = cmd_.vivify;
  o.initial = cmd_.initial;
  bool failed = false;  // the opaque was too long
  std::string* flags = &line_;  // the return flags; the code goes first
  flags->clear();
  const storage::MetaArithResult r =
      engine_.MetaArith(cmd_.key, o, [&](storage::MetaItem& item, bool created) {
        for (size_t i = 0; i < cmd_.flag_count && !failed; ++i) {
          const p::MetaFlag& f = cmd_.flags[i];
          switch (f.letter) {
            case 'c': p::AppendMetaFlag(flags, 'c', item.cas()); break;
            case 't': AppendTtl(flags, item); break;
            case 'T': item.SetExptime(cmd_.ttl); break;
            case 'N':
              if (created) item.SetExptime(cmd_.vivify_ttl);
              break;
            case 'O':
              if (f.token.size() > p::kMaxMetaOpaque) {
                failed = true;
              } else {
                p::AppendMetaOpaque(flags, f.token);
              }
              break;
            case 'k': p::AppendMetaKey(flags, cmd_.key, cmd_.base64); break;
            default: break;
          }
        }
      });
  std::string_view code;
  switch (r.outcome) {
    case storage::MetaArithOutcome::kOk:
    case storage::MetaArithOutcome::kCreated: {
      if (r.outcome == storage::MetaArithOutcome::kOk) (o.incr ? ts.incr_hits : ts.decr_hits).Inc();
      if (failed) {
        p::AppendLine(out, p::kClientErrorOpaqueTooLong);
        return;
      }
      // q hides a nominal result, but not one from an autovivified item.
      if (cmd_.quiet && r.outcome == storage::MetaArithOutcome::kOk) return;
      char digits[24];
      const size_t len = static_cast<size_t>(
          std::to_chars(digits, digits + sizeof digits, r.value).ptr - digits);
      if (cmd_.return_value) {
        p::AppendMetaValueHeader(out, len);
      } else {
        out->append(p::kMetaHit);
      }
      out->append(*flags);
      p::AppendMetaEnd(out);
      if (cmd_.return_value) {
        out->append(digits, len);
        p::AppendMetaEnd(out);
      }
      return;
    }
    case storage::MetaArithOutcome::kNotFound:
      (o.incr ? ts.incr_misses : ts.decr_misses).Inc();
      code = p::kMetaNotFound;
      break;
    case storage::MetaArithOutcome::kExists: code = p::kMetaExists; break;
    case storage::MetaArithOutcome::kNotStored:
      p::AppendLine(out, p::kServerErrorOutOfMemoryNewItem);
      return;
    case storage::MetaArithOutcome::kNonNumeric:
      p::AppendLine(out, p::kClientErrorNonNumeric);
      return;
    case storage::MetaArithOutcome::kOutOfMemory:
      p::AppendLine(out, p::kServerErrorOutOfMemory);
      return;
  }
  // No item: only the opaque and the key come back.
  if (cmd_.opaque_too_long) {
    p::AppendLine(out, p::kClientErrorOpaqueTooLong);
    return;
  }
  out->append(code);
  AppendOpaqueAndKey(out);
  p::AppendMetaEnd(out);
}

// ---------------------------------------------------------------------------
// me
// ---------------------------------------------------------------------------

void MetaHandler::Debug(ThreadStats& ts, std::string* out) {
  ts.cmd_meta.Inc();
  storage::MetaGetOptions o;
  o.bump = false;
  o.count = false;
  const bool hit = engine_.MetaGet(cmd_.key, o, [&](storage::MetaItem& item, bool) {
    p::MetaDebugInfo info;
    // memcached prints now - exptime as a signed int: negative while alive.
    info.exp = item.rel_exptime() == 0
                   ? -1
                   : static_cast<int32_t>(item.rel_now() - item.rel_exptime());
    info.last_access = static_cast<uint32_t>(item.rel_now() - item.rel_last_access());
    info.cas = item.cas();
    info.fetched = item.fetched_before();
    info.class_id = static_cast<unsigned>(item.class_id());
    info.size = item.total_size();
    p::AppendMetaDebug(out, item.key(), item.key_binary(), info);
  });
  if (!hit) p::AppendLine(out, p::kMetaMiss);
}

}  // namespace tandem::server
