// Meta parser: one meta-protocol request (mg ms md ma mn me) -> MetaCommand.
//
// Pure and incremental like the text parser, whose ParseStatus/ParseResult
// it shares: kNeedMore until the line (and for ms its data block) is in
// `input`; kOk with the bytes consumed; kError with memcached 1.6.18's reply
// line, the bytes consumed and, for ms, the data still to swallow. Meta
// errors are always sent, whatever q says. The checks run in memcached's
// order (token count, key length, flag count, then the flags left to right)
// because that order decides which error a bad line earns. The `b` flag's
// base64 and memcached's lenient decoder (skips foreign bytes, needs a
// multiple of four symbols) live here too, with the encoder used for `k`.
#ifndef TANDEM_PROTOCOL_META_PARSER_H_
#define TANDEM_PROTOCOL_META_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/command.h"
#include "protocol/limits.h"
#include "protocol/meta_command.h"
#include "protocol/text_parser.h"

namespace tandem::protocol {

struct MetaParserOptions {
  // -I: an ms declaring more bytes than this is answered SERVER_ERROR
  // object too large for cache, its data swallowed.
  size_t item_size_max = kDefaultItemSizeMax;
};

// True when the complete line `line` (as framed by FindLine) is a meta
// command: memcached routes any first token of two bytes starting with 'm'
// to its meta dispatcher, which answers ERROR for unknown second letters.
bool IsMetaLine(std::string_view line);

// Parses the meta request at the start of `input` into *cmd (Reset first).
ParseResult ParseMetaCommand(std::string_view input, const MetaParserOptions& options,
                             MetaCommand* cmd);

// The same into a Command (protocol kMeta, op kMeta*): the flags in
// cmd->meta, the key, data, client flags, TTL, CAS, delta and initial value
// lifted into the Command's own fields, and the meta protocol's policy.
ParseResult ParseMetaCommand(std::string_view input, const MetaParserOptions& options,
                             Command* cmd);

// The same for input whose first line the caller has already framed
// (`line` is FindLine(input)).
ParseResult ParseMetaLine(std::string_view input, const Line& line,
                          const MetaParserOptions& options, MetaCommand* cmd);
ParseResult ParseMetaLine(std::string_view input, const Line& line,
                          const MetaParserOptions& options, Command* cmd);

// memcached's base64 (base64.c): decoding ignores bytes outside the
// alphabet, fails (false) unless a nonzero multiple of four symbols remain
// or on bad padding. *out is replaced.
bool Base64Decode(std::string_view in, std::string* out);
// Standard base64 with '=' padding, appended to *out.
void Base64Encode(std::string_view in, std::string* out);

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_META_PARSER_H_
