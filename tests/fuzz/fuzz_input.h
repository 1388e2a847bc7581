// Helpers the fuzz targets share: an invariant check that aborts (so
// libFuzzer reports it as a crash with the input), a reader that takes
// control bytes off the front of the input, and a chunker that splits the
// rest into pieces whose sizes come from those bytes, so a target can feed
// the same bytes whole and in pieces and compare.
#ifndef TANDEM_TESTS_FUZZ_FUZZ_INPUT_H_
#define TANDEM_TESTS_FUZZ_FUZZ_INPUT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace tandem::fuzz {

// An invariant of the code under test; a violation is a bug.
inline void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

// Consumes the input from the front; reads past the end give zeros and
// empty views, so a target never has to check the length first.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{Byte()} << (8 * i);
    return v;
  }
  uint64_t U64() { return uint64_t{U32()} | uint64_t{U32()} << 32; }
  std::string_view Take(size_t n) {
    std::string_view part = rest_.substr(0, std::min(n, rest_.size()));
    rest_.remove_prefix(part.size());
    return part;
  }
  std::string_view rest() const { return rest_; }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// Chunk sizes in [1, max_chunk] from a xorshift generator seeded by the
// input, so a crashing chunking reproduces from the saved input.
class Chunker {
 public:
  Chunker(uint32_t seed, size_t max_chunk) : state_(seed | 1), max_chunk_(std::max<size_t>(max_chunk, 1)) {}

  size_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return 1 + state_ % max_chunk_;
  }

 private:
  uint32_t state_;
  size_t max_chunk_;
};

// Largest chunk for a selector byte: single bytes, small pieces, or large
// ones that usually hold several messages.
inline size_t MaxChunkFor(uint8_t selector) {
  static constexpr size_t kSizes[] = {1, 3, 16, 64, 512, 4096};
  return kSizes[selector % (sizeof(kSizes) / sizeof(kSizes[0]))];
}

}  // namespace tandem::fuzz

#endif  // TANDEM_TESTS_FUZZ_FUZZ_INPUT_H_
