// libFuzzer target for the text protocol parser. Parses the input as a
// pipelined stream the way a connection does, and checks the invariants the
// connection relies on: every result consumes at most what it was given,
// errors and successes always make progress, and views stay inside input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/command.h"
#include "protocol/text_parser.h"

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
  using namespace tandem::protocol;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  TextParserOptions options;
  options.item_size_max = 1024;  // small, so the too-large paths are reached
  Command cmd;
  while (!input.empty()) {
    ParseResult r = ParseTextCommand(input, options, &cmd);
    if (r.status == ParseStatus::kNeedMore) break;
    Check(r.consumed > 0 && r.consumed <= input.size());
    if (r.status == ParseStatus::kOk) {
      Check(Inside(cmd.key, input) && Inside(cmd.value, input) && Inside(cmd.args, input));
      for (std::string_view k : cmd.keys) Check(Inside(k, input) && k.size() <= kMaxKeyLength);
    }
    if (r.status == ParseStatus::kError && r.close_connection) break;
    input.remove_prefix(r.consumed);
    if (r.swallow >= input.size()) break;
    input.remove_prefix(r.swallow);
  }
  return 0;
}
