// Bob Jenkins' one-at-a-time hash as libmemcached/libhashkit computes it
// (MEMCACHED_HASH_DEFAULT, also twemproxy's `one_at_a_time`).
//
// libhashkit reads the key as plain `char` and adds each byte to a uint32_t.
// On x86-64 `char` is signed, so a byte >= 0x80 is added sign-extended
// (0x80 adds 0xffffff80); on aarch64 Linux `char` is unsigned and the same
// library gives a different value. We reproduce the x86 result on every CPU
// with an explicit int8_t cast, because that is what deployed clients run
// (vectors/hash-functions-libhashkit.txt, rows hex:80, hex:c3a9746521,
// hex:ff00ff).
#ifndef TANDEM_CLIENT_ONE_AT_A_TIME_H_
#define TANDEM_CLIENT_ONE_AT_A_TIME_H_

#include <cstdint>
#include <string_view>

namespace tandem::client {

uint32_t OneAtATime(std::string_view key);

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_ONE_AT_A_TIME_H_
