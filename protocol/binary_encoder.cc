// Binary protocol encoder; see binary_encoder.h.
#include "protocol/binary_encoder.h"

namespace tandem::protocol::binary {

void AppendBe16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

void AppendBe32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void AppendBe64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void AppendResponseHeader(std::string* out, const ResponseHeader& h) {
  out->push_back(static_cast<char>(kResponseMagic));
  out->push_back(static_cast<char>(h.opcode));
  AppendBe16(out, h.keylen);
  out->push_back(static_cast<char>(h.extlen));
  out->push_back(static_cast<char>(kRawBytes));
  AppendBe16(out, static_cast<uint16_t>(h.status));
  AppendBe32(out, h.bodylen);
  AppendBe32(out, h.opaque);
  AppendBe64(out, h.cas);
}

void AppendResponse(std::string* out, uint8_t opcode, Status status, uint32_t opaque, uint64_t cas,
                    std::string_view extras, std::string_view key, std::string_view value) {
  ResponseHeader h;
  h.opcode = opcode;
  h.status = status;
  h.extlen = static_cast<uint8_t>(extras.size());
  h.keylen = static_cast<uint16_t>(key.size());
  h.bodylen = static_cast<uint32_t>(extras.size() + key.size() + value.size());
  h.opaque = opaque;
  h.cas = cas;
  out->reserve(out->size() + kHeaderSize + h.bodylen);
  AppendResponseHeader(out, h);
  out->append(extras);
  out->append(key);
  out->append(value);
}

void AppendError(std::string* out, uint8_t opcode, Status status, uint32_t opaque, std::string_view text) {
  if (text.empty()) text = ErrorText(status);
  AppendResponse(out, opcode, status, opaque, 0, {}, {}, text);
}

void AppendRequest(std::string* out, uint8_t opcode, uint32_t opaque, uint64_t cas,
                   std::string_view extras, std::string_view key, std::string_view value,
                   uint16_t vbucket) {
  out->push_back(static_cast<char>(kRequestMagic));
  out->push_back(static_cast<char>(opcode));
  AppendBe16(out, static_cast<uint16_t>(key.size()));
  out->push_back(static_cast<char>(extras.size()));
  out->push_back(static_cast<char>(kRawBytes));
  AppendBe16(out, vbucket);
  AppendBe32(out, static_cast<uint32_t>(extras.size() + key.size() + value.size()));
  AppendBe32(out, opaque);
  AppendBe64(out, cas);
  out->append(extras);
  out->append(key);
  out->append(value);
}

}  // namespace tandem::protocol::binary
