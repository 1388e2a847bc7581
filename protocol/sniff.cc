// Sniff implementation: one comparison, kept out of line so the rule has a
// single home next to its tests.
#include "protocol/sniff.h"

namespace tandem::protocol {

Wire SniffProtocol(uint8_t first_byte) {
  return first_byte == kBinaryRequestMagic ? Wire::kBinary : Wire::kText;
}

}  // namespace tandem::protocol
