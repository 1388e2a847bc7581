// MD5 as specified by RFC 1321: 64-byte blocks, four rounds of sixteen
// steps, little-endian words. The per-step shift amounts and sine-derived
// constants are the RFC's tables.
#include "client/md5.h"

#include <bit>
#include <cstring>
#include <utility>

namespace tandem::client {
namespace {

constexpr uint32_t kK[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

constexpr int kShift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                            5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                            4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                            6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

constexpr size_t kShortMessage = 56;  // the longest message + 0x80 + length in one block

inline uint32_t RotateLeft(uint32_t x, int c) { return (x << c) | (x >> (32 - c)); }

// The round functions, written so that the newest word (x, the previous
// step's result) enters as late as possible: each step's a + m[g] + K[i]
// and the parts of fn that use only y and z are ready before x is, so the
// 64-step dependency chain (the whole cost of a one-block hash) is shorter.
// G's two terms have no bit in common, so their OR is their sum and each is
// added on its own.
inline uint32_t F(uint32_t x, uint32_t y, uint32_t z) { return z ^ (x & (y ^ z)); }
inline uint32_t G(uint32_t x, uint32_t y, uint32_t z) { return (x & z) + (y & ~z); }
inline uint32_t H(uint32_t x, uint32_t y, uint32_t z) { return x ^ (y ^ z); }
inline uint32_t I(uint32_t x, uint32_t y, uint32_t z) { return y ^ (x | ~z); }

// One step of the RFC: a = b + ((a + fn(b,c,d) + m[g] + K[i]) <<< s).
template <uint32_t (*Fn)(uint32_t, uint32_t, uint32_t), int i, int g>
inline void Step(uint32_t& a, uint32_t b, uint32_t c, uint32_t d, const uint32_t* m) {
  a = b + RotateLeft((a + m[g] + kK[i]) + Fn(b, c, d), kShift[i]);
}

// Sixteen steps of one round, fully unrolled at compile time; the message
// word index for step i is (mul * i + add) mod 16.
template <uint32_t (*Fn)(uint32_t, uint32_t, uint32_t), int base, int mul, int add, int... k>
inline void Round(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d, const uint32_t* m,
                  std::integer_sequence<int, k...>) {
  (
      [&] {
        constexpr int i = base + 4 * k;
        Step<Fn, i, (mul * i + add) & 15>(a, b, c, d, m);
        Step<Fn, i + 1, (mul * (i + 1) + add) & 15>(d, a, b, c, m);
        Step<Fn, i + 2, (mul * (i + 2) + add) & 15>(c, d, a, b, m);
        Step<Fn, i + 3, (mul * (i + 3) + add) & 15>(b, c, d, a, m);
      }(),
      ...);
}

// One block given as its sixteen little-endian words.
void ProcessWords(const uint32_t m[16], uint32_t state[4]) {
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  constexpr auto kFour = std::make_integer_sequence<int, 4>{};
  Round<F, 0, 1, 0>(a, b, c, d, m, kFour);
  Round<G, 16, 5, 1>(a, b, c, d, m, kFour);
  Round<H, 32, 3, 5>(a, b, c, d, m, kFour);
  Round<I, 48, 7, 0>(a, b, c, d, m, kFour);
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

void ProcessBlock(const uint8_t* block, uint32_t state[4]) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i) {
    m[i] = static_cast<uint32_t>(block[4 * i]) | (static_cast<uint32_t>(block[4 * i + 1]) << 8) |
           (static_cast<uint32_t>(block[4 * i + 2]) << 16) |
           (static_cast<uint32_t>(block[4 * i + 3]) << 24);
  }
  ProcessWords(m, state);
}

constexpr uint32_t kInitialState[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

// The final state of a message short enough (under 56 bytes: every
// memcached key of a common size) to fit one padded block, built straight
// as words: on a little-endian host the bytes are the words.
void ShortMessageState(std::string_view data, uint32_t state[4]) {
  uint32_t m[16] = {};
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(m, data.data(), data.size());
    reinterpret_cast<uint8_t*>(m)[data.size()] = 0x80;
  } else {
    for (size_t i = 0; i < data.size(); ++i) {
      m[i / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(data[i])) << (8 * (i % 4));
    }
    m[data.size() / 4] |= uint32_t{0x80} << (8 * (data.size() % 4));
  }
  m[14] = static_cast<uint32_t>(data.size() * 8);  // bit length; m[15] (its high word) stays 0
  std::memcpy(state, kInitialState, sizeof(kInitialState));
  ProcessWords(m, state);
}

}  // namespace

uint32_t Md5FirstWord(std::string_view data) {
  if (data.size() < kShortMessage) {
    uint32_t state[4];
    ShortMessageState(data, state);
    return state[0];
  }
  return Md5Word(Md5(data), 0);
}

Md5Digest Md5(std::string_view data) {
  uint32_t state[4] = {kInitialState[0], kInitialState[1], kInitialState[2], kInitialState[3]};
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  size_t remaining = data.size();
  while (remaining >= 64) {
    ProcessBlock(bytes, state);
    bytes += 64;
    remaining -= 64;
  }
  // Padding: 0x80, zeros to 56 mod 64, then the bit length little-endian.
  uint8_t tail[128] = {};
  if (remaining > 0) std::memcpy(tail, bytes, remaining);
  tail[remaining] = 0x80;
  const size_t tail_len = remaining < 56 ? 64 : 128;
  const uint64_t bit_len = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_len - 8 + i] = static_cast<uint8_t>(bit_len >> (8 * i));
  ProcessBlock(tail, state);
  if (tail_len == 128) ProcessBlock(tail + 64, state);

  Md5Digest digest;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<uint8_t>(state[i] >> (8 * j));
  }
  return digest;
}

std::string Md5Hex(const Md5Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace tandem::client
