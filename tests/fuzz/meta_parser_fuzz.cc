// libFuzzer target for the meta protocol parser. Parses the input as a
// pipelined stream the way the text handler does (advancing by consumed, skipping
// swallowed bytes), and checks what the connection relies on: progress on
// every complete request, never consuming more than given, views inside the
// input (or the decoded-key buffer), at most kMaxMetaFlags flags, and a
// result that does not depend on how the bytes were split (every prefix of
// a complete request is NeedMore or the same result). Also round-trips the
// base64 helpers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/meta_parser.h"

namespace {

namespace p = tandem::protocol;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  p::MetaParserOptions options;
  options.item_size_max = 1024;  // small, so the too-large path is reached
  p::MetaCommand cmd;
  p::MetaCommand again;
  size_t skip = 0;
  while (!input.empty()) {
    if (skip > 0) {
      const size_t n = std::min(skip, input.size());
      input.remove_prefix(n);
      skip -= n;
      continue;
    }
    const p::ParseResult r = p::ParseMetaCommand(input, options, &cmd);
    if (r.status == p::ParseStatus::kNeedMore) break;
    Check(r.consumed > 0 || r.close_connection);
    Check(r.consumed <= input.size());
    if (r.status == p::ParseStatus::kOk) {
      Check(cmd.flag_count <= cmd.flags.size());
      Check(cmd.base64 ? Inside(cmd.key, cmd.key_buffer) : Inside(cmd.key, input));
      Check(Inside(cmd.value, input));
      for (size_t i = 0; i < cmd.flag_count; ++i) {
        Check(Inside(cmd.flags[i].token, input));
        Check(cmd.flags[i].token[0] == cmd.flags[i].letter);
      }
    } else {
      Check(!r.error_line.empty() || r.close_connection);
    }
    // Split independence: a shorter prefix never yields a different result.
    if (r.consumed > 1 && !r.close_connection) {
      const p::ParseResult prefix =
          p::ParseMetaCommand(input.substr(0, r.consumed - 1), options, &again);
      Check(prefix.status == p::ParseStatus::kNeedMore || prefix.status == r.status ||
            r.swallow > 0 || cmd.value_too_large);
    }
    if (r.close_connection) break;
    input.remove_prefix(r.consumed);
    skip = r.swallow;
  }
  // base64: whatever decodes re-encodes to something that decodes the same.
  std::string decoded;
  if (p::Base64Decode(std::string_view(reinterpret_cast<const char*>(data), size), &decoded)) {
    std::string encoded;
    p::Base64Encode(decoded, &encoded);
    std::string back;
    Check(p::Base64Decode(encoded, &back) && back == decoded);
  }
  return 0;
}
