// Result and ReplyWriter: what a command came to, in no protocol's words.
//
// server/executor carries out a Command and reports what happened through a
// ReplyWriter; each wire protocol has one (text_reply_writer,
// meta_reply_writer, binary_reply_writer) that turns the report into that
// protocol's bytes. The executor decides *what* happened (stored, a miss,
// out of memory, these stats); the writer decides how the protocol says it
// (STORED, HD, status 0x0000), including what quiet modes and noreply hide.
//
// Found items are reported while the engine still holds the item's lock, so
// their values are appended straight from item memory into the connection's
// output, without an intermediate copy. Everything else is reported once,
// at the end of the command, as a Result.
#ifndef TANDEM_PROTOCOL_RESULT_H_
#define TANDEM_PROTOCOL_RESULT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "protocol/command.h"
#include "protocol/meta_command.h"

namespace tandem::protocol {

// name/value pairs of a `stats` report, in the order they are sent.
using StatList = std::vector<std::pair<std::string, std::string>>;

enum class Outcome : uint8_t {
  kNone,      // nothing to report
  kStored,
  kNotStored,  // add on an existing key, replace/append/prepend on a missing one
  kExists,     // CAS mismatch
  kNotFound,   // no such key (a retrieval miss, a CAS on a missing key...)
  kDeleted,    // md's invalidation (I) too
  kTouched,
  kOk,
  kReset,      // stats reset
  kNumber,     // incr/decr/ma: Result::number (Result::created: made by this command)
  kEnd,        // the end of a get-family command's hits
  kVersion,    // Result::text is the version
  kNoop,       // mn, binary NOOP
  kStats,      // Result::stats (Result::stats_end: an END follows)
  kLines,      // Result::text holds listing lines, END included (cachedump, detail dump)
  kClose,      // quit
  // Failures with a wording of their own in each protocol.
  kTooLarge,            // SERVER_ERROR object too large for cache
  kOutOfMemory,         // SERVER_ERROR out of memory storing object
  kNonNumeric,          // incr/decr on a value that is not a number
  kArithOutOfMemory,    // SERVER_ERROR out of memory (incr/decr)
  kNewItemOutOfMemory,  // the item incr/decr would create cannot be allocated
  kFlushDisabled,       // flush_all with -F
  kErrorLine,           // Result::text is the whole error line (text and meta only)
};

// A found item reported by a get-family command (and binary GET/GAT/TOUCH),
// valid only during the ReplyWriter call that receives it.
struct ItemReply {
  std::string_view key;
  uint32_t flags = 0;
  uint64_t cas = 0;
  size_t value_size = 0;
  absl::FunctionRef<void(std::string*)> append_value;  // appends the value bytes
};

// A found item of mg, ma or me, after the command changed it, with what
// their return flags show.
struct MetaItemReply {
  explicit MetaItemReply(absl::FunctionRef<void(std::string*)> append) : append_value(append) {}

  std::string_view key;     // as stored
  bool key_binary = false;  // stored by `ms ... b`
  uint32_t flags = 0;
  uint64_t cas = 0;
  size_t value_size = 0;
  // What flag `t` shows, by its position among the flags: T and N change
  // the TTL while the flags are walked, so `t T30` shows the old TTL and
  // `T30 t` the new one. -1: never expires.
  std::array<int64_t, kMaxMetaFlags> ttl_at{};
  uint32_t seconds_since_access = 0;  // l
  bool fetched_before = false;        // h
  bool won = false;          // W: this client should recache
  bool stale = false;        // X
  bool token_sent = false;   // Z: another client already won
  // me: memcached's "now - exptime" (negative while alive, -1 never), slab
  // class and total item size.
  int64_t debug_exp = -1;
  unsigned class_id = 0;
  size_t total_size = 0;
  absl::FunctionRef<void(std::string*)> append_value;
};

struct Result {
  Outcome outcome = Outcome::kNone;
  uint64_t cas = 0;       // the item's CAS after a store or incr/decr
  uint64_t number = 0;    // kNumber
  bool created = false;   // kNumber: the key did not exist (ma N, binary incr)
  std::string_view text;  // kVersion, kLines, kErrorLine
  const StatList* stats = nullptr;  // kStats
  bool stats_end = true;            // kStats: END (text) / terminator packet (binary)
  const MetaItemReply* meta_item = nullptr;  // ma: the item, for c/t flags

  static Result Of(Outcome o) {
    Result r;
    r.outcome = o;
    return r;
  }
  static Result ErrorLine(std::string_view line) {
    Result r;
    r.outcome = Outcome::kErrorLine;
    r.text = line;
    return r;
  }
};

class ReplyWriter {
 public:
  virtual ~ReplyWriter() = default;
  // One found item of a get-family command (or a binary GET/GAT/TOUCH).
  virtual void Hit(const Command& cmd, const ItemReply& item) = 0;
  // One missing key of a get-family command (the binary protocol answers
  // it; text says nothing until END).
  virtual void Miss(const Command& cmd, std::string_view key) = 0;
  // mg or me found the item (ma reports its item in Result::meta_item).
  virtual void MetaHit(const Command& cmd, const MetaItemReply& item) = 0;
  // What the command came to.
  virtual void Done(const Command& cmd, const Result& result) = 0;
};

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_RESULT_H_
