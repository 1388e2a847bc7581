// KeyHash: the choice of function that turns a key (or a point name of the
// unweighted libmemcached ring) into a 32-bit ring position or modula input.
//
// Each value names the libhashkit algorithm it reproduces bit for bit,
// including the x86 signed-char behaviour of OAAT and FNV (see
// one_at_a_time.h, fnv.h). Kept as a small closed enum plus one dispatch
// function so a Ring can store it by value and tests can name it.
#ifndef TANDEM_CLIENT_KEY_HASH_H_
#define TANDEM_CLIENT_KEY_HASH_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace tandem::client {

enum class KeyHash {
  kMd5,         // md5word(key, 0): libmemcached MEMCACHED_HASH_MD5, ketama
  kCrc15,       // (crc32 >> 16) & 0x7fff: MEMCACHED_HASH_CRC, Cache::Memcached
  kOneAtATime,  // MEMCACHED_HASH_DEFAULT
  kFnv1_64,     // low 32 bits, as libhashkit
  kFnv1a_64,    // twemproxy's default hash
  kFnv1_32,
  kFnv1a_32,
};

uint32_t HashKey(KeyHash hash, std::string_view key);

// "md5", "crc", "one_at_a_time" (or "default"), "fnv1_64", "fnv1a_64",
// "fnv1_32", "fnv1a_32" (libhashkit/twemproxy spellings).
absl::StatusOr<KeyHash> ParseKeyHash(std::string_view name);

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_KEY_HASH_H_
