// One-at-a-time, 32-bit, start value 0, signed-char bytes (see the header).
#include "client/one_at_a_time.h"

namespace tandem::client {

uint32_t OneAtATime(std::string_view key) {
  uint32_t h = 0;
  for (char ch : key) {
    // Sign-extend explicitly: x86 libhashkit's `(uint32_t)(char)b`.
    h += static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(ch)));
    h += h << 10;
    h ^= h >> 6;
  }
  h += h << 3;
  h ^= h >> 11;
  h += h << 15;
  return h;
}

}  // namespace tandem::client
