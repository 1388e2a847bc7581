// Request encoder: Command -> classic text-protocol request bytes, for the
// client library, tandem-cli and tandem-bench (the reverse of text_parser).
//
// It appends to a caller-owned string so a connection can pipeline many
// requests into one buffer and one write. It refuses what a server would
// refuse or, worse, misread: a key that is empty, longer than 250 bytes or
// contains a space or control byte (it would split the line or inject a
// second command), `noreply` on a retrieval, stats arguments holding a line
// break. On error nothing is appended.
#ifndef TANDEM_PROTOCOL_REQUEST_ENCODER_H_
#define TANDEM_PROTOCOL_REQUEST_ENCODER_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "protocol/command.h"

namespace tandem::protocol {

// OK when `key` can travel in a text-protocol line; InvalidArgument naming
// the problem otherwise.
absl::Status ValidateKey(std::string_view key);

// Appends the request for `command`:
//   get/gets            "get k1 k2 ...\r\n" (keys, or key when keys is empty)
//   gat/gats            "gat <exptime> k1 ...\r\n"
//   set/add/replace/append/prepend
//                       "set <key> <flags> <exptime> <bytes>[ noreply]\r\n<data>\r\n"
//   cas                 "cas <key> <flags> <exptime> <bytes> <cas>[ noreply]\r\n<data>\r\n"
//   incr/decr           "incr <key> <delta>[ noreply]\r\n"
//   delete              "delete <key>[ noreply]\r\n"
//   touch               "touch <key> <exptime>[ noreply]\r\n"
//   flush_all           "flush_all[ <delay>][ noreply]\r\n" (delay when has_number)
//   version, quit, mn   "version\r\n" ...
//   verbosity           "verbosity <number>[ noreply]\r\n"
//   stats               "stats[ <args>]\r\n"
// Other ops are InvalidArgument.
absl::Status EncodeRequest(const Command& command, std::string* out);

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_REQUEST_ENCODER_H_
