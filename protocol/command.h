// Command: one parsed client request, independent of the protocol it came in.
//
// Parsers fill a Command whose string_views point into the caller's input
// buffer; it is valid until the caller consumes those bytes. A connection
// reuses one Command for every request so the key vector keeps its capacity
// and a pipelined stream of gets allocates nothing.
#ifndef TANDEM_PROTOCOL_COMMAND_H_
#define TANDEM_PROTOCOL_COMMAND_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace tandem::protocol {

enum class Op : uint8_t {
  kNone,
  // Retrieval: keys holds one or more keys.
  kGet,
  kGets,
  kGat,   // exptime is the new expiry
  kGats,
  // Storage: key, flags, exptime, value (and cas_unique for kCas).
  kSet,
  kAdd,
  kReplace,
  kAppend,
  kPrepend,
  kCas,
  // Arithmetic: key, delta.
  kIncr,
  kDecr,
  kDelete,
  kTouch,  // key, exptime
  // Administrative.
  kFlushAll,       // number = delay in seconds (0 when absent)
  kVersion,
  kVerbosity,      // number = level
  kQuit,
  kShutdown,       // args = optional "graceful"
  kCacheMemlimit,  // number = megabytes
  kStats,          // args = everything after "stats", trimmed
  kSlabs,          // args = everything after "slabs" (automove, reassign)
  kLruCrawler,     // args = everything after "lru_crawler"
  kMetaNoop,       // mn: the meta protocol's pipeline terminator
};

struct Command {
  Op op = Op::kNone;
  std::string_view key;                // single-key commands
  std::vector<std::string_view> keys;  // get/gets/gat/gats
  uint32_t client_flags = 0;
  int64_t exptime = 0;                 // as sent: relative, absolute or negative
  uint64_t cas_unique = 0;             // kCas
  uint64_t delta = 0;                  // kIncr / kDecr
  int64_t number = 0;                  // kFlushAll delay, kVerbosity, kCacheMemlimit
  bool has_number = false;             // kFlushAll: a delay was given
  std::string_view value;              // storage data block, without its "\r\n"
  // Storage command whose data block exceeds -I: the parser swallows the
  // data and the dispatcher answers SERVER_ERROR (and, for set, removes the
  // old value, as memcached does).
  bool value_too_large = false;
  std::string_view args;               // kStats, kShutdown
  bool noreply = false;

  void Reset() {
    op = Op::kNone;
    key = {};
    keys.clear();
    client_flags = 0;
    exptime = 0;
    cas_unique = 0;
    delta = 0;
    number = 0;
    has_number = false;
    value = {};
    value_too_large = false;
    args = {};
    noreply = false;
  }
};

inline bool IsRetrieval(Op op) {
  return op == Op::kGet || op == Op::kGets || op == Op::kGat || op == Op::kGats;
}

inline bool IsStorage(Op op) {
  return op == Op::kSet || op == Op::kAdd || op == Op::kReplace ||
         op == Op::kAppend || op == Op::kPrepend || op == Op::kCas;
}

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_COMMAND_H_
