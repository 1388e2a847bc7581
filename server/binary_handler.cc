// BinaryHandler; see binary_handler.h.
#include "server/binary_handler.h"

#include <array>
#include <charconv>

#include "protocol/binary_encoder.h"
#include "protocol/command.h"
#include "server/log.h"
#include "server/version.h"

namespace tandem::server {
namespace {

namespace b = tandem::protocol::binary;
using b::Opcode;
using b::Shape;
using b::Status;

constexpr size_t kKeyMaxLength = 250;  // memcached's KEY_MAX_LENGTH
// incr/decr with this expiration fail on a miss instead of creating.
constexpr uint32_t kNoCreate = 0xffffffff;

uint8_t Op(Opcode op) { return static_cast<uint8_t>(op); }

bool StartsWith(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }

// A success packet, hidden for quiet requests (memcached's
// write_bin_response with noreply set).
void Success(const BinaryHandler::Request& req, const BinaryHandler::OpcodeInfo& info,
             std::string* out, uint64_t cas = 0, std::string_view value = {}) {
  if (info.quiet) return;
  b::AppendResponse(out, req.opcode, Status::kSuccess, req.opaque, cas, {}, {}, value);
}

// Errors go out even for quiet requests.
void Error(const BinaryHandler::Request& req, Status status, std::string* out,
           std::string_view text = {}) {
  b::AppendError(out, req.opcode, status, req.opaque, text);
}

}  // namespace

// ---------------------------------------------------------------------------
// The opcode table: loud opcode -> member. Quiet opcodes reach the same
// member through OpcodeInfo::base; unlisted opcodes answer "Unknown command".
// ---------------------------------------------------------------------------
const std::array<BinaryHandler::OpFn, 256>& BinaryHandler::Handlers() {
  static const std::array<OpFn, 256> table = [] {
    std::array<OpFn, 256> t{};
    t[Op(Opcode::kGet)] = &BinaryHandler::Get;
    t[Op(Opcode::kGetK)] = &BinaryHandler::Get;
    t[Op(Opcode::kTouch)] = &BinaryHandler::Touch;
    t[Op(Opcode::kGat)] = &BinaryHandler::Touch;
    t[Op(Opcode::kGatK)] = &BinaryHandler::Touch;
    t[Op(Opcode::kSet)] = &BinaryHandler::Store;
    t[Op(Opcode::kAdd)] = &BinaryHandler::Store;
    t[Op(Opcode::kReplace)] = &BinaryHandler::Store;
    t[Op(Opcode::kAppend)] = &BinaryHandler::Concat;
    t[Op(Opcode::kPrepend)] = &BinaryHandler::Concat;
    t[Op(Opcode::kDelete)] = &BinaryHandler::Delete;
    t[Op(Opcode::kIncrement)] = &BinaryHandler::Arith;
    t[Op(Opcode::kDecrement)] = &BinaryHandler::Arith;
    t[Op(Opcode::kQuit)] = &BinaryHandler::Quit;
    t[Op(Opcode::kFlush)] = &BinaryHandler::Flush;
    t[Op(Opcode::kNoop)] = &BinaryHandler::Noop;
    t[Op(Opcode::kVersion)] = &BinaryHandler::Version;
    t[Op(Opcode::kStat)] = &BinaryHandler::Stat;
    t[Op(Opcode::kSaslListMechs)] = &BinaryHandler::Sasl;
    t[Op(Opcode::kSaslAuth)] = &BinaryHandler::Sasl;
    t[Op(Opcode::kSaslStep)] = &BinaryHandler::Sasl;
    return t;
  }();
  return table;
}

BinaryHandler::BinaryHandler(const Settings& settings, Dispatcher& dispatcher,
                             storage::Engine& engine, PrefixStats& prefix_stats, int fd)
    : settings_(settings),
      dispatcher_(dispatcher),
      engine_(engine),
      prefix_stats_(prefix_stats),
      fd_(fd) {
  parser_options_.max_value = settings.item_size_max;
}

// The checks run in memcached's order: key and extras must fit the body
// (else "Unknown command" and close), the key must fit 250 bytes (else
// "Invalid arguments" and close), then the opcode's own shape (same).
HandleResult BinaryHandler::HandleOne(std::string_view input, ThreadStats& ts, std::string* out) {
  HandleResult result;
  Request& req = request_;
  const b::ParseResult r = b::ParseRequest(input, parser_options_, &req);
  switch (r.status) {
    case b::ParseStatus::kNeedMore:
      result.need_more = true;
      return result;
    case b::ParseStatus::kBadMagic:
      Log(settings_, 1, "Invalid magic:  %x", static_cast<unsigned>(static_cast<uint8_t>(input[0])));
      result.consumed = input.size();
      result.action = DispatchAction::kClose;
      return result;
    case b::ParseStatus::kOk:
    case b::ParseStatus::kValueTooLarge:
      break;
  }
  result.consumed = r.consumed;
  if (LogEnabled(settings_, 2)) LogRequest(req);
  const OpcodeInfo& info = b::OpcodeInfoFor(req.opcode);
  if (size_t{req.keylen} + req.extlen > req.bodylen) {
    Error(req, Status::kUnknownCommand, out);
    result.action = DispatchAction::kClose;
    return result;
  }
  if (req.keylen > kKeyMaxLength || (info.shape != Shape::kUnknown && !req.well_formed)) {
    Error(req, Status::kInvalidArguments, out);
    Log(settings_, 1, "Protocol error (opcode %02x), close connection %d",
        static_cast<unsigned>(req.opcode), fd_);
    result.action = DispatchAction::kClose;
    return result;
  }
  Outcome outcome;
  if (r.status == b::ParseStatus::kValueTooLarge) {
    outcome = RefuseLargeValue(req, info, ts, r.swallow, out);
  } else if (OpFn fn = Handlers()[static_cast<uint8_t>(info.base)];
             info.shape != Shape::kUnknown && fn != nullptr) {
    outcome = (this->*fn)(req, info, ts, out);
  } else {
    // memcached swallows bodylen bytes counted from after the key, so a
    // request with extras or a key also loses that many bytes of the next.
    Error(req, Status::kUnknownCommand, out);
    outcome.swallow = req.bodylen;
  }
  result.action = outcome.action;
  result.swallow = outcome.swallow;
  return result;
}

void BinaryHandler::LogRequest(const Request& req) const {
  Log(settings_, 2, "<%d Read binary protocol data: opcode 0x%02x key %s bodylen %u", fd_,
      static_cast<unsigned>(req.opcode), std::string(req.key), req.bodylen);
}

// ---------------------------------------------------------------------------
// Retrieval: get/getk (+q), touch, gat/gatk (+q).
// ---------------------------------------------------------------------------

// A miss: quiet forms say nothing; the K forms echo the key as the body of
// a "not found" packet (without the "Not found" text).
static void Miss(const BinaryHandler::Request& req, const BinaryHandler::OpcodeInfo& info,
                 bool with_key, std::string* out) {
  if (info.quiet) return;
  if (with_key) {
    b::AppendResponse(out, req.opcode, Status::kKeyNotFound, req.opaque, 0, {}, req.key, {});
  } else {
    Error(req, Status::kKeyNotFound, out);
  }
}

BinaryHandler::Outcome BinaryHandler::Get(const Request& req, const OpcodeInfo& info,
                                          ThreadStats& ts, std::string* out) {
  const bool with_key = info.base == Opcode::kGetK;
  ts.cmd_get.Inc();
  const bool hit = engine_.Get(req.key, [&](const storage::ItemView& item) {
    const size_t vlen = item.value_size();
    b::ResponseHeader h;
    h.opcode = req.opcode;
    h.extlen = 4;
    h.keylen = with_key ? req.keylen : 0;
    h.bodylen = static_cast<uint32_t>(4 + h.keylen + vlen);
    h.opaque = req.opaque;
    h.cas = item.cas();
    b::AppendResponseHeader(out, h);
    b::AppendBe32(out, item.flags());
    if (with_key) out->append(req.key);
    item.AppendValueTo(out);
  });
  (hit ? ts.get_hits : ts.get_misses).Inc();
  if (settings_.detail_enabled.load(std::memory_order_relaxed)) prefix_stats_.RecordGet(req.key, hit);
  if (!hit) Miss(req, info, with_key, out);
  return {};
}

BinaryHandler::Outcome BinaryHandler::Touch(const Request& req, const OpcodeInfo& info,
                                            ThreadStats& ts, std::string* out) {
  const bool with_key = info.base == Opcode::kGatK;
  const bool with_value = info.base != Opcode::kTouch;
  const int64_t exptime = req.ExtrasU32(0);
  ts.cmd_touch.Inc();
  const bool hit = engine_.GetAndTouch(req.key, exptime, [&](const storage::ItemView& item) {
    const size_t vlen = with_value ? item.value_size() : 0;
    b::ResponseHeader h;
    h.opcode = req.opcode;
    h.extlen = 4;
    h.keylen = with_key ? req.keylen : 0;
    h.bodylen = static_cast<uint32_t>(4 + h.keylen + vlen);
    h.opaque = req.opaque;
    h.cas = item.cas();
    b::AppendResponseHeader(out, h);
    b::AppendBe32(out, item.flags());
    if (with_key) out->append(req.key);
    if (with_value) item.AppendValueTo(out);
  });
  (hit ? ts.touch_hits : ts.touch_misses).Inc();
  if (settings_.detail_enabled.load(std::memory_order_relaxed)) prefix_stats_.RecordGet(req.key, hit);
  if (!hit) Miss(req, info, with_key, out);
  return {};
}

// ---------------------------------------------------------------------------
// Storage: set/add/replace and append/prepend (+q).
// ---------------------------------------------------------------------------

// A request CAS of 0 means "no CAS"; with -C every item's CAS is 0, so a
// CAS in the request is ignored as memcached's ITEM_set_cas ignores it.
static uint64_t RequestCas(const BinaryHandler::Request& req, const Settings& settings) {
  return settings.use_cas ? req.cas : 0;
}

BinaryHandler::Outcome BinaryHandler::Store(const Request& req, const OpcodeInfo& info,
                                            ThreadStats& ts, std::string* out) {
  const uint32_t flags = req.ExtrasU32(0);
  const int64_t exptime = req.ExtrasU32(4);
  const uint64_t cas_in = RequestCas(req, settings_);
  storage::StoreMode mode = storage::StoreMode::kSet;
  if (cas_in != 0) {
    mode = storage::StoreMode::kCas;  // memcached: any store with a CAS is a cas
  } else if (info.base == Opcode::kAdd) {
    mode = storage::StoreMode::kAdd;
  } else if (info.base == Opcode::kReplace) {
    mode = storage::StoreMode::kReplace;
  }
  if (settings_.detail_enabled.load(std::memory_order_relaxed)) prefix_stats_.RecordSet(req.key);
  ts.cmd_set.Inc();
  const storage::StoreResult r = engine_.Store(mode, req.key, flags, exptime, req.value, cas_in);
  switch (r.outcome) {
    case storage::StoreOutcome::kStored:
      if (mode == storage::StoreMode::kCas) ts.cas_hits.Inc();
      Success(req, info, out, r.cas);
      break;
    case storage::StoreOutcome::kExists:
      ts.cas_badval.Inc();
      Error(req, Status::kKeyExists, out);
      break;
    case storage::StoreOutcome::kNotFound:
      ts.cas_misses.Inc();
      Error(req, Status::kKeyNotFound, out);
      break;
    case storage::StoreOutcome::kTooLarge:
      ts.store_too_large.Inc();
      Error(req, Status::kTooLarge, out);
      break;
    case storage::StoreOutcome::kOutOfMemory:
      ts.store_no_memory.Inc();
      Error(req, Status::kOutOfMemory, out, b::kOutOfMemoryAllocating);
      break;
    case storage::StoreOutcome::kNotStored:
      // memcached's complete_update_bin: a failed add means the key exists,
      // a failed replace that it does not.
      if (info.base == Opcode::kAdd) {
        Error(req, Status::kKeyExists, out);
      } else if (info.base == Opcode::kReplace) {
        Error(req, Status::kKeyNotFound, out);
      } else {
        Error(req, Status::kNotStored, out);
      }
      break;
  }
  return {};
}

BinaryHandler::Outcome BinaryHandler::Concat(const Request& req, const OpcodeInfo& info,
                                             ThreadStats& ts, std::string* out) {
  const storage::StoreMode mode =
      info.base == Opcode::kAppend ? storage::StoreMode::kAppend : storage::StoreMode::kPrepend;
  if (settings_.detail_enabled.load(std::memory_order_relaxed)) prefix_stats_.RecordSet(req.key);
  ts.cmd_set.Inc();
  const storage::StoreResult r =
      engine_.Store(mode, req.key, 0, 0, req.value, RequestCas(req, settings_));
  switch (r.outcome) {
    case storage::StoreOutcome::kStored:
      Success(req, info, out, r.cas);
      break;
    case storage::StoreOutcome::kExists:
      Error(req, Status::kKeyExists, out);
      break;
    case storage::StoreOutcome::kNotFound:
      Error(req, Status::kKeyNotFound, out);
      break;
    case storage::StoreOutcome::kTooLarge:
      ts.store_too_large.Inc();
      Error(req, Status::kTooLarge, out);
      break;
    case storage::StoreOutcome::kOutOfMemory:
      ts.store_no_memory.Inc();
      Error(req, Status::kOutOfMemory, out, b::kOutOfMemoryAllocating);
      break;
    case storage::StoreOutcome::kNotStored:
      Error(req, Status::kNotStored, out);
      break;
  }
  return {};
}

// A value longer than -I: memcached answers "Too large." and swallows the
// value; a set also drops the key's old value so it cannot go stale.
BinaryHandler::Outcome BinaryHandler::RefuseLargeValue(const Request& req, const OpcodeInfo& info,
                                                       ThreadStats& ts, size_t vlen,
                                                       std::string* out) {
  if (settings_.detail_enabled.load(std::memory_order_relaxed)) prefix_stats_.RecordSet(req.key);
  ts.store_too_large.Inc();
  if (info.base == Opcode::kSet) engine_.Delete(req.key);
  Error(req, Status::kTooLarge, out);
  Outcome o;
  o.swallow = vlen;
  return o;
}

// ---------------------------------------------------------------------------
// delete, incr/decr
// ---------------------------------------------------------------------------

// CAS-checked forms use the engine's meta-protocol calls, which compare the
// CAS under the item's lock (a request CAS of 0 matches anything).
BinaryHandler::Outcome BinaryHandler::Delete(const Request& req, const OpcodeInfo& info,
                                             ThreadStats& ts, std::string* out) {
  if (settings_.detail_enabled.load(std::memory_order_relaxed)) prefix_stats_.RecordDelete(req.key);
  storage::MetaDeleteOptions o;
  o.cas = RequestCas(req, settings_);
  o.has_cas = o.cas != 0;
  switch (engine_.MetaDelete(req.key, o)) {
    case storage::MetaDeleteOutcome::kDeleted:
    case storage::MetaDeleteOutcome::kInvalidated:
      ts.delete_hits.Inc();
      Success(req, info, out);
      break;
    case storage::MetaDeleteOutcome::kExists:
      Error(req, Status::kKeyExists, out);
      break;
    case storage::MetaDeleteOutcome::kNotFound:
      ts.delete_misses.Inc();
      Error(req, Status::kKeyNotFound, out);
      break;
  }
  return {};
}

// Extras: delta (8), initial (8), expiration (4). The reply's body is the
// new value as 8 big-endian bytes, its CAS the item's new CAS. On a miss the
// key is created holding `initial` (flags 0, that expiration) unless the
// expiration is 0xffffffff; like memcached this is a separate add, so a
// racing writer makes it fail with "Not stored.".
BinaryHandler::Outcome BinaryHandler::Arith(const Request& req, const OpcodeInfo& info,
                                            ThreadStats& ts, std::string* out) {
  const bool incr = info.base == Opcode::kIncrement;
  const uint64_t initial = req.ExtrasU64(8);
  const uint32_t expiration = req.ExtrasU32(16);
  storage::MetaArithOptions o;
  o.incr = incr;
  o.delta = req.ExtrasU64(0);
  o.cas = RequestCas(req, settings_);
  uint64_t cas = 0;
  const storage::MetaArithResult r =
      engine_.MetaArith(req.key, o, [&cas](storage::MetaItem& item) { cas = item.cas(); });
  switch (r.outcome) {
    case storage::MetaArithOutcome::kOk:
    case storage::MetaArithOutcome::kCreated:
      (incr ? ts.incr_hits : ts.decr_hits).Inc();
      scratch_.clear();
      b::AppendBe64(&scratch_, r.value);
      Success(req, info, out, cas, scratch_);
      return {};
    case storage::MetaArithOutcome::kExists:
      Error(req, Status::kKeyExists, out);
      return {};
    case storage::MetaArithOutcome::kNonNumeric:
      Error(req, Status::kDeltaBadValue, out);
      return {};
    case storage::MetaArithOutcome::kOutOfMemory:
      Error(req, Status::kOutOfMemory, out, b::kOutOfMemoryIncrementing);
      return {};
    case storage::MetaArithOutcome::kNotStored:
      Error(req, Status::kNotStored, out);
      return {};
    case storage::MetaArithOutcome::kNotFound:
      break;
  }
  if (expiration == kNoCreate) {
    (incr ? ts.incr_misses : ts.decr_misses).Inc();
    Error(req, Status::kKeyNotFound, out);
    return {};
  }
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, initial).ptr;
  const storage::StoreResult s = engine_.Store(storage::StoreMode::kAdd, req.key, 0, expiration,
                                               std::string_view(digits, end - digits));
  switch (s.outcome) {
    case storage::StoreOutcome::kStored:
      scratch_.clear();
      b::AppendBe64(&scratch_, initial);
      Success(req, info, out, s.cas, scratch_);
      break;
    case storage::StoreOutcome::kOutOfMemory:
    case storage::StoreOutcome::kTooLarge:
      Error(req, Status::kOutOfMemory, out, b::kOutOfMemoryNewItem);
      break;
    default:
      Error(req, Status::kNotStored, out);
      break;
  }
  return {};
}

// ---------------------------------------------------------------------------
// Administrative: quit, flush, noop, version, stat, sasl.
// ---------------------------------------------------------------------------

BinaryHandler::Outcome BinaryHandler::Quit(const Request& req, const OpcodeInfo& info,
                                           ThreadStats&, std::string* out) {
  Success(req, info, out);
  Outcome o;
  o.action = DispatchAction::kClose;
  return o;
}

BinaryHandler::Outcome BinaryHandler::Flush(const Request& req, const OpcodeInfo& info,
                                            ThreadStats& ts, std::string* out) {
  if (!settings_.flush_enabled) {
    // memcached answers a disabled flush with an auth error, quiet or not.
    Error(req, Status::kAuthError, out);
    return {};
  }
  ts.cmd_flush.Inc();
  engine_.FlushAll(req.extlen == 4 ? static_cast<int64_t>(req.ExtrasU32(0)) : 0);
  Success(req, info, out);
  return {};
}

BinaryHandler::Outcome BinaryHandler::Noop(const Request& req, const OpcodeInfo& info,
                                           ThreadStats&, std::string* out) {
  Success(req, info, out);
  return {};
}

BinaryHandler::Outcome BinaryHandler::Version(const Request& req, const OpcodeInfo& info,
                                              ThreadStats&, std::string* out) {
  Success(req, info, out, 0, kMemcachedCompatVersion);
  return {};
}

// memcached's process_bin_stat: no key = general stats; "reset", "settings"
// and "detail ..." match as prefixes; "items", "slabs", "sizes",
// "sizes_enable" and "sizes_disable" (its get_stats groups) exactly;
// anything else, "conns" included, is "Not found". Each stat
// is one packet (key = name, value = value), then an empty packet ends it.
BinaryHandler::Outcome BinaryHandler::Stat(const Request& req, const OpcodeInfo&, ThreadStats& ts,
                                           std::string* out) {
  const std::string_view key = req.key;
  protocol::Command cmd;
  cmd.op = protocol::Op::kStats;
  bool lines = true;  // repackage STAT lines (else: only the terminator)
  bool detail_dump = false;
  bool terminator = true;
  if (key.empty()) {
    cmd.args = {};
  } else if (StartsWith(key, "reset")) {
    cmd.args = "reset";
    lines = false;
  } else if (StartsWith(key, "settings")) {
    cmd.args = "settings";
  } else if (StartsWith(key, "detail")) {
    const std::string_view rest = key.substr(6);
    if (StartsWith(rest, " dump")) {
      cmd.args = "detail dump";
      detail_dump = true;
    } else if (StartsWith(rest, " on")) {
      cmd.args = "detail on";
      lines = false;
    } else if (StartsWith(rest, " off")) {
      cmd.args = "detail off";
      lines = false;
    } else {
      Error(req, Status::kKeyNotFound, out);
      return {};
    }
  } else if (key == "items" || key == "slabs" || key == "sizes") {
    cmd.args = key;
  } else if (key == "sizes_enable" || key == "sizes_disable") {
    // As in text, memcached sends these STAT packets with no terminator.
    cmd.args = key;
    terminator = false;
  } else {
    Error(req, Status::kKeyNotFound, out);
    return {};
  }
  scratch_.clear();
  dispatcher_.Execute(cmd, ts, &scratch_);
  if (detail_dump) {
    b::AppendResponse(out, req.opcode, Status::kSuccess, req.opaque, 0, {}, "detailed", scratch_);
  } else if (lines) {
    std::string_view text = scratch_;
    while (!text.empty()) {
      const size_t eol = text.find("\r\n");
      std::string_view line = text.substr(0, eol);
      text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 2);
      if (!StartsWith(line, "STAT ")) continue;
      line.remove_prefix(5);
      const size_t space = line.find(' ');
      const std::string_view name = line.substr(0, space);
      const std::string_view value =
          space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
      b::AppendResponse(out, req.opcode, Status::kSuccess, req.opaque, 0, {}, name, value);
    }
  }
  if (terminator) b::AppendResponse(out, req.opcode, Status::kSuccess, req.opaque, 0, {}, {}, {});
  return {};
}

// SASL is not supported (tandemd refuses -S): memcached without -S answers
// "Unknown command" and swallows what follows the key.
BinaryHandler::Outcome BinaryHandler::Sasl(const Request& req, const OpcodeInfo&, ThreadStats&,
                                           std::string* out) {
  Error(req, Status::kUnknownCommand, out);
  Outcome o;
  o.swallow = req.bodylen - req.keylen;
  return o;
}

}  // namespace tandem::server
