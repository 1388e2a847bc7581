// Crc32c: the CRC-32C (Castagnoli) of every replication frame's body
// (record_codec.h). On x86-64 with SSE4.2 it uses the CPU's crc32
// instruction, 8 bytes at a time (about 8x the table's speed: at 1 KiB
// values the table-driven loop was the largest single cost of a replicated
// write, 14% of the master's CPU); elsewhere a table, one byte at a time.
// Both give the same value, so the wire format does not depend on the CPU.
//
// Why keep a checksum at all when the link is TLS (whose AEAD already
// authenticates every byte): the same frames cross plaintext links too, and
// at this speed the check costs well under 1% of a write, so one frame
// format for both is worth more than the saving.
#ifndef TANDEM_REPLICATION_CRC32C_H_
#define TANDEM_REPLICATION_CRC32C_H_

#include <cstdint>
#include <string_view>

namespace tandem::replication {

// crc32c("123456789") = 0xe3069283; `crc` continues an earlier result.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);
// The table-driven version, whatever the CPU (the tests compare the two).
uint32_t Crc32cPortable(std::string_view data, uint32_t crc = 0);
// Whether Crc32c uses the crc32 instruction on this CPU.
bool Crc32cIsHardware();

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_CRC32C_H_
