// The FNV hashes as libhashkit and twemproxy compute them (32-bit results).
//
// Two traps, both reproduced on purpose:
// - "fnv1_64" and "fnv1a_64" return only the low 32 bits; twemproxy's
//   default `fnv1a_64` (and libhashkit's) even runs in 32-bit arithmetic with
//   the 64-bit constants truncated (offset 0x84222325, prime 0x1b3). As
//   multiplication mod 2^32 depends only on the low 32 bits of its operands,
//   both equal the true 64-bit FNV mod 2^32, so one 32-bit loop serves.
// - The key is read as plain `char` and widened, so on x86 (signed char) a
//   byte >= 0x80 is xored in sign-extended. Canonical FNV-1a differs on such
//   keys; we sign-extend explicitly (int8_t) to match deployed x86 clients on
//   every CPU (vectors/hash-functions-libhashkit.txt, hex: rows).
#ifndef TANDEM_CLIENT_FNV_H_
#define TANDEM_CLIENT_FNV_H_

#include <cstdint>
#include <string_view>

namespace tandem::client {

uint32_t Fnv1_64(std::string_view key);   // libhashkit MEMCACHED_HASH_FNV1_64
uint32_t Fnv1a_64(std::string_view key);  // MEMCACHED_HASH_FNV1A_64, twemproxy fnv1a_64
uint32_t Fnv1_32(std::string_view key);   // MEMCACHED_HASH_FNV1_32
uint32_t Fnv1a_32(std::string_view key);  // MEMCACHED_HASH_FNV1A_32

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_FNV_H_
