// CRC-32 (IEEE 802.3 / zlib polynomial, reflected, init and final xor
// 0xffffffff) and the "15-bit" truncation memcached clients hash with.
//
// crc15(key) = (crc32(key) >> 16) & 0x7fff is what Cache::Memcached,
// libmemcached MEMCACHED_HASH_CRC, twemproxy `crc32`, php-memcached and
// python-memcached feed into their modula distribution; libmemcached calls
// the truncation historical and keeps it for compatibility. A 1 KiB table
// computed at compile time is all it takes, so we write it here instead of
// linking zlib into every client application for one function.
#ifndef TANDEM_CLIENT_CRC32_H_
#define TANDEM_CLIENT_CRC32_H_

#include <cstdint>
#include <string_view>

namespace tandem::client {

// The standard CRC-32 of `data` (crc32("123456789") == 0xcbf43926).
// `previous` continues an earlier CRC, as zlib's crc32(crc, buf, len) does.
uint32_t Crc32(std::string_view data, uint32_t previous = 0);

// (Crc32(data) >> 16) & 0x7fff.
inline uint32_t Crc15(std::string_view data) { return (Crc32(data) >> 16) & 0x7fff; }

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_CRC32_H_
