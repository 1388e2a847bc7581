// Request encoder: the one place request bytes are made, for the client
// library, tandem-cli and tandem-bench (the reverse of the parsers):
//   - classic text requests from a Command (the reverse of text_parser),
//   - meta requests from a MetaCommand (the reverse of meta_parser),
//   - binary GET/SET-family and NOOP packets (the reverse of binary_parser),
//   - and, for tandem-cli, a line exactly as a person typed it.
//
// Everything appends to a caller-owned string, so a connection can pipeline
// many requests into one buffer and one write, and a hot caller that keeps
// its buffer allocates nothing per request. The checked encoders refuse
// what a server would refuse or, worse, misread: a key that is empty,
// longer than 250 bytes or (text and meta) contains a space or control byte
// (it would split the line or inject a second command), `noreply` on a
// retrieval, stats arguments or meta flags holding a line break. On error
// nothing is appended.
#ifndef TANDEM_PROTOCOL_REQUEST_ENCODER_H_
#define TANDEM_PROTOCOL_REQUEST_ENCODER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "protocol/binary_types.h"
#include "protocol/command.h"
#include "protocol/meta_command.h"

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

// `line` + "\r\n", unchecked: a request line as a person typed it, which
// tandem-cli passes on verbatim (including commands the encoders have no
// form for and mistakes whose reply the user wants to see).
void AppendRawRequestLine(std::string* out, std::string_view line);

// A storage request's data block: `data` + "\r\n".
void AppendDataBlock(std::string* out, std::string_view data);

// Appends the meta request for `command`:
//   mg/md/ma/me         "<mg> <key>[ <flag>...]\r\n"
//   ms                  "ms <key> <datalen>[ <flag>...]\r\n<value>\r\n"
//   mn                  "mn\r\n" (key and flags ignored)
// Each flag is written as its token (flags[0, flag_count), in order); the
// decoded fields (quiet, ttl, ...) are not consulted, so parsing a request
// and encoding it gives back the same bytes. A token must start with its
// letter and hold no space or control byte. A base64 key (flag b) is
// refused: nothing sends one yet.
absl::Status EncodeMetaRequest(const MetaCommand& command, std::string* out);

}  // namespace tandem::protocol

namespace tandem::protocol::binary {

// A binary request's fixed-size fields beyond its key and value. Every
// packet from these encoders has opaque 0, vbucket 0 and datatype 0.
struct StoreFields {
  uint32_t flags = 0;
  uint32_t exptime = 0;
  uint64_t cas = 0;  // 0: store unconditionally
};

// GET, GETQ, GETK or GETKQ of `key` (1..250 bytes, any bytes): a header and
// the key, no extras.
absl::Status EncodeGetRequest(Opcode opcode, std::string_view key, std::string* out);

// SET, ADD, REPLACE or a quiet form: a header with `fields.cas`, the 8
// bytes of extras (flags, exptime; big-endian), the key and the value.
absl::Status EncodeStoreRequest(Opcode opcode, std::string_view key, std::string_view value,
                                const StoreFields& fields, std::string* out);

// NOOP: a bare header; it ends a pipeline of quiet requests (its reply
// means every earlier request has been answered).
void AppendNoopRequest(std::string* out);

}  // namespace tandem::protocol::binary

#endif  // TANDEM_PROTOCOL_REQUEST_ENCODER_H_
