// Protocol-wide size limits, spelled once. The numbers are memcached 1.6's.
#ifndef TANDEM_PROTOCOL_LIMITS_H_
#define TANDEM_PROTOCOL_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace tandem::protocol {

// Longest key any protocol accepts (memcached's KEY_MAX_LENGTH).
inline constexpr size_t kMaxKeyLength = 250;

// A text command line longer than this without a newline is refused, except
// for get-family lines, which may carry many keys (memcached: 2048 bytes).
inline constexpr size_t kMaxCommandLine = 2048;

// Default -I: the largest item a client may store.
inline constexpr size_t kDefaultItemSizeMax = 1024 * 1024;

// Relative exptimes above this many seconds are absolute unix times.
inline constexpr int64_t kRealtimeMaxDelta = 60 * 60 * 24 * 30;

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_LIMITS_H_
