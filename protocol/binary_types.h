// Binary protocol constants: magic bytes, opcodes, status codes and the
// error bodies memcached 1.6.18 sends with them (protocol_binary.h and
// proto_bin.c's write_bin_error). Values are the wire values; clients and
// other servers depend on them, so they are pinned by golden tests.
//
// The binary protocol is deprecated in memcached 1.6 but still spoken by
// php-memcached (binary mode), Dalli 3.0, libmemcached's --binary tools and
// many Java/.NET clients.
#ifndef TANDEM_PROTOCOL_BINARY_TYPES_H_
#define TANDEM_PROTOCOL_BINARY_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tandem::protocol::binary {

inline constexpr uint8_t kRequestMagic = 0x80;
inline constexpr uint8_t kResponseMagic = 0x81;
inline constexpr size_t kHeaderSize = 24;
inline constexpr uint8_t kRawBytes = 0x00;  // the only datatype

enum class Opcode : uint8_t {
  kGet = 0x00,
  kSet = 0x01,
  kAdd = 0x02,
  kReplace = 0x03,
  kDelete = 0x04,
  kIncrement = 0x05,
  kDecrement = 0x06,
  kQuit = 0x07,
  kFlush = 0x08,
  kGetQ = 0x09,
  kNoop = 0x0a,
  kVersion = 0x0b,
  kGetK = 0x0c,
  kGetKQ = 0x0d,
  kAppend = 0x0e,
  kPrepend = 0x0f,
  kStat = 0x10,
  kSetQ = 0x11,
  kAddQ = 0x12,
  kReplaceQ = 0x13,
  kDeleteQ = 0x14,
  kIncrementQ = 0x15,
  kDecrementQ = 0x16,
  kQuitQ = 0x17,
  kFlushQ = 0x18,
  kAppendQ = 0x19,
  kPrependQ = 0x1a,
  kVerbosity = 0x1b,
  kTouch = 0x1c,
  kGat = 0x1d,
  kGatQ = 0x1e,
  kSaslListMechs = 0x20,
  kSaslAuth = 0x21,
  kSaslStep = 0x22,
  kGatK = 0x23,
  kGatKQ = 0x24,
};

enum class Status : uint16_t {
  kSuccess = 0x0000,
  kKeyNotFound = 0x0001,
  kKeyExists = 0x0002,
  kTooLarge = 0x0003,
  kInvalidArguments = 0x0004,
  kNotStored = 0x0005,
  kDeltaBadValue = 0x0006,
  kAuthError = 0x0020,
  kAuthContinue = 0x0021,
  kUnknownCommand = 0x0081,
  kOutOfMemory = 0x0082,
  // Not sent by memcached; tandem's answer when a command forwarded to the
  // key's owner node went unanswered (server/forwarding.h).
  kTemporaryFailure = 0x0086,
};

// The body memcached's write_bin_error sends for each status when the
// caller gives no text of its own.
constexpr std::string_view ErrorText(Status s) {
  switch (s) {
    case Status::kOutOfMemory: return "Out of memory";
    case Status::kUnknownCommand: return "Unknown command";
    case Status::kKeyNotFound: return "Not found";
    case Status::kInvalidArguments: return "Invalid arguments";
    case Status::kKeyExists: return "Data exists for key.";
    case Status::kTooLarge: return "Too large.";
    case Status::kDeltaBadValue: return "Non-numeric server-side value for incr or decr";
    case Status::kNotStored: return "Not stored.";
    case Status::kAuthError: return "Auth failure.";
    case Status::kTemporaryFailure: return "Temporary failure";
    default: return "";
  }
}

// memcached's out_of_memory() in binary mode: the text line it would have
// sent, minus "SERVER_ERROR ", becomes the body of an ENOMEM error.
inline constexpr std::string_view kOutOfMemoryAllocating = "Out of memory allocating item";
inline constexpr std::string_view kOutOfMemoryIncrementing = "Out of memory incrementing value";
inline constexpr std::string_view kOutOfMemoryNewItem = "Out of memory allocating new item";

}  // namespace tandem::protocol::binary

#endif  // TANDEM_PROTOCOL_BINARY_TYPES_H_
