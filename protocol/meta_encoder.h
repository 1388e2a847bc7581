// Meta encoder: appends meta-protocol reply bytes (HD, VA, EN, NF, NS, EX,
// MN, ME and the return flags after them) to a std::string.
//
// A meta reply line is a two-letter code followed by return flags in the
// order the client asked for them, each " <letter><value>"; an opaque is
// echoed whole, a key comes back as " k<key>" (base64 and a trailing " b"
// when the client sent it that way). The server's meta handler decides
// which flags apply; these helpers only keep the byte layout in one place.
#ifndef TANDEM_PROTOCOL_META_ENCODER_H_
#define TANDEM_PROTOCOL_META_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::protocol {

// Reply codes (memcached 1.6's "new" meta responses).
inline constexpr std::string_view kMetaHit = "HD";        // stored / deleted / hit without v
inline constexpr std::string_view kMetaMiss = "EN";       // mg/me miss
inline constexpr std::string_view kMetaNotFound = "NF";
inline constexpr std::string_view kMetaNotStored = "NS";
inline constexpr std::string_view kMetaExists = "EX";
inline constexpr std::string_view kMetaNoop = "MN";
inline constexpr std::string_view kMetaValuePrefix = "VA ";
inline constexpr std::string_view kMetaDebugPrefix = "ME ";

// "VA <size>" (flags and "\r\n" follow).
void AppendMetaValueHeader(std::string* out, size_t size);
// " <letter><n>"
void AppendMetaFlag(std::string* out, char letter, uint64_t n);
void AppendMetaFlagSigned(std::string* out, char letter, int64_t n);
// " <letter>"
void AppendMetaFlag(std::string* out, char letter);
// " <token>": the opaque as the client sent it, 'O' included.
void AppendMetaOpaque(std::string* out, std::string_view token);
// " k<key>", or " k<base64 key> b" for a binary key.
void AppendMetaKey(std::string* out, std::string_view key, bool base64);
// "\r\n"
void AppendMetaEnd(std::string* out);

// me's reply: "ME <key> exp=<e> la=<l> cas=<c> fetch=<yes|no> cls=<id>
// size=<n>\r\n" (the key base64 when binary).
struct MetaDebugInfo {
  int64_t exp = -1;  // -1: never expires
  uint64_t last_access = 0;
  uint64_t cas = 0;
  bool fetched = false;
  unsigned class_id = 0;
  size_t size = 0;
};
void AppendMetaDebug(std::string* out, std::string_view key, bool base64,
                     const MetaDebugInfo& info);

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_META_ENCODER_H_
