// Text parser implementation.
//
// Shape: frame the line, split it into at most 23 tokens (memcached's limit;
// only get-family keys continue past it), look the command name up in one
// table that also holds its token-count bounds and its argument parser, then
// run that parser. Each argument parser checks in memcached's order, because
// the order decides which error a malformed line earns and whether noreply
// (which memcached notes before validating) silences it.
#include "protocol/text_parser.h"

#include <algorithm>
#include <array>
#include <climits>
#include <span>

#include "protocol/error_strings.h"
#include "protocol/tokenizer.h"

namespace tandem::protocol {
namespace {

// Everything an argument parser needs about the request being parsed.
struct Request {
  std::string_view input;                    // the caller's whole buffer
  Line line;                                 // the framed command line
  std::span<const std::string_view> tokens;  // tokens[0] is the command
  std::string_view rest;                     // line beyond the 23rd token
  const TextParserOptions* options;
};

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

ParseResult Fail(size_t consumed, std::string_view error_line) {
  ParseResult r;
  r.status = ParseStatus::kError;
  r.consumed = consumed;
  r.error_line = error_line;
  return r;
}

// memcached closes without replying.
ParseResult Close(size_t consumed) {
  ParseResult r = Fail(consumed, {});
  r.close_connection = true;
  return r;
}

ParseResult NeedMore() { return ParseResult{}; }

// Most errors consume just the command line: any data block that follows is
// then read as the next command, exactly as memcached does.
ParseResult LineError(const Request& req, std::string_view error_line) {
  return Fail(req.line.length, error_line);
}

// ---------------------------------------------------------------------------
// Shared argument checks.
// ---------------------------------------------------------------------------

// memcached's set_noreply_maybe: only the last token can be "noreply".
bool LastTokenIsNoreply(const Request& req) {
  return req.tokens.back() == "noreply";
}

bool KeyTooLong(std::string_view key) { return key.size() > kMaxKeyLength; }

// Everything after the command name, without surrounding spaces.
std::string_view ArgsAfterCommand(const Request& req) {
  const std::string_view name = req.tokens[0];
  const size_t offset = name.data() + name.size() - req.line.text.data();
  return TrimSpaces(req.line.text.substr(offset));
}

// ---------------------------------------------------------------------------
// Argument parsers, one per command family.
// ---------------------------------------------------------------------------

// get/gets/gat/gats/bget: [exptime] key*; no noreply.
ParseResult ParseRetrieval(const Request& req, Command* cmd) {
  size_t first_key = 1;
  if (cmd->op == Op::kGat || cmd->op == Op::kGats) {
    int32_t exptime;
    if (!TokenToInt32(req.tokens[1], &exptime)) {
      return LineError(req, kClientErrorInvalidExptime);
    }
    cmd->exptime = exptime;
    first_key = 2;
  }
  // One bad key fails the whole request, hits before it included.
  for (size_t i = first_key; i < req.tokens.size(); ++i) {
    if (KeyTooLong(req.tokens[i])) return LineError(req, kClientErrorBadFormat);
    cmd->keys.push_back(req.tokens[i]);
  }
  std::string_view rest = req.rest;
  for (std::string_view key = NextToken(&rest); !key.empty();
       key = NextToken(&rest)) {
    if (KeyTooLong(key)) return LineError(req, kClientErrorBadFormat);
    cmd->keys.push_back(key);
  }
  return Ok(req.line.length);
}

// Reads the data block of a storage command whose line parsed cleanly.
ParseResult ReadDataBlock(const Request& req, size_t vlen, Command* cmd) {
  const size_t total = vlen + 2;  // data + "\r\n"
  const std::string_view after_line = req.input.substr(req.line.length);
  if (vlen > req.options->item_size_max) {
    // memcached swallows exactly total bytes, terminator unchecked.
    cmd->value_too_large = true;
    const size_t present = std::min(after_line.size(), total);
    return Ok(req.line.length + present, total - present);
  }
  if (after_line.size() < total) return NeedMore();
  const std::string_view block = after_line.substr(0, total);
  if (block.substr(vlen) != "\r\n") {
    // The whole block is eaten; whatever follows is the next command.
    return Fail(req.line.length + total, kClientErrorBadDataChunk);
  }
  cmd->value = block.substr(0, vlen);
  return Ok(req.line.length + total);
}

// set/add/replace/append/prepend key flags exptime bytes [noreply]
// cas key flags exptime bytes cas_unique [noreply]
ParseResult ParseStorage(const Request& req, Command* cmd) {
  cmd->noreply = LastTokenIsNoreply(req);
  // memcached's text set (and only set) drops the old value when its data
  // block is too large, so a failed set never leaves stale data (a set the
  // engine refuses drops it inside the engine).
  cmd->policy.drop_old_when_too_large = cmd->op == Op::kSet;
  cmd->key = req.tokens[1];
  if (KeyTooLong(cmd->key)) return LineError(req, kClientErrorBadFormat);
  int32_t exptime;
  int32_t vlen;
  if (!TokenToUint32(req.tokens[2], &cmd->client_flags) ||
      !TokenToInt32(req.tokens[3], &exptime) ||
      !TokenToInt32(req.tokens[4], &vlen)) {
    return LineError(req, kClientErrorBadFormat);
  }
  cmd->exptime = exptime;
  if (cmd->op == Op::kCas && !TokenToUint64(req.tokens[5], &cmd->cas_unique)) {
    return LineError(req, kClientErrorBadFormat);
  }
  if (vlen < 0 || vlen > INT_MAX - 2) {
    return LineError(req, kClientErrorBadFormat);
  }
  return ReadDataBlock(req, static_cast<size_t>(vlen), cmd);
}

// incr/decr key delta [noreply]
ParseResult ParseArithmetic(const Request& req, Command* cmd) {
  cmd->noreply = LastTokenIsNoreply(req);
  cmd->key = req.tokens[1];
  if (KeyTooLong(cmd->key)) return LineError(req, kClientErrorBadFormat);
  if (!TokenToUint64(req.tokens[2], &cmd->delta)) {
    return LineError(req, kClientErrorInvalidDelta);
  }
  return Ok(req.line.length);
}

// touch key exptime [noreply]
ParseResult ParseTouch(const Request& req, Command* cmd) {
  cmd->noreply = LastTokenIsNoreply(req);
  cmd->key = req.tokens[1];
  if (KeyTooLong(cmd->key)) return LineError(req, kClientErrorBadFormat);
  int32_t exptime;
  if (!TokenToInt32(req.tokens[2], &exptime)) {
    return LineError(req, kClientErrorInvalidExptime);
  }
  cmd->exptime = exptime;
  return Ok(req.line.length);
}

// delete key [0] [noreply]: the old hold time survives only as a literal
// "0"; anything else earns the usage line.
ParseResult ParseDelete(const Request& req, Command* cmd) {
  const size_t n = req.tokens.size();
  if (n > 2) {
    const bool hold_is_zero = req.tokens[2] == "0";
    cmd->noreply = LastTokenIsNoreply(req);
    const bool valid = (n == 3 && (hold_is_zero || cmd->noreply)) ||
                       (n == 4 && hold_is_zero && cmd->noreply);
    if (!valid) return LineError(req, kClientErrorDeleteUsage);
  }
  cmd->key = req.tokens[1];
  if (KeyTooLong(cmd->key)) return LineError(req, kClientErrorBadFormat);
  return Ok(req.line.length);
}

// flush_all [delay] [noreply]
ParseResult ParseFlushAll(const Request& req, Command* cmd) {
  cmd->noreply = LastTokenIsNoreply(req);
  if (req.tokens.size() != (cmd->noreply ? 2u : 1u)) {
    int32_t delay;
    if (!TokenToInt32(req.tokens[1], &delay)) {
      return LineError(req, kClientErrorInvalidExptime);
    }
    cmd->number = delay;
    cmd->has_number = true;
  }
  return Ok(req.line.length);
}

// verbosity level [noreply]
ParseResult ParseVerbosity(const Request& req, Command* cmd) {
  cmd->noreply = LastTokenIsNoreply(req);
  uint32_t level;
  if (!TokenToUint32(req.tokens[1], &level)) {
    return LineError(req, kClientErrorBadFormat);
  }
  cmd->number = level;
  return Ok(req.line.length);
}

// cache_memlimit megabytes [noreply]: a bad number is plain "ERROR".
ParseResult ParseMemlimit(const Request& req, Command* cmd) {
  cmd->noreply = LastTokenIsNoreply(req);
  uint32_t megabytes;
  if (!TokenToUint32(req.tokens[1], &megabytes)) {
    return LineError(req, kError);
  }
  cmd->number = megabytes;
  return Ok(req.line.length);
}

// version, quit: extra tokens are ignored.
ParseResult ParseNoArgs(const Request& req, Command*) {
  return Ok(req.line.length);
}

// refresh_certs [anything] [noreply]: memcached looks only for noreply.
ParseResult ParseNoreplyOnly(const Request& req, Command* cmd) {
  cmd->noreply = LastTokenIsNoreply(req);
  return Ok(req.line.length);
}

// stats [args...], shutdown [graceful]: the executor interprets args
// (memcached checks shutdown's enable flag before its argument).
ParseResult ParseArgs(const Request& req, Command* cmd) {
  cmd->args = ArgsAfterCommand(req);
  return Ok(req.line.length);
}

// extstore <setting> <value> [noreply], watch [events...]: the executor
// checks the words.
ParseResult ParseArgsNoreply(const Request& req, Command* cmd) {
  cmd->noreply = LastTokenIsNoreply(req);
  cmd->args = ArgsAfterCommand(req);
  return Ok(req.line.length);
}

// ---------------------------------------------------------------------------
// The command table.
// ---------------------------------------------------------------------------

using ArgParser = ParseResult (*)(const Request&, Command*);

inline constexpr size_t kUnbounded = SIZE_MAX;

// Token counts include the command name and follow memcached's WANT_TOKENS
// checks; a count outside [min_tokens, max_tokens] is "ERROR".
struct CommandSpec {
  std::string_view name;
  Op op;
  size_t min_tokens;
  size_t max_tokens;
  ArgParser parse;
};

inline constexpr std::array kCommands = {
    CommandSpec{"get", Op::kGet, 2, kUnbounded, ParseRetrieval},
    CommandSpec{"set", Op::kSet, 5, 6, ParseStorage},
    CommandSpec{"gets", Op::kGets, 2, kUnbounded, ParseRetrieval},
    CommandSpec{"delete", Op::kDelete, 2, 4, ParseDelete},
    CommandSpec{"incr", Op::kIncr, 3, 4, ParseArithmetic},
    CommandSpec{"decr", Op::kDecr, 3, 4, ParseArithmetic},
    CommandSpec{"touch", Op::kTouch, 3, 4, ParseTouch},
    CommandSpec{"gat", Op::kGat, 2, kUnbounded, ParseRetrieval},
    CommandSpec{"gats", Op::kGats, 2, kUnbounded, ParseRetrieval},
    CommandSpec{"add", Op::kAdd, 5, 6, ParseStorage},
    CommandSpec{"replace", Op::kReplace, 5, 6, ParseStorage},
    CommandSpec{"append", Op::kAppend, 5, 6, ParseStorage},
    CommandSpec{"prepend", Op::kPrepend, 5, 6, ParseStorage},
    CommandSpec{"cas", Op::kCas, 6, 7, ParseStorage},
    // memcached still answers the long-gone "bget" as a plain get.
    CommandSpec{"bget", Op::kGet, 2, kUnbounded, ParseRetrieval},
    CommandSpec{"flush_all", Op::kFlushAll, 1, 3, ParseFlushAll},
    CommandSpec{"version", Op::kVersion, 1, kUnbounded, ParseNoArgs},
    CommandSpec{"verbosity", Op::kVerbosity, 2, 3, ParseVerbosity},
    CommandSpec{"quit", Op::kQuit, 1, kUnbounded, ParseNoArgs},
    CommandSpec{"shutdown", Op::kShutdown, 1, kUnbounded, ParseArgs},
    CommandSpec{"cache_memlimit", Op::kCacheMemlimit, 2, 3, ParseMemlimit},
    CommandSpec{"stats", Op::kStats, 1, kUnbounded, ParseArgs},
    CommandSpec{"slabs", Op::kSlabs, 2, kUnbounded, ParseArgs},
    CommandSpec{"lru_crawler", Op::kLruCrawler, 2, kUnbounded, ParseArgs},
    CommandSpec{"extstore", Op::kExtstore, 1, kUnbounded, ParseArgsNoreply},
    CommandSpec{"watch", Op::kWatch, 1, kUnbounded, ParseArgsNoreply},
    CommandSpec{"lru", Op::kLru, 2, kUnbounded, ParseArgs},
    CommandSpec{"mn", Op::kMetaNoop, 1, kUnbounded, ParseNoArgs},
    CommandSpec{"refresh_certs", Op::kRefreshCerts, 1, kUnbounded, ParseNoreplyOnly},
};

const CommandSpec* FindCommand(std::string_view name) {
  for (const CommandSpec& spec : kCommands) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// memcached routes on these first letters before it tries every other name,
// so an unknown word starting with one of them is a plain "ERROR"; other
// unknown lines ending in an "HTTP/..." token make it hang up.
inline constexpr std::string_view kRoutedFirstLetters = "gsacidt";

ParseResult UnknownCommand(const Request& req) {
  const std::string_view name = req.tokens[0];
  const bool meta = name.size() == 2 && name[0] == 'm';  // mg, ms, mn, ...
  const bool routed =
      kRoutedFirstLetters.find(name[0]) != std::string_view::npos;
  if (!meta && !routed && req.tokens.back().starts_with("HTTP/")) {
    return Close(req.line.length);
  }
  return LineError(req, kError);
}

// ---------------------------------------------------------------------------
// Lines without a newline yet.
// ---------------------------------------------------------------------------

// memcached waits for more of a line up to 2048 bytes; past that only a
// multi-get ("get " or "gets " after at most 100 spaces) may keep growing,
// anything else is junk and the connection is closed.
ParseResult IncompleteLine(std::string_view input) {
  if (input.size() <= kMaxCommandLine) return NeedMore();
  constexpr size_t kMaxLeadingSpaces = 100;
  const size_t spaces = std::min(input.find_first_not_of(' '), input.size());
  const std::string_view start = input.substr(spaces);
  if (spaces <= kMaxLeadingSpaces &&
      (start.starts_with("get ") || start.starts_with("gets "))) {
    return NeedMore();
  }
  return Close(input.size());
}

}  // namespace

ParseResult ParseTextCommand(std::string_view input,
                             const TextParserOptions& options, Command* cmd) {
  const std::optional<Line> line = FindLine(input);
  if (!line) {
    cmd->Reset();
    return IncompleteLine(input);
  }
  return ParseTextLine(input, *line, options, cmd);
}

ParseResult ParseTextLine(std::string_view input, const Line& line,
                          const TextParserOptions& options, Command* cmd) {
  cmd->Reset();
  std::array<std::string_view, kMaxLineTokens> tokens;
  Request req{input, line, {}, {}, &options};
  const size_t count = Tokenize(line.text, tokens, &req.rest);
  req.tokens = std::span<const std::string_view>(tokens.data(), count);

  // No command is shorter than two bytes.
  if (count == 0 || tokens[0].size() < 2) return LineError(req, kError);
  const CommandSpec* spec = FindCommand(tokens[0]);
  if (spec == nullptr) return UnknownCommand(req);
  if (count < spec->min_tokens || count > spec->max_tokens) {
    return LineError(req, kError);
  }
  cmd->op = spec->op;
  return spec->parse(req, cmd);
}

}  // namespace tandem::protocol
