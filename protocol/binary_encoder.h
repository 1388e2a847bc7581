// Binary protocol encoder: response packets (the server's side) and request
// packets (for tests, fuzz seeds and clients). Pure byte building; callers
// decide what to send. Multi-byte fields are big-endian; the opaque is
// echoed as the client sent it.
#ifndef TANDEM_PROTOCOL_BINARY_ENCODER_H_
#define TANDEM_PROTOCOL_BINARY_ENCODER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/binary_types.h"

namespace tandem::protocol::binary {

struct ResponseHeader {
  uint8_t opcode = 0;
  Status status = Status::kSuccess;
  uint8_t extlen = 0;
  uint16_t keylen = 0;
  uint32_t bodylen = 0;  // extras + key + value
  uint32_t opaque = 0;
  uint64_t cas = 0;
};

void AppendResponseHeader(std::string* out, const ResponseHeader& h);

// A whole response: header plus extras, key and value.
void AppendResponse(std::string* out, uint8_t opcode, Status status, uint32_t opaque, uint64_t cas,
                    std::string_view extras, std::string_view key, std::string_view value);

// An error response as memcached's write_bin_error builds it: no extras or
// key, CAS 0, the body is `text` (ErrorText(status) when empty).
void AppendError(std::string* out, uint8_t opcode, Status status, uint32_t opaque,
                 std::string_view text = {});

// A request packet (magic 0x80, datatype 0, vbucket as given).
void AppendRequest(std::string* out, uint8_t opcode, uint32_t opaque, uint64_t cas,
                   std::string_view extras, std::string_view key, std::string_view value,
                   uint16_t vbucket = 0);

// Big-endian field helpers for building extras.
void AppendBe16(std::string* out, uint16_t v);
void AppendBe32(std::string* out, uint32_t v);
void AppendBe64(std::string* out, uint64_t v);

}  // namespace tandem::protocol::binary

#endif  // TANDEM_PROTOCOL_BINARY_ENCODER_H_
