// libFuzzer target for the text-protocol reply parser the client library
// and tandem-cli read replies with (protocol/reply_parser). Parses the
// bytes as a connection's receive stream, once whole and once in pieces
// through a receive buffer the way client::Connection feeds it, and checks:
//   - both feeds produce the same replies and fail at the same offset with
//     the same message (a reply must not depend on how TCP split the bytes);
//   - every call consumes no more than it was given, and a finished reply
//     consumed something;
//   - the one-shot ParseReply agrees with the parser on the first reply.
// Input: line-limit byte, 4-byte chunking seed, chunk-size selector, then
// the stream. A small line limit makes the too-long paths reachable.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply.h"
#include "protocol/reply_parser.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace p = tandem::protocol;
using tandem::fuzz::Check;

struct Parsed {
  std::vector<p::Reply> replies;
  bool failed = false;
  size_t failed_at = 0;
  std::string error;
};

// Parses everything complete at the front of `buffer` (stream offset
// `base`) with `parser`; returns the bytes consumed.
size_t ParseAvailable(p::ReplyParser* parser, std::string_view buffer, size_t base, Parsed* out) {
  size_t pos = 0;
  while (!out->failed) {
    std::string_view rest = buffer.substr(pos);
    p::Reply reply;
    p::ReplyParseResult result = parser->Parse(rest, &reply);
    Check(result.consumed <= rest.size(), "a parse consumes at most its input");
    switch (result.status) {
      case p::ReplyParseStatus::kDone:
        Check(result.consumed > 0, "a reply consumes bytes");
        Check(!parser->in_progress(), "the parser is reset after a reply");
        out->replies.push_back(std::move(reply));
        pos += result.consumed;
        break;
      case p::ReplyParseStatus::kNeedMore:
        return pos + result.consumed;
      case p::ReplyParseStatus::kError:
        Check(!parser->in_progress(), "the parser is reset after an error");
        out->failed = true;
        out->failed_at = base + pos + result.consumed;
        out->error = result.error;
        break;
    }
  }
  return pos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tandem::fuzz::ByteReader in(data, size);
  const uint8_t limit = in.Byte();
  const size_t max_line = (limit & 0x80) ? p::ReplyParser::kDefaultMaxLine : 4 + (limit & 0x3f);
  tandem::fuzz::Chunker chunker(in.U32(), tandem::fuzz::MaxChunkFor(in.Byte()));
  const std::string_view stream = in.rest();

  Parsed whole;
  p::ReplyParser whole_parser(max_line);
  ParseAvailable(&whole_parser, stream, 0, &whole);

  Parsed pieces;
  p::ReplyParser piece_parser(max_line);
  std::string buffer;
  size_t base = 0;
  for (size_t fed = 0; fed < stream.size() && !pieces.failed;) {
    size_t n = std::min(chunker.Next(), stream.size() - fed);
    buffer.append(stream.data() + fed, n);
    fed += n;
    size_t used = ParseAvailable(&piece_parser, buffer, base, &pieces);
    buffer.erase(0, used);
    base += used;
  }

  Check(whole.replies == pieces.replies, "whole and chunked feeds parse the same replies");
  Check(whole.failed == pieces.failed && whole.failed_at == pieces.failed_at && whole.error == pieces.error,
        "whole and chunked feeds fail alike");

  if (max_line == p::ReplyParser::kDefaultMaxLine) {
    p::Reply first;
    p::ReplyParseResult one_shot = p::ParseReply(stream, &first);
    switch (one_shot.status) {
      case p::ReplyParseStatus::kDone:
        Check(!whole.replies.empty() && first == whole.replies.front(), "ParseReply finds the first reply");
        break;
      case p::ReplyParseStatus::kNeedMore:
        Check(one_shot.consumed == 0 && whole.replies.empty() && !whole.failed, "ParseReply needs more alike");
        break;
      case p::ReplyParseStatus::kError:
        Check(whole.replies.empty() && whole.failed && one_shot.error == whole.error, "ParseReply fails alike");
        break;
    }
  }
  return 0;
}
