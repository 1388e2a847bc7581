// Reply: one server reply to one classic text-protocol request, as the
// client side sees it (protocol/reply_parser.h builds it from bytes).
//
// A reply is an outcome kind plus whatever that kind carries: the VALUE
// blocks of a retrieval, the number of an incr/decr, the text of VERSION or
// of an error line, the STAT lines of `stats`. It owns its bytes (values are
// copied out of the receive buffer), so it outlives the connection that read
// it. Normal answers (NOT_FOUND, EXISTS...) are kinds, not errors: the
// caller decides what they mean for its request.
#ifndef TANDEM_PROTOCOL_REPLY_H_
#define TANDEM_PROTOCOL_REPLY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tandem::protocol {

enum class ReplyKind : uint8_t {
  kNone,
  kStored,       // STORED
  kNotStored,    // NOT_STORED
  kExists,       // EXISTS
  kNotFound,     // NOT_FOUND
  kDeleted,      // DELETED
  kTouched,      // TOUCHED
  kOk,           // OK (flush_all, verbosity, ...)
  kReset,        // RESET (stats reset)
  kValues,       // zero or more VALUE blocks, then END (a miss is no block;
                 // an empty `stats` listing is also a bare END and parses
                 // as kValues with no values)
  kNumber,       // <digits>: incr/decr result
  kVersion,      // VERSION <text>
  kStats,        // STAT lines (at least one), then END
  kLines,        // other listing lines (ITEM, PREFIX, key=...), then END
  kError,        // ERROR (unknown command)
  kClientError,  // CLIENT_ERROR <text>
  kServerError,  // SERVER_ERROR <text>
};

// The reply's keyword as the server spells it ("STORED", "VALUE"...).
const char* ReplyKindName(ReplyKind kind);

struct ReplyValue {
  std::string key;
  uint32_t flags = 0;
  std::string data;
  std::optional<uint64_t> cas;  // present for gets/gats replies

  friend bool operator==(const ReplyValue&, const ReplyValue&) = default;
};

struct Reply {
  ReplyKind kind = ReplyKind::kNone;
  std::vector<ReplyValue> values;                           // kValues
  uint64_t number = 0;                                      // kNumber
  std::string text;                                         // kVersion, kClientError, kServerError
  std::vector<std::pair<std::string, std::string>> stats;   // kStats: name, value
  std::vector<std::string> lines;                           // kLines, without "\r\n"

  bool is_error() const {
    return kind == ReplyKind::kError || kind == ReplyKind::kClientError ||
           kind == ReplyKind::kServerError;
  }
  void Clear() {
    kind = ReplyKind::kNone;
    values.clear();
    number = 0;
    text.clear();
    stats.clear();
    lines.clear();
  }
  friend bool operator==(const Reply&, const Reply&) = default;
  // Member by member: the parser hands every parsed reply over by a swap,
  // and std::swap's three whole-struct moves cost about twice as much.
  friend void swap(Reply& a, Reply& b) noexcept {
    std::swap(a.kind, b.kind);
    a.values.swap(b.values);
    std::swap(a.number, b.number);
    a.text.swap(b.text);
    a.stats.swap(b.stats);
    a.lines.swap(b.lines);
  }
};

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_REPLY_H_
