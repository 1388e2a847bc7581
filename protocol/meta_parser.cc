// Meta parser implementation.
//
// Shape: frame the line, split it into at most 23 tokens, pick the command
// from its second letter, run memcached's per-command checks, then walk the
// flags with one table that says, per letter, what the flag's token holds
// and which error a bad token earns. memcached's _meta_flag_preparse keeps
// going after a bad token and lets a later bad token overwrite the error
// text, while an unknown or repeated letter stops it at once; the walk below
// does the same.
#include "protocol/meta_parser.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "protocol/error_strings.h"
#include "protocol/tokenizer.h"

namespace tandem::protocol {
namespace {

// ---------------------------------------------------------------------------
// Results.
// ---------------------------------------------------------------------------

ParseResult Ok(size_t consumed, size_t swallow = 0) {
  ParseResult r;
  r.status = ParseStatus::kOk;
  r.consumed = consumed;
  r.swallow = swallow;
  return r;
}

ParseResult Fail(size_t consumed, std::string_view error_line, size_t swallow = 0) {
  ParseResult r;
  r.status = ParseStatus::kError;
  r.consumed = consumed;
  r.error_line = error_line;
  r.swallow = swallow;
  return r;
}

// memcached answers an over-long line without '\n' by closing.
ParseResult Close(size_t consumed) {
  ParseResult r = Fail(consumed, {});
  r.close_connection = true;
  return r;
}

// ---------------------------------------------------------------------------
// The flag table.
// ---------------------------------------------------------------------------

enum class FlagKind : uint8_t {
  kInvalid,  // not a meta flag: "invalid flag"
  kKnown,    // accepted, nothing to decode (return flags, P, L)
  kSwitch,   // sets a bool
  kInt32,    // safe_strtol token into an int64_t, sets a bool
  kUint32,   // safe_strtoul token
  kUint64,   // safe_strtoull token, optionally sets a bool
  kMode,     // M: exactly one mode character
  kBase64,   // b: decode the key
  kOpaque,   // O: copied back; too long is reported later
};

struct FlagSpec {
  FlagKind kind = FlagKind::kInvalid;
  bool MetaCommand::*present = nullptr;
  int64_t MetaCommand::*i64 = nullptr;
  uint32_t MetaCommand::*u32 = nullptr;
  uint64_t MetaCommand::*u64 = nullptr;
  // Error text for a bad token; empty keeps the text so far (memcached's F).
  std::string_view error;
};

using FlagTable = std::array<FlagSpec, 128>;

constexpr FlagSpec Spec(FlagKind kind, bool MetaCommand::*present = nullptr,
                        std::string_view error = {}) {
  FlagSpec f;
  f.kind = kind;
  f.present = present;
  f.error = error;
  return f;
}

constexpr FlagTable MakeFlagTable() {
  FlagTable t{};
  for (char c : std::string_view("klstcfhPL")) t[static_cast<size_t>(c)].kind = FlagKind::kKnown;
  t['v'] = Spec(FlagKind::kSwitch, &MetaCommand::return_value);
  t['u'] = Spec(FlagKind::kSwitch, &MetaCommand::no_bump);
  t['q'] = Spec(FlagKind::kSwitch, &MetaCommand::quiet);
  t['I'] = Spec(FlagKind::kSwitch, &MetaCommand::invalidate);
  t['N'] = Spec(FlagKind::kInt32, &MetaCommand::vivify, kClientErrorBadToken);
  t['N'].i64 = &MetaCommand::vivify_ttl;
  t['T'] = Spec(FlagKind::kInt32, &MetaCommand::has_ttl, kClientErrorBadToken);
  t['T'].i64 = &MetaCommand::ttl;
  t['R'] = Spec(FlagKind::kInt32, &MetaCommand::has_recache, kClientErrorBadToken);
  t['R'].i64 = &MetaCommand::recache_ttl;
  t['F'] = Spec(FlagKind::kUint32);  // a bad F keeps the error text so far
  t['F'].u32 = &MetaCommand::client_flags;
  t['C'] = Spec(FlagKind::kUint64, &MetaCommand::has_cas, kClientErrorBadToken);
  t['C'].u64 = &MetaCommand::cas;
  t['J'] = Spec(FlagKind::kUint64, nullptr, kClientErrorInvalidInitialValue);
  t['J'].u64 = &MetaCommand::initial;
  t['D'] = Spec(FlagKind::kUint64, nullptr, kClientErrorInvalidDeltaValue);
  t['D'].u64 = &MetaCommand::delta;
  t['M'] = Spec(FlagKind::kMode, nullptr, kClientErrorMTokenLength);
  t['b'] = Spec(FlagKind::kBase64, &MetaCommand::base64, kClientErrorErrorDecodingKey);
  t['O'] = Spec(FlagKind::kOpaque);
  return t;
}

inline constexpr FlagTable kFlags = MakeFlagTable();

// Walks the flag tokens. Returns true when all parsed; otherwise *error is
// the reply memcached would send (starting from `error`'s initial text).
bool ParseFlags(std::span<const std::string_view> tokens, MetaCommand* cmd,
                std::string_view* error) {
  std::array<bool, 128> seen{};
  bool failed = false;
  for (std::string_view token : tokens) {
    const auto letter = static_cast<unsigned char>(token[0]);
    if (letter >= 127 || seen[letter]) {
      *error = kClientErrorDuplicateFlag;
      return false;
    }
    seen[letter] = true;
    const FlagSpec& spec = kFlags[letter];
    const std::string_view arg = token.substr(1);
    bool ok = true;
    switch (spec.kind) {
      case FlagKind::kInvalid:
        *error = kClientErrorInvalidFlag;
        return false;
      case FlagKind::kKnown:
        break;
      case FlagKind::kSwitch:
        cmd->*spec.present = true;
        break;
      case FlagKind::kInt32: {
        int32_t v;
        ok = TokenToInt32(arg, &v);
        if (ok) {
          cmd->*spec.i64 = v;
          cmd->*spec.present = true;
        }
        break;
      }
      case FlagKind::kUint32:
        ok = TokenToUint32(arg, &(cmd->*spec.u32));
        break;
      case FlagKind::kUint64:
        ok = TokenToUint64(arg, &(cmd->*spec.u64));
        if (ok && spec.present != nullptr) cmd->*spec.present = true;
        break;
      case FlagKind::kMode:
        ok = token.size() == 2;
        if (ok) cmd->mode = token[1];
        break;
      case FlagKind::kBase64:
        cmd->base64 = true;
        ok = Base64Decode(cmd->key, &cmd->key_buffer);
        cmd->key = ok ? std::string_view(cmd->key_buffer) : std::string_view();
        break;
      case FlagKind::kOpaque:
        if (token.size() > kMaxMetaOpaque) cmd->opaque_too_long = true;
        break;
    }
    if (!ok) {
      failed = true;
      if (!spec.error.empty()) *error = spec.error;
    }
    if (cmd->flag_count < cmd->flags.size()) {
      cmd->flags[cmd->flag_count++] = MetaFlag{static_cast<char>(letter), token};
    }
  }
  return !failed;
}

// ---------------------------------------------------------------------------
// Commands.
// ---------------------------------------------------------------------------

// memcached's MFLAG_MAX_OPT_LENGTH: 20 tokens counting its terminal one.
inline constexpr size_t kMaxMetaTokens = 19;

struct Request {
  std::string_view input;
  Line line;
  std::span<const std::string_view> tokens;
  const MetaParserOptions* options;
};

bool KeyTooLong(const Request& req) { return req.tokens[1].size() > kMaxKeyLength; }

ParseResult LineError(const Request& req, std::string_view error) {
  return Fail(req.line.length, error);
}

ParseResult ParseGet(const Request& req, MetaCommand* cmd) {
  if (KeyTooLong(req)) return LineError(req, kClientErrorBadFormat);
  if (req.tokens.size() >= kMaxMetaTokens + 1) {
    return LineError(req, kClientErrorOptionsTooLongMg);
  }
  std::string_view error = kClientErrorBadFormat;
  if (!ParseFlags(req.tokens.subspan(2), cmd, &error)) return LineError(req, error);
  return Ok(req.line.length);
}

// md and ma share everything up to their flags; any flag error is the
// same "invalid or duplicate flag".
ParseResult ParseDeleteOrArith(const Request& req, MetaCommand* cmd) {
  if (KeyTooLong(req)) return LineError(req, kClientErrorBadFormat);
  if (req.tokens.size() >= kMaxMetaTokens + 1) {
    return LineError(req, kClientErrorOptionsTooLongMs);
  }
  std::string_view error;
  if (!ParseFlags(req.tokens.subspan(2), cmd, &error)) {
    return LineError(req, kClientErrorInvalidOrDuplicateFlag);
  }
  if (cmd->op == MetaOp::kDelete) {
    // md copies its opaque before touching the item.
    if (cmd->opaque_too_long) return LineError(req, kClientErrorOpaqueTooLong);
    return Ok(req.line.length);
  }
  static constexpr std::string_view kArithModes("I+D-", 5);  // '\0': none given
  if (kArithModes.find(cmd->mode) == std::string_view::npos) {
    return LineError(req, kClientErrorInvalidMaMode);
  }
  return Ok(req.line.length);
}

ParseResult ParseSet(const Request& req, MetaCommand* cmd) {
  if (KeyTooLong(req)) return LineError(req, kClientErrorBadFormat);
  if (req.tokens.size() == 2) return LineError(req, kClientErrorBadFormat);
  if (req.tokens.size() >= kMaxMetaTokens + 1) {
    return LineError(req, kClientErrorOptionsTooLongMs);
  }
  int32_t vlen;
  if (!TokenToInt32(req.tokens[2], &vlen) || vlen < 0 || vlen > INT32_MAX - 2) {
    return LineError(req, kClientErrorBadFormat);
  }
  // From here on an error also swallows the data block.
  const size_t total = static_cast<size_t>(vlen) + 2;
  const std::string_view after_line = req.input.substr(req.line.length);
  const size_t present = std::min(after_line.size(), total);
  auto swallow_error = [&](std::string_view error) {
    return Fail(req.line.length + present, error, total - present);
  };
  std::string_view error = kClientErrorBadFormat;
  if (!ParseFlags(req.tokens.subspan(3), cmd, &error)) return swallow_error(error);
  static constexpr std::string_view kSetModes("EAPRS", 6);  // '\0': none given
  if (kSetModes.find(cmd->mode) == std::string_view::npos) {
    return swallow_error(kClientErrorInvalidMsMode);
  }
  if (cmd->opaque_too_long) return swallow_error(kClientErrorOpaqueTooLong);
  if (static_cast<size_t>(vlen) > req.options->item_size_max) {
    cmd->value_too_large = true;
    return Ok(req.line.length + present, total - present);
  }
  if (after_line.size() < total) return ParseResult{};  // need the data
  const std::string_view block = after_line.substr(0, total);
  if (block.substr(static_cast<size_t>(vlen)) != "\r\n") {
    return Fail(req.line.length + total, kClientErrorBadDataChunk);
  }
  cmd->value = block.substr(0, static_cast<size_t>(vlen));
  return Ok(req.line.length + total);
}

// me <key> [b]: no flag checks; only an exact "b" third token decodes.
ParseResult ParseDebug(const Request& req, MetaCommand* cmd) {
  if (KeyTooLong(req)) return LineError(req, kClientErrorBadFormat);
  if (req.tokens.size() >= 3 && req.tokens[2] == "b") {
    cmd->base64 = true;
    if (!Base64Decode(cmd->key, &cmd->key_buffer)) return LineError(req, kClientErrorBadFormat);
    cmd->key = cmd->key_buffer;
  }
  return Ok(req.line.length);
}

struct CommandSpec {
  char letter;  // the second letter of the command
  MetaOp op;
  ParseResult (*parse)(const Request&, MetaCommand*);
  std::string_view no_key_error;  // the reply to a line without a key
};

inline constexpr std::array kCommands = {
    CommandSpec{'g', MetaOp::kGet, ParseGet, kError},
    CommandSpec{'s', MetaOp::kSet, ParseSet, kError},
    CommandSpec{'d', MetaOp::kDelete, ParseDeleteOrArith, kError},
    CommandSpec{'a', MetaOp::kArith, ParseDeleteOrArith, kError},
    CommandSpec{'e', MetaOp::kDebug, ParseDebug, kClientErrorBadFormat},
    CommandSpec{'n', MetaOp::kNoop, nullptr, {}},
};

// Same rule as the text parser: wait for up to 2048 bytes of line, then
// close (a meta line is never a multi-get).
ParseResult IncompleteLine(std::string_view input) {
  if (input.size() <= kMaxCommandLine) return ParseResult{};
  return Close(input.size());
}

}  // namespace

bool IsMetaLine(std::string_view line) {
  std::string_view rest = line;
  const std::string_view first = NextToken(&rest);
  return first.size() == 2 && first[0] == 'm';
}

ParseResult ParseMetaCommand(std::string_view input, const MetaParserOptions& options,
                             MetaCommand* cmd) {
  const std::optional<Line> line = FindLine(input);
  if (!line) {
    cmd->Reset();
    return IncompleteLine(input);
  }
  return ParseMetaLine(input, *line, options, cmd);
}

ParseResult ParseMetaLine(std::string_view input, const Line& framed,
                          const MetaParserOptions& options, MetaCommand* cmd) {
  cmd->Reset();
  const Line* line = &framed;
  std::array<std::string_view, kMaxLineTokens> tokens;
  std::string_view rest;
  const size_t count = Tokenize(line->text, tokens, &rest);
  Request req{input, *line, std::span<const std::string_view>(tokens.data(), count), &options};
  if (count == 0 || tokens[0].size() != 2 || tokens[0][0] != 'm') {
    return Fail(line->length, kError);
  }
  for (const CommandSpec& spec : kCommands) {
    if (spec.letter != tokens[0][1]) continue;
    cmd->op = spec.op;
    if (spec.op == MetaOp::kNoop) return Ok(line->length);  // mn ignores the rest
    if (count < 2) return Fail(line->length, spec.no_key_error);
    cmd->key = tokens[1];
    return spec.parse(req, cmd);
  }
  return Fail(line->length, kError);
}

ParseResult ParseMetaCommand(std::string_view input, const MetaParserOptions& options,
                             Command* cmd) {
  const std::optional<Line> line = FindLine(input);
  if (!line) {
    cmd->Reset();
    cmd->meta.Reset();
    return IncompleteLine(input);
  }
  return ParseMetaLine(input, *line, options, cmd);
}

ParseResult ParseMetaLine(std::string_view input, const Line& line,
                          const MetaParserOptions& options, Command* cmd) {
  cmd->Reset();
  cmd->protocol = Protocol::kMeta;
  // memcached drops the old item on any failed ms allocation.
  cmd->policy.drop_old_when_too_large = true;
  cmd->policy.cas_mismatch_is_delete_miss = true;
  cmd->policy.prefix_stats = false;
  const ParseResult r = ParseMetaLine(input, line, options, &cmd->meta);
  if (r.status != ParseStatus::kOk) return r;
  const MetaCommand& m = cmd->meta;
  switch (m.op) {
    case MetaOp::kGet: cmd->op = Op::kMetaGet; break;
    case MetaOp::kSet: cmd->op = Op::kMetaSet; break;
    case MetaOp::kDelete: cmd->op = Op::kMetaDelete; break;
    case MetaOp::kArith: cmd->op = Op::kMetaArith; break;
    case MetaOp::kDebug: cmd->op = Op::kMetaDebug; break;
    case MetaOp::kNoop: cmd->op = Op::kMetaNoop; break;
    case MetaOp::kNone: cmd->op = Op::kNone; break;
  }
  cmd->key = m.key;
  cmd->value = m.value;
  cmd->value_too_large = m.value_too_large;
  cmd->client_flags = m.client_flags;
  cmd->exptime = m.ttl;
  cmd->cas_unique = m.cas;
  cmd->delta = m.delta;
  cmd->initial = m.initial;
  return r;
}

// ---------------------------------------------------------------------------
// base64, as memcached's base64.c.
// ---------------------------------------------------------------------------

namespace {

inline constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr uint8_t kNotBase64 = 0x80;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kNotBase64;
  for (size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    t[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<uint8_t>(i);
  }
  t['='] = 0;
  return t;
}

inline constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  size_t count = 0;
  for (char c : in) {
    if (kDecode[static_cast<uint8_t>(c)] != kNotBase64) ++count;
  }
  if (count == 0 || count % 4 != 0) return false;
  uint8_t block[4];
  size_t n = 0;
  int pad = 0;
  for (char c : in) {
    const uint8_t v = kDecode[static_cast<uint8_t>(c)];
    if (v == kNotBase64) continue;
    if (c == '=') ++pad;
    block[n++] = v;
    if (n < 4) continue;
    n = 0;
    out->push_back(static_cast<char>((block[0] << 2) | (block[1] >> 4)));
    out->push_back(static_cast<char>((block[1] << 4) | (block[2] >> 2)));
    out->push_back(static_cast<char>((block[2] << 6) | block[3]));
    if (pad != 0) {
      if (pad > 2) return false;  // invalid padding
      out->resize(out->size() - static_cast<size_t>(pad));
      break;
    }
  }
  return !out->empty();
}

void Base64Encode(std::string_view in, std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t left = in.size();
  for (; left >= 3; left -= 3, p += 3) {
    out->push_back(kBase64Alphabet[p[0] >> 2]);
    out->push_back(kBase64Alphabet[((p[0] & 0x03) << 4) | (p[1] >> 4)]);
    out->push_back(kBase64Alphabet[((p[1] & 0x0f) << 2) | (p[2] >> 6)]);
    out->push_back(kBase64Alphabet[p[2] & 0x3f]);
  }
  if (left == 0) return;
  out->push_back(kBase64Alphabet[p[0] >> 2]);
  if (left == 1) {
    out->push_back(kBase64Alphabet[(p[0] & 0x03) << 4]);
    out->push_back('=');
  } else {
    out->push_back(kBase64Alphabet[((p[0] & 0x03) << 4) | (p[1] >> 4)]);
    out->push_back(kBase64Alphabet[(p[1] & 0x0f) << 2]);
  }
  out->push_back('=');
}

}  // namespace tandem::protocol
