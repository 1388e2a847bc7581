// Sniff: tells the binary protocol from the text protocols by the first
// byte a client sends, as memcached does per connection. Every binary
// request starts with the magic byte 0x80; no text command can (they are
// ASCII words), so one byte decides.
#ifndef TANDEM_PROTOCOL_SNIFF_H_
#define TANDEM_PROTOCOL_SNIFF_H_

#include <cstdint>

namespace tandem::protocol {

enum class Wire : uint8_t { kText, kBinary };

// Magic byte of a binary-protocol request header.
inline constexpr uint8_t kBinaryRequestMagic = 0x80;

Wire SniffProtocol(uint8_t first_byte);

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_SNIFF_H_
