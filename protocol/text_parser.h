// Text parser: one classic memcached text request -> Command.
//
// Pure and incremental, like every parser here: it reads bytes the caller
// owns, never a socket, and answers kNeedMore until the whole request (line,
// and for storage commands the data block and its "\r\n") is in `input`. The
// caller keeps the unconsumed bytes, appends what it reads next, and calls
// again from the same start. Replies and error choices follow memcached
// 1.6.18 byte for byte; the cases that surprise people are pinned in
// tests/protocol/text_parser_test.cc.
#ifndef TANDEM_PROTOCOL_TEXT_PARSER_H_
#define TANDEM_PROTOCOL_TEXT_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/command.h"
#include "protocol/limits.h"
#include "protocol/tokenizer.h"

namespace tandem::protocol {

struct TextParserOptions {
  // -I: a storage command declaring more bytes than this is answered with
  // "SERVER_ERROR object too large for cache" and its data is swallowed.
  size_t item_size_max = kDefaultItemSizeMax;
};

enum class ParseStatus : uint8_t { kOk, kNeedMore, kError };

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  // kOk/kError: bytes of input used by this request (line + data present).
  size_t consumed = 0;
  // kError: the reply line to send, without "\r\n" (from error_strings.h).
  // Empty when close_connection is set: memcached closes without a word.
  // When cmd->noreply is true memcached swallows the error too: send nothing.
  std::string_view error_line;
  // kOk/kError: further bytes, not yet in input, the connection must discard
  // (the rest of an oversized data block).
  size_t swallow = 0;
  // kError: send error_line (if any) then close the connection. memcached
  // does this for an over-long line without '\n' and for HTTP requests.
  bool close_connection = false;
};

// Parses one request from the start of `input` into *cmd (cmd->Reset()
// first). String views in *cmd point into `input`.
//
// kOk with cmd->value_too_large: the executor answers SERVER_ERROR object
// too large for cache (unless noreply) and, for set, drops the old item;
// consumed covers the line and whatever data is present, swallow the rest.
// kError: reply error_line unless cmd->noreply, then advance by consumed.
ParseResult ParseTextCommand(std::string_view input,
                             const TextParserOptions& options, Command* cmd);

// The same for input whose first line the caller has already framed
// (`line` is FindLine(input)), so a handler that looked at the line to pick
// a grammar does not frame it twice.
ParseResult ParseTextLine(std::string_view input, const Line& line,
                          const TextParserOptions& options, Command* cmd);

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_TEXT_PARSER_H_
