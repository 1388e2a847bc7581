// MD5 (RFC 1321), written out here rather than taken from OpenSSL.
//
// Every ketama ring that other memcached clients build is made of MD5
// words: libmemcached, libketama, spymemcached and twemproxy all hash point
// names and keys with MD5 and read the digest as four little-endian 32-bit
// words. That is one small, frozen function; linking libcrypto for it would
// add a heavyweight runtime dependency (and OpenSSL 3's deprecation of the
// low-level MD5 API) to every application that links the client. MD5 is used
// here only for placement, never for security.
#ifndef TANDEM_CLIENT_MD5_H_
#define TANDEM_CLIENT_MD5_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::client {

using Md5Digest = std::array<uint8_t, 16>;

// The 16-byte MD5 digest of `data`.
Md5Digest Md5(std::string_view data);

// Bytes 4j..4j+3 of `digest` as a little-endian unsigned 32-bit integer
// (j = 0..3): the "md5word" every ketama implementation uses.
inline uint32_t Md5Word(const Md5Digest& digest, int j) {
  return static_cast<uint32_t>(digest[4 * j]) |
         (static_cast<uint32_t>(digest[4 * j + 1]) << 8) |
         (static_cast<uint32_t>(digest[4 * j + 2]) << 16) |
         (static_cast<uint32_t>(digest[4 * j + 3]) << 24);
}

// Md5Word(Md5(data), 0) without building the digest: the key hash of
// every ketama lookup, with a one-block path for keys under 56 bytes.
uint32_t Md5FirstWord(std::string_view data);

// Lower-case hex of a digest (for tests and ring fingerprints).
std::string Md5Hex(const Md5Digest& digest);

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_MD5_H_
