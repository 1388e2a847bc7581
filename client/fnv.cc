// FNV-1 / FNV-1a in the 32-bit, signed-char form of libhashkit (see header).
#include "client/fnv.h"

namespace tandem::client {
namespace {

constexpr uint32_t kOffset64Low = 0x84222325u;  // low 32 bits of 0xcbf29ce484222325
constexpr uint32_t kPrime64Low = 0x1b3u;        // low 32 bits of 0x100000001b3
constexpr uint32_t kOffset32 = 2166136261u;
constexpr uint32_t kPrime32 = 16777619u;

inline uint32_t SignExtended(char ch) {
  return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(ch)));
}

inline uint32_t Fnv1(std::string_view key, uint32_t h, uint32_t prime) {
  for (char ch : key) {
    h *= prime;
    h ^= SignExtended(ch);
  }
  return h;
}

inline uint32_t Fnv1a(std::string_view key, uint32_t h, uint32_t prime) {
  for (char ch : key) {
    h ^= SignExtended(ch);
    h *= prime;
  }
  return h;
}

}  // namespace

uint32_t Fnv1_64(std::string_view key) { return Fnv1(key, kOffset64Low, kPrime64Low); }
uint32_t Fnv1a_64(std::string_view key) { return Fnv1a(key, kOffset64Low, kPrime64Low); }
uint32_t Fnv1_32(std::string_view key) { return Fnv1(key, kOffset32, kPrime32); }
uint32_t Fnv1a_32(std::string_view key) { return Fnv1a(key, kOffset32, kPrime32); }

}  // namespace tandem::client
