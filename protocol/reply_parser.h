// Reply parser: classic text-protocol reply bytes -> Reply, for the client
// library, tandem-cli and tests (the server-side twin is text_parser).
//
// Pure and incremental, like the request parsers: it never touches a socket.
// The caller keeps a receive buffer, calls Parse() with everything not yet
// consumed, drops the `consumed` bytes it reports, and calls again when more
// bytes arrive. A parser consumes only whole lines and whole VALUE blocks,
// remembering the part of a multi-line reply (VALUE..., STAT...) it has
// already taken, so a large multi-get costs linear time however the bytes
// are split. The reply kind is read from the bytes alone, without knowing
// the request, because every text reply's first line says what it is.
//
// kError means the stream is out of sync (an unknown line, a malformed
// VALUE header, a data block not followed by "\r\n", a line longer than
// the limit): the connection must be closed. The parser resets itself.
#ifndef TANDEM_PROTOCOL_REPLY_PARSER_H_
#define TANDEM_PROTOCOL_REPLY_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/reply.h"

namespace tandem::protocol {

enum class ReplyParseStatus { kDone, kNeedMore, kError };

struct ReplyParseResult {
  ReplyParseStatus status = ReplyParseStatus::kNeedMore;
  size_t consumed = 0;   // bytes of the input the caller must drop
  std::string error;     // kError: what was wrong
};

class ReplyParser {
 public:
  // A reply line (not a data block) longer than this is an error.
  static constexpr size_t kDefaultMaxLine = 64 * 1024;

  explicit ReplyParser(size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}

  // Parses from `input`, which starts right after the bytes consumed by the
  // previous calls. kDone: `*reply` holds the whole reply and the parser is
  // ready for the next one. kNeedMore: drop `consumed` bytes and call again
  // with more. `*reply` is only written on kDone.
  ReplyParseResult Parse(std::string_view input, Reply* reply);

  // Forgets a partially parsed reply.
  void Reset();

  // True when part of a reply has been consumed but not yet returned.
  bool in_progress() const { return state_ != State::kStart; }

 private:
  enum class State { kStart, kValues, kStats, kLines };

  ReplyParseResult Fail(size_t consumed, std::string message);

  size_t max_line_;
  State state_ = State::kStart;
  Reply partial_;
};

// One-shot form for callers holding a buffer that may contain a whole reply:
// parses from the start of `input` with a fresh parser. kNeedMore reports
// consumed == 0 (nothing may be dropped: call again with more bytes from the
// same start). Quadratic if called once per arriving byte on a big reply;
// connections use ReplyParser.
ReplyParseResult ParseReply(std::string_view input, Reply* reply);

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_REPLY_PARSER_H_
