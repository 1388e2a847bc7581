// Command: one parsed client request, independent of the protocol it came in.
//
// Every parser (text, meta, binary) produces a Command, and server/executor
// carries every Command out against the engine. What a protocol adds beyond
// the classic fields travels as fields here, not as separate types: the meta
// flags in `meta` (in request order, because meta replies echo them in that
// order), the binary header's opcode and opaque in `binary`, and the few
// places where memcached's protocols disagree about the same operation as
// named policy fields in `policy`, each set by the parser of the protocol
// that has the quirk.
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

#include "protocol/meta_command.h"

namespace tandem::protocol {

enum class Protocol : uint8_t { kText, kMeta, kBinary };

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
  kExtstore,       // args = everything after "extstore" (no extstore: settings only)
  kWatch,          // args = the event names after "watch" (none: fetchers)
  kLru,            // args = everything after "lru" (tune, mode, temp_ttl)
  kRefreshCerts,   // -Z: reload the TLS certificates
  kMetaNoop,       // mn, and binary NOOP: a pipeline terminator
  // Meta protocol; the flags are in Command::meta.
  kMetaGet,     // mg
  kMetaSet,     // ms: value, meta.mode
  kMetaDelete,  // md
  kMetaArith,   // ma
  kMetaDebug,   // me
};

// The binary header fields a reply needs, and how the opcode asked to be
// answered (protocol kBinary only).
struct BinaryFrame {
  uint8_t opcode = 0;   // echoed in the reply header
  uint32_t opaque = 0;  // echoed unchanged
  bool quiet = false;   // the Q forms: success (or a get's miss) is not answered
  bool with_key = false;    // GETK, GATK: the reply carries the key
  bool with_value = true;   // false for TOUCH: flags and CAS only
  bool has_flush_delay = false;  // FLUSH with 4 bytes of extras
};

// Where memcached's protocols treat the same operation differently. The
// defaults are the classic text protocol's; the meta and binary parsers
// set what their protocol does.
struct CommandPolicy {
  // A store whose data block exceeded -I drops the key's old value
  // (text: set only; meta: every mode; binary: SET, with or without CAS).
  bool drop_old_when_too_large = false;
  // A store refused by the parser as too large still counts as cmd_set
  // (text and meta; binary counts only the store_too_large).
  bool count_refused_set = true;
  // incr/decr on a miss creates the key with `initial`, by a separate add
  // (binary, unless the expiration is 0xffffffff).
  bool arith_creates = false;
  // A delete refused for a CAS mismatch counts as delete_misses (meta).
  bool cas_mismatch_is_delete_miss = false;
  // `stats detail on` records the key's prefix (text and binary; memcached's
  // meta commands do not).
  bool prefix_stats = true;
};


struct Command {
  Op op = Op::kNone;
  std::string_view key;                // single-key commands
  std::vector<std::string_view> keys;  // get/gets/gat/gats
  uint32_t client_flags = 0;
  int64_t exptime = 0;                 // as sent: relative, absolute or negative
  uint64_t cas_unique = 0;             // kCas
  uint64_t delta = 0;                  // kIncr / kDecr
  uint64_t initial = 0;                // kIncr / kDecr with policy.arith_creates
  int64_t number = 0;                  // kFlushAll delay, kVerbosity, kCacheMemlimit
  bool has_number = false;             // kFlushAll: a delay was given
  std::string_view value;              // storage data block, without its "\r\n"
  // Storage command whose data block exceeds -I: the parser swallows the
  // data and the executor answers SERVER_ERROR (and, for set, removes the
  // old value, as memcached does).
  bool value_too_large = false;
  std::string_view args;               // kStats, kShutdown
  bool noreply = false;
  Protocol protocol = Protocol::kText;
  CommandPolicy policy;
  MetaCommand meta;    // protocol kMeta: the flags, key and data as parsed
  BinaryFrame binary;  // protocol kBinary

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
    protocol = Protocol::kText;
    policy = CommandPolicy{};
    initial = 0;
  }
};

inline bool IsRetrieval(Op op) {
  return op == Op::kGet || op == Op::kGets || op == Op::kGat || op == Op::kGats;
}

inline bool IsMeta(Op op) {
  return op == Op::kMetaGet || op == Op::kMetaSet || op == Op::kMetaDelete ||
         op == Op::kMetaArith || op == Op::kMetaDebug;
}

inline bool IsStorage(Op op) {
  return op == Op::kSet || op == Op::kAdd || op == Op::kReplace ||
         op == Op::kAppend || op == Op::kPrepend || op == Op::kCas;
}

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_COMMAND_H_
