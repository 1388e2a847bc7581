// Binary request parser: pure and incremental. Splits the bytes at the
// front of a connection's input into one request (24-byte header, extras,
// key and, for the opcodes that carry one, the value), without touching a
// socket or storage.
//
// It reads exactly what memcached 1.6.18 reads for each request, because
// that decides where the next request starts: the header, then extras and
// key; the value only for the storage opcodes (set/add/replace/append/
// prepend and their quiet forms) whose header is well formed. Anything else
// in the body is left in the input, where memcached, too, takes it for the
// next request. Which shape each opcode needs (extras length, key present,
// body length) lives in one table, OpcodeInfoFor().
#ifndef TANDEM_PROTOCOL_BINARY_PARSER_H_
#define TANDEM_PROTOCOL_BINARY_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/binary_types.h"
#include "protocol/command.h"

namespace tandem::protocol::binary {

// What an opcode's header must look like, as memcached's
// dispatch_bin_command checks it.
enum class Shape : uint8_t {
  kUnknown,   // not an opcode memcached implements
  kEmpty,     // no extras, key or body: version, noop, quit, sasl list
  kFlush,     // no key; extras 0 or 4 and nothing else
  kStore,     // extras 8, key, body >= key + 8: set/add/replace
  kConcat,    // key, no extras: append/prepend (the rest is the value)
  kKey,       // key only, nothing else: get*, delete
  kArith,     // extras 20, key, nothing else: incr/decr
  kStat,      // no extras; the key (optional) names the group
  kTouch,     // extras 4, key: touch, gat*
  kSasl,      // no extras, key: sasl auth/step
};

struct OpcodeInfo {
  Shape shape = Shape::kUnknown;
  Opcode base = Opcode::kGet;  // the loud form (getq -> get)
  bool quiet = false;
};

// The table entry of an opcode (shape kUnknown for unknown opcodes).
const OpcodeInfo& OpcodeInfoFor(uint8_t opcode);

struct Request {
  uint8_t opcode = 0;
  uint8_t extlen = 0;
  uint8_t datatype = 0;
  uint16_t keylen = 0;
  uint16_t vbucket = 0;
  uint32_t bodylen = 0;
  uint32_t opaque = 0;  // as a big-endian number; echoed back unchanged
  uint64_t cas = 0;
  // Views into the parser's input, valid while it is.
  std::string_view extras;
  std::string_view key;
  std::string_view value;  // only for kStore/kConcat with a well-formed header
  // Whether the header passes its opcode's shape check (false for unknown
  // opcodes and when key + extras exceed the body).
  bool well_formed = false;

  // Extras fields (big-endian on the wire); 0 when absent.
  uint32_t ExtrasU32(size_t offset) const;
  uint64_t ExtrasU64(size_t offset) const;
};

enum class ParseStatus : uint8_t {
  kOk,
  kNeedMore,
  kBadMagic,       // a whole header whose first byte is not 0x80: memcached closes
  kValueTooLarge,  // value longer than the limit: consumed is the head, swallow the value
};

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  size_t consumed = 0;  // bytes of input this request used
  size_t swallow = 0;   // kValueTooLarge: value bytes to discard
};

struct ParserOptions {
  // A value longer than this is not buffered (memcached's -I; it cannot be
  // stored anyway). Shorter values that still do not fit are refused later,
  // by the storage layer's exact size rule.
  size_t max_value = 1u << 20;
  // -C: every item's CAS is 0, so a CAS in a request is ignored (memcached's
  // ITEM_set_cas ignores it).
  bool use_cas = true;
};

ParseResult ParseRequest(std::string_view input, const ParserOptions& options, Request* req);

// The Command a well-formed request asks for (protocol kBinary), its views
// pointing into req's. `value_too_large` is the parser's kValueTooLarge.
// False when the opcode is not a command the server carries out (SASL, an
// unknown opcode) or a `stat` group memcached's binary protocol does not
// report ("Not found").
bool RequestToCommand(const Request& req, bool value_too_large, const ParserOptions& options,
                      Command* cmd);

}  // namespace tandem::protocol::binary

#endif  // TANDEM_PROTOCOL_BINARY_PARSER_H_
