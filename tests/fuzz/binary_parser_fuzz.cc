// libFuzzer target for the binary protocol parser. Parses the input as a
// pipelined stream the way BinaryHandler does (skipping swallowed values,
// stopping at a bad magic), and checks the invariants the connection relies
// on: progress on every parsed request, never consuming more than given,
// views inside the input, and a parse that does not depend on how the
// bytes were split (a prefix is NeedMore or the same result).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/binary_parser.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace b = tandem::protocol::binary;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  b::ParserOptions options;
  options.max_value = 1024;  // small, so the too-large path is reached
  b::Request req;
  while (!input.empty()) {
    b::ParseResult r = b::ParseRequest(input, options, &req);
    if (r.status == b::ParseStatus::kNeedMore || r.status == b::ParseStatus::kBadMagic) break;
    Check(r.consumed >= b::kHeaderSize && r.consumed <= input.size());
    Check(Inside(req.extras, input) && Inside(req.key, input) && Inside(req.value, input));
    Check(req.extras.size() == req.extlen && req.key.size() == req.keylen);
    if (r.status == b::ParseStatus::kOk) {
      Check(r.consumed == b::kHeaderSize + req.extlen + req.keylen + req.value.size());
      // One byte less must not parse as a complete request.
      b::Request shorter;
      Check(b::ParseRequest(input.substr(0, r.consumed - 1), options, &shorter).status ==
            b::ParseStatus::kNeedMore);
    } else {
      Check(r.swallow > options.max_value);
    }
    const b::OpcodeInfo& info = b::OpcodeInfoFor(req.opcode);
    Check(!req.well_formed || info.shape != b::Shape::kUnknown);
    input.remove_prefix(r.consumed);
    input.remove_prefix(std::min(input.size(), r.swallow));
  }
  return 0;
}
