// BinarySasl; see binary_sasl.h.
#include "server/auth/binary_sasl.h"

#include "protocol/binary_encoder.h"

namespace tandem::server {
namespace {

namespace b = tandem::protocol::binary;
using b::Opcode;
using b::Status;

constexpr size_t kMaxMechanismLength = 32;  // memcached's MAX_SASL_MECH_LEN
constexpr std::string_view kAuthenticated = "Authenticated";

bool Is(uint8_t opcode, Opcode op) { return opcode == static_cast<uint8_t>(op); }

}  // namespace

bool BinarySasl::IsSaslOpcode(uint8_t opcode) {
  return Is(opcode, Opcode::kSaslListMechs) || Is(opcode, Opcode::kSaslAuth) ||
         Is(opcode, Opcode::kSaslStep);
}

bool BinarySasl::Allows(uint8_t opcode) const {
  return authenticated_ || IsSaslOpcode(opcode) || Is(opcode, Opcode::kVersion);
}

HandleResult BinarySasl::Handle(const b::Request& req, std::string_view input, size_t head,
                                ThreadStats& stats, std::string* out) {
  HandleResult result;
  if (Is(req.opcode, Opcode::kSaslListMechs)) {
    authenticated_ = false;
    result.consumed = head;
    std::string mechanisms;
    if (!session_.ListMechanisms(&mechanisms)) {
      b::AppendError(out, req.opcode, Status::kAuthError, req.opaque);
    } else {
      b::AppendResponse(out, req.opcode, Status::kSuccess, req.opaque, 0, {}, {}, mechanisms);
    }
    return result;
  }
  const size_t data_length = req.bodylen - req.keylen;  // no extras: the shape check saw to it
  if (req.keylen > kMaxMechanismLength || req.keylen + data_length > max_item_) {
    b::AppendError(out, req.opcode,
                   req.keylen > kMaxMechanismLength ? Status::kInvalidArguments : Status::kOutOfMemory,
                   req.opaque);
    result.consumed = head;
    result.swallow = data_length;
    return result;
  }
  if (input.size() < head + data_length) {
    result.need_more = true;
    return result;
  }
  result.consumed = head + data_length;
  authenticated_ = false;
  const std::string_view data = input.substr(head, data_length);
  std::string challenge;
  const SaslSession::Outcome outcome = Is(req.opcode, Opcode::kSaslAuth)
                                           ? session_.Start(req.key, data, &challenge)
                                           : session_.Step(data, &challenge);
  switch (outcome) {
    case SaslSession::Outcome::kOk:
      authenticated_ = true;
      stats.auth_cmds.Inc();
      b::AppendResponse(out, req.opcode, Status::kSuccess, req.opaque, 0, {}, {}, kAuthenticated);
      break;
    case SaslSession::Outcome::kContinue:
      b::AppendResponse(out, req.opcode, Status::kAuthContinue, req.opaque, 0, {}, {}, challenge);
      break;
    case SaslSession::Outcome::kFail:
      stats.auth_cmds.Inc();
      stats.auth_errors.Inc();
      b::AppendError(out, req.opcode, Status::kAuthError, req.opaque);
      break;
  }
  return result;
}

}  // namespace tandem::server
