// Binary request parser (see binary_parser.h): a 256-entry opcode table
// and a three-step read.
//
// ParseRequest reads (1) the 24-byte header, checking the magic only once
// all of it is there; (2) extras and key, which every opcode's handling
// needs, and which are consumed whatever the body length says; (3) for a
// well-formed store or concat, the value: its length is checked against -I
// before a byte of it is buffered, so an oversized value is swallowed by the
// connection instead of read into memory. For any other opcode the body past
// extras and key is not consumed: memcached reads the next header from
// there, and so does the connection. An ill-formed request is still kOk
// (well_formed is false): the caller picks the error reply from the header,
// which is all memcached looks at.
//
// RequestToCommand maps the loud base opcode to a Command: quiet forms keep
// the opcode and a quiet flag for the reply writer, GETK/GATK ask for the
// key in the reply, a store with a non-zero CAS becomes a cas, incr/decr
// with expiration 0xffffffff do not create, and `stat` groups follow
// memcached's process_bin_stat matching (StatArgs).
#include "protocol/binary_parser.h"

#include <array>

namespace tandem::protocol::binary {
namespace {

struct TableRow {
  Opcode opcode;
  Shape shape;
  Opcode base;
  bool quiet;
};

// Every opcode memcached 1.6.18 dispatches, with its shape rule and loud
// form. Verbosity (0x1b) is absent on purpose: memcached answers it
// "Unknown command".
constexpr TableRow kRows[] = {
    {Opcode::kGet, Shape::kKey, Opcode::kGet, false},
    {Opcode::kGetQ, Shape::kKey, Opcode::kGet, true},
    {Opcode::kGetK, Shape::kKey, Opcode::kGetK, false},
    {Opcode::kGetKQ, Shape::kKey, Opcode::kGetK, true},
    {Opcode::kSet, Shape::kStore, Opcode::kSet, false},
    {Opcode::kSetQ, Shape::kStore, Opcode::kSet, true},
    {Opcode::kAdd, Shape::kStore, Opcode::kAdd, false},
    {Opcode::kAddQ, Shape::kStore, Opcode::kAdd, true},
    {Opcode::kReplace, Shape::kStore, Opcode::kReplace, false},
    {Opcode::kReplaceQ, Shape::kStore, Opcode::kReplace, true},
    {Opcode::kAppend, Shape::kConcat, Opcode::kAppend, false},
    {Opcode::kAppendQ, Shape::kConcat, Opcode::kAppend, true},
    {Opcode::kPrepend, Shape::kConcat, Opcode::kPrepend, false},
    {Opcode::kPrependQ, Shape::kConcat, Opcode::kPrepend, true},
    {Opcode::kDelete, Shape::kKey, Opcode::kDelete, false},
    {Opcode::kDeleteQ, Shape::kKey, Opcode::kDelete, true},
    {Opcode::kIncrement, Shape::kArith, Opcode::kIncrement, false},
    {Opcode::kIncrementQ, Shape::kArith, Opcode::kIncrement, true},
    {Opcode::kDecrement, Shape::kArith, Opcode::kDecrement, false},
    {Opcode::kDecrementQ, Shape::kArith, Opcode::kDecrement, true},
    {Opcode::kQuit, Shape::kEmpty, Opcode::kQuit, false},
    {Opcode::kQuitQ, Shape::kEmpty, Opcode::kQuit, true},
    {Opcode::kFlush, Shape::kFlush, Opcode::kFlush, false},
    {Opcode::kFlushQ, Shape::kFlush, Opcode::kFlush, true},
    {Opcode::kNoop, Shape::kEmpty, Opcode::kNoop, false},
    {Opcode::kVersion, Shape::kEmpty, Opcode::kVersion, false},
    {Opcode::kStat, Shape::kStat, Opcode::kStat, false},
    {Opcode::kTouch, Shape::kTouch, Opcode::kTouch, false},
    {Opcode::kGat, Shape::kTouch, Opcode::kGat, false},
    {Opcode::kGatQ, Shape::kTouch, Opcode::kGat, true},
    {Opcode::kGatK, Shape::kTouch, Opcode::kGatK, false},
    {Opcode::kGatKQ, Shape::kTouch, Opcode::kGatK, true},
    {Opcode::kSaslListMechs, Shape::kEmpty, Opcode::kSaslListMechs, false},
    {Opcode::kSaslAuth, Shape::kSasl, Opcode::kSaslAuth, false},
    {Opcode::kSaslStep, Shape::kSasl, Opcode::kSaslStep, false},
};

constexpr std::array<OpcodeInfo, 256> BuildTable() {
  std::array<OpcodeInfo, 256> t{};
  for (const TableRow& r : kRows) t[static_cast<uint8_t>(r.opcode)] = OpcodeInfo{r.shape, r.base, r.quiet};
  return t;
}

constexpr std::array<OpcodeInfo, 256> kTable = BuildTable();

uint16_t Be16(const char* p) {
  auto b = [p](int i) { return static_cast<uint16_t>(static_cast<uint8_t>(p[i])); };
  return static_cast<uint16_t>((b(0) << 8) | b(1));
}
uint32_t Be32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t Be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// memcached's per-opcode check in dispatch_bin_command.
bool ShapeHolds(Shape shape, const Request& r) {
  const uint32_t ext = r.extlen;
  const uint32_t key = r.keylen;
  const uint32_t body = r.bodylen;
  switch (shape) {
    case Shape::kUnknown: return false;
    case Shape::kEmpty: return ext == 0 && key == 0 && body == 0;
    case Shape::kFlush: return key == 0 && body == ext && (ext == 0 || ext == 4);
    case Shape::kStore: return ext == 8 && key != 0 && body >= key + 8;
    case Shape::kConcat: return key > 0 && ext == 0;
    case Shape::kKey: return key > 0 && ext == 0 && body == key;
    case Shape::kArith: return key > 0 && ext == 20 && body == key + ext;
    case Shape::kStat: return ext == 0;
    case Shape::kTouch: return ext == 4 && key != 0;
    case Shape::kSasl: return ext == 0 && key != 0;
  }
  return false;
}

}  // namespace

const OpcodeInfo& OpcodeInfoFor(uint8_t opcode) { return kTable[opcode]; }

uint32_t Request::ExtrasU32(size_t offset) const {
  return offset + 4 <= extras.size() ? Be32(extras.data() + offset) : 0;
}
uint64_t Request::ExtrasU64(size_t offset) const {
  return offset + 8 <= extras.size() ? Be64(extras.data() + offset) : 0;
}

ParseResult ParseRequest(std::string_view input, const ParserOptions& options, Request* req) {
  ParseResult result;
  // memcached looks at the magic only once it has a whole header, so even
  // a short text line waits for 24 bytes before the connection is closed.
  if (input.size() < kHeaderSize) return result;
  if (static_cast<uint8_t>(input[0]) != kRequestMagic) {
    result.status = ParseStatus::kBadMagic;
    return result;
  }
  const char* h = input.data();
  req->opcode = static_cast<uint8_t>(h[1]);
  req->keylen = Be16(h + 2);
  req->extlen = static_cast<uint8_t>(h[4]);
  req->datatype = static_cast<uint8_t>(h[5]);
  req->vbucket = Be16(h + 6);
  req->bodylen = Be32(h + 8);
  req->opaque = Be32(h + 12);
  req->cas = Be64(h + 16);
  const size_t head = kHeaderSize + req->extlen + req->keylen;
  if (input.size() < head) return result;
  req->extras = input.substr(kHeaderSize, req->extlen);
  req->key = input.substr(kHeaderSize + req->extlen, req->keylen);
  req->value = {};
  const bool fits = size_t{req->keylen} + req->extlen <= req->bodylen;
  const Shape shape = kTable[req->opcode].shape;
  req->well_formed = fits && ShapeHolds(shape, *req);
  result.status = ParseStatus::kOk;
  result.consumed = head;
  if (req->well_formed && (shape == Shape::kStore || shape == Shape::kConcat)) {
    const size_t vlen = req->bodylen - req->extlen - req->keylen;
    if (vlen > options.max_value) {
      result.status = ParseStatus::kValueTooLarge;
      result.swallow = vlen;
      return result;
    }
    if (input.size() - head < vlen) {
      result.status = ParseStatus::kNeedMore;
      result.consumed = 0;
      return result;
    }
    req->value = input.substr(head, vlen);
    result.consumed = head + vlen;
  }
  return result;
}

// ---------------------------------------------------------------------------
// Request -> Command
// ---------------------------------------------------------------------------

namespace {

// incr/decr with this expiration fail on a miss instead of creating.
constexpr uint32_t kNoCreate = 0xffffffff;

// memcached's process_bin_stat: no key = general stats; "reset", "settings"
// and "detail ..." match as prefixes; "items", "slabs", "sizes",
// "sizes_enable" and "sizes_disable" (its get_stats groups) exactly;
// anything else, "conns" included, is "Not found".
bool StatArgs(std::string_view key, std::string_view* args) {
  if (key.empty()) {
    *args = {};
  } else if (key.starts_with("reset")) {
    *args = "reset";
  } else if (key.starts_with("settings")) {
    *args = "settings";
  } else if (key.starts_with("detail")) {
    const std::string_view rest = key.substr(6);
    if (rest.starts_with(" dump")) {
      *args = "detail dump";
    } else if (rest.starts_with(" on")) {
      *args = "detail on";
    } else if (rest.starts_with(" off")) {
      *args = "detail off";
    } else {
      return false;
    }
  } else if (key == "items" || key == "slabs" || key == "sizes" || key == "sizes_enable" ||
             key == "sizes_disable") {
    *args = key;
  } else {
    return false;
  }
  return true;
}

Op StoreOp(Opcode base) {
  switch (base) {
    case Opcode::kAdd: return Op::kAdd;
    case Opcode::kReplace: return Op::kReplace;
    case Opcode::kAppend: return Op::kAppend;
    case Opcode::kPrepend: return Op::kPrepend;
    default: return Op::kSet;
  }
}

}  // namespace

bool RequestToCommand(const Request& req, bool value_too_large, const ParserOptions& options,
                      Command* cmd) {
  const OpcodeInfo& info = OpcodeInfoFor(req.opcode);
  cmd->Reset();
  cmd->protocol = Protocol::kBinary;
  cmd->binary = BinaryFrame{};
  cmd->binary.opcode = req.opcode;
  cmd->binary.opaque = req.opaque;
  cmd->binary.quiet = info.quiet;
  cmd->policy.count_refused_set = false;
  cmd->key = req.key;
  cmd->value = req.value;
  cmd->value_too_large = value_too_large;
  // A request CAS of 0 means "no CAS".
  cmd->cas_unique = options.use_cas ? req.cas : 0;
  switch (info.base) {
    case Opcode::kGet:
    case Opcode::kGetK:
      cmd->op = Op::kGet;
      cmd->keys.push_back(req.key);
      cmd->binary.with_key = info.base == Opcode::kGetK;
      return true;
    case Opcode::kTouch:
    case Opcode::kGat:
    case Opcode::kGatK:
      cmd->op = Op::kGat;
      cmd->keys.push_back(req.key);
      cmd->exptime = req.ExtrasU32(0);
      cmd->binary.with_key = info.base == Opcode::kGatK;
      cmd->binary.with_value = info.base != Opcode::kTouch;
      return true;
    case Opcode::kSet:
    case Opcode::kAdd:
    case Opcode::kReplace:
      cmd->client_flags = req.ExtrasU32(0);
      cmd->exptime = req.ExtrasU32(4);
      // memcached: any store with a CAS is a cas.
      cmd->op = cmd->cas_unique != 0 ? Op::kCas : StoreOp(info.base);
      cmd->policy.drop_old_when_too_large = info.base == Opcode::kSet;
      return true;
    case Opcode::kAppend:
    case Opcode::kPrepend:
      cmd->op = StoreOp(info.base);
      return true;
    case Opcode::kDelete: cmd->op = Op::kDelete; return true;
    case Opcode::kIncrement:
    case Opcode::kDecrement: {
      cmd->op = info.base == Opcode::kIncrement ? Op::kIncr : Op::kDecr;
      cmd->delta = req.ExtrasU64(0);
      cmd->initial = req.ExtrasU64(8);
      const uint32_t expiration = req.ExtrasU32(16);
      cmd->exptime = expiration;
      cmd->policy.arith_creates = expiration != kNoCreate;
      return true;
    }
    case Opcode::kQuit: cmd->op = Op::kQuit; return true;
    case Opcode::kFlush:
      cmd->op = Op::kFlushAll;
      cmd->has_number = req.extlen == 4;
      cmd->number = cmd->has_number ? static_cast<int64_t>(req.ExtrasU32(0)) : 0;
      return true;
    case Opcode::kNoop: cmd->op = Op::kMetaNoop; return true;
    case Opcode::kVersion: cmd->op = Op::kVersion; return true;
    case Opcode::kStat:
      cmd->op = Op::kStats;
      return StatArgs(req.key, &cmd->args);
    default: return false;
  }
}

}  // namespace tandem::protocol::binary
