// ForwardCodec: the two frames of forwarding (server/forwarding.h) on the
// replication link.
//
//   FORWARD_REQUEST payload := id:u64le  kind:u8  request bytes (the rest)
//   FORWARD_ANSWER  payload := id:u64le  reply bytes (the rest)
//
// `kind` is server::WireKind (0 text or meta, 1 binary); the request is one
// whole client request in that framing, the reply whatever the owner's
// reply writer produced for it (possibly nothing: noreply, quiet binary).
// The id is the sender's, echoed back. Frames ride record_codec's framing
// (length, CRC-32C, type), so a corrupted one is refused before use.
#ifndef TANDEM_REPLICATION_FORWARD_CODEC_H_
#define TANDEM_REPLICATION_FORWARD_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "server/forwarding.h"

namespace tandem::replication {

struct ForwardRequest {
  uint64_t id = 0;
  server::WireKind kind = server::WireKind::kText;
  std::string_view request;  // points into the decoded payload
};

struct ForwardAnswer {
  uint64_t id = 0;
  std::string_view reply;  // points into the decoded payload
};

// Each appends one whole frame to *out.
void EncodeForwardRequest(const ForwardRequest& req, std::string* out);
void EncodeForwardAnswer(const ForwardAnswer& answer, std::string* out);

absl::Status ParseForwardRequest(std::string_view payload, ForwardRequest* out);
absl::Status ParseForwardAnswer(std::string_view payload, ForwardAnswer* out);

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_FORWARD_CODEC_H_
