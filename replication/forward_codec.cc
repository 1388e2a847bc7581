// ForwardCodec (see forward_codec.h).
#include "replication/forward_codec.h"

#include "replication/record.h"
#include "replication/record_codec.h"

namespace tandem::replication {
namespace {

constexpr size_t kIdSize = 8;

void PutId(uint64_t id, std::string* out) {
  for (size_t i = 0; i < kIdSize; ++i) out->push_back(static_cast<char>((id >> (8 * i)) & 0xff));
}

uint64_t GetId(std::string_view in) {
  uint64_t id = 0;
  for (size_t i = 0; i < kIdSize; ++i) id |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  return id;
}

}  // namespace

void EncodeForwardRequest(const ForwardRequest& req, std::string* out) {
  std::string payload;
  payload.reserve(kIdSize + 1 + req.request.size());
  PutId(req.id, &payload);
  payload.push_back(static_cast<char>(req.kind));
  payload.append(req.request);
  EncodeFrame(FrameType::kForwardRequest, payload, out);
}

void EncodeForwardAnswer(const ForwardAnswer& answer, std::string* out) {
  std::string payload;
  payload.reserve(kIdSize + answer.reply.size());
  PutId(answer.id, &payload);
  payload.append(answer.reply);
  EncodeFrame(FrameType::kForwardAnswer, payload, out);
}

absl::Status ParseForwardRequest(std::string_view payload, ForwardRequest* out) {
  if (payload.size() <= kIdSize + 1) return absl::DataLossError("malformed replication frame: forward request");
  const uint8_t kind = static_cast<uint8_t>(payload[kIdSize]);
  if (kind > static_cast<uint8_t>(server::WireKind::kBinary)) {
    return absl::DataLossError("malformed replication frame: forward request kind");
  }
  out->id = GetId(payload);
  out->kind = static_cast<server::WireKind>(kind);
  out->request = payload.substr(kIdSize + 1);
  return absl::OkStatus();
}

absl::Status ParseForwardAnswer(std::string_view payload, ForwardAnswer* out) {
  if (payload.size() < kIdSize) return absl::DataLossError("malformed replication frame: forward answer");
  out->id = GetId(payload);
  out->reply = payload.substr(kIdSize);
  return absl::OkStatus();
}

}  // namespace tandem::replication
