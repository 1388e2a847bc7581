// ScanValuesReply: a get/gets reply (VALUE blocks, then END) read in place,
// for the client's multi-get, which would otherwise copy every key and
// value into a Reply only to copy them once more into its result.
//
// Pure and incremental like ReplyParser: nothing is visited until the whole
// reply (through END) is in `input`, so a caller that gets kNeedMore simply
// calls again with more bytes. Anything that is not a well-formed values
// reply (an error line, another kind of reply, a malformed VALUE line) is
// kOther and nothing is consumed: the caller hands the same bytes to
// ReplyParser, which reports exactly what it is.
#ifndef TANDEM_PROTOCOL_VALUES_SCANNER_H_
#define TANDEM_PROTOCOL_VALUES_SCANNER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace tandem::protocol {

struct ScannedValue {
  std::string_view key;   // views into the scanned input
  std::string_view data;
  uint32_t flags = 0;
  uint64_t cas = 0;       // 0 when the reply has none (get)
};

enum class ScanStatus { kDone, kNeedMore, kOther };

// kDone: `visit` was called once per VALUE block, in order, and
// `*consumed` is the reply's length.
ScanStatus ScanValuesReply(std::string_view input, absl::FunctionRef<void(const ScannedValue&)> visit,
                           size_t* consumed);

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_VALUES_SCANNER_H_
