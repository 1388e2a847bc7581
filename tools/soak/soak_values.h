// Self-checking values for the soak: every value names the key it was
// written under and the write that made it, so a reply carrying another
// key's bytes, a torn value or a wrong length is caught on read, not just a
// malformed line.
#ifndef TANDEM_TOOLS_SOAK_SOAK_VALUES_H_
#define TANDEM_TOOLS_SOAK_SOAK_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::soak {

// "KEY|SEQ|" then filler derived from SEQ, `size` bytes in all (longer when
// the header alone is longer).
std::string MakeValue(std::string_view key, uint64_t seq, size_t size);
// True when `value` is exactly what MakeValue(key, seq, value.size()) gives
// for the SEQ it carries.
bool IsValueFor(std::string_view key, std::string_view value);

// Appended chunks: "SEQ;" each; a value built only by set-then-append is a
// run of them.
std::string MakeChunk(uint64_t seq);
bool IsChunkRun(std::string_view value);

// incr's values: decimal digits only.
bool IsCounter(std::string_view value);

}  // namespace tandem::soak

#endif  // TANDEM_TOOLS_SOAK_SOAK_VALUES_H_
