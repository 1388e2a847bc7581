// MetaCommand: one parsed meta-protocol request (mg ms md ma mn me).
//
// The meta protocol is a second grammar on the text port: a two-letter
// command, a key, then single-letter flags, some carrying a token ("T30",
// "Oabc"). Replies echo some flags back in the order the client sent them,
// and memcached applies T/N/R while it walks them, so the command keeps the
// flags in request order besides the decoded values. String views point into
// the caller's input (or, for a base64 key, into key_buffer); the command is
// valid until those bytes are consumed. A connection reuses one MetaCommand.
#ifndef TANDEM_PROTOCOL_META_COMMAND_H_
#define TANDEM_PROTOCOL_META_COMMAND_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::protocol {

enum class MetaOp : uint8_t { kNone, kGet, kSet, kDelete, kArith, kNoop, kDebug };

// memcached refuses a meta line of 20 or more tokens (MFLAG_MAX_OPT_LENGTH,
// counting its terminal pseudo-token), so at most 17 flags follow a key.
inline constexpr size_t kMaxMetaFlags = 18;
// Longest opaque token, its 'O' included (MFLAG_MAX_OPAQUE_LENGTH).
inline constexpr size_t kMaxMetaOpaque = 32;

// One flag as sent: its letter and the whole token (letter included).
struct MetaFlag {
  char letter = 0;
  std::string_view token;
};

struct MetaCommand {
  MetaOp op = MetaOp::kNone;
  std::string_view key;      // decoded when base64 is set
  bool base64 = false;       // b: key travels base64-encoded
  std::array<MetaFlag, kMaxMetaFlags> flags{};
  size_t flag_count = 0;

  // Flags without a token.
  bool quiet = false;        // q
  bool no_bump = false;      // u
  bool return_value = false;  // v
  bool invalidate = false;   // I
  // Flags with a token, decoded.
  bool has_ttl = false;      // T
  int64_t ttl = 0;
  bool vivify = false;       // N
  int64_t vivify_ttl = 0;
  bool has_recache = false;  // R
  int64_t recache_ttl = 0;
  bool has_cas = false;      // C
  uint64_t cas = 0;
  uint32_t client_flags = 0;  // F
  char mode = 0;             // M (0 = none given)
  uint64_t delta = 1;        // D
  uint64_t initial = 0;      // J
  // A flag's O token exceeds kMaxMetaOpaque. mg and ma report it only while
  // writing the reply (after their side effects), as memcached does.
  bool opaque_too_long = false;

  // ms: the data block (without "\r\n"); value_too_large when its declared
  // size exceeds -I (the data is swallowed, SERVER_ERROR is the reply).
  std::string_view value;
  bool value_too_large = false;

  std::string key_buffer;  // holds a decoded base64 key


  void Reset() {
    op = MetaOp::kNone;
    key = {};
    base64 = false;
    flag_count = 0;
    quiet = no_bump = return_value = invalidate = false;
    has_ttl = vivify = has_recache = has_cas = false;
    ttl = vivify_ttl = recache_ttl = 0;
    cas = 0;
    client_flags = 0;
    mode = 0;
    delta = 1;
    initial = 0;
    opaque_too_long = false;
    value = {};
    value_too_large = false;
  }
};

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_META_COMMAND_H_
