// BinaryHandler; see binary_handler.h.
#include "server/binary_handler.h"

#include "protocol/binary_encoder.h"
#include "protocol/binary_reply_writer.h"
#include "server/log.h"

namespace tandem::server {
namespace {

namespace b = tandem::protocol::binary;
using b::Opcode;
using b::Shape;
using b::Status;

constexpr size_t kKeyMaxLength = 250;  // memcached's KEY_MAX_LENGTH
// What memcached's item holding a SASL request adds to its key and value:
// the header (48 bytes, 8 more with CAS), the key's NUL and the value's
// "\r\n". Measured: with the default 512 KB chunk, a 5-byte mechanism takes
// at most 524224 bytes of data.
size_t SaslItemOverhead(const Settings& s) { return 48 + (s.use_cas ? 8 : 0) + 1 + 2; }

}  // namespace

BinaryHandler::BinaryHandler(const Settings& settings, Executor& executor, int fd, Forwarder* forwarder,
                             const SaslLibrary* sasl)
    : settings_(settings), executor_(executor), fd_(fd), forwarder_(forwarder) {
  // memcached reads a SASL value into an item, which must not be chunked.
  if (sasl != nullptr) sasl_ = std::make_unique<BinarySasl>(*sasl, settings.slab_chunk_max - SaslItemOverhead(settings));
  parser_options_.max_value = settings.item_size_max;
  parser_options_.use_cas = settings.use_cas;
}

// The checks run in memcached's order: key and extras must fit the body
// (else "Unknown command" and close), the key must fit 250 bytes (else
// "Invalid arguments" and close), then the opcode's own shape (same).
HandleResult BinaryHandler::HandleOne(std::string_view input, ThreadStats& ts, std::string* out) {
  HandleResult result;
  b::Request& req = request_;
  const b::ParseResult r = b::ParseRequest(input, parser_options_, &req);
  switch (r.status) {
    case b::ParseStatus::kNeedMore:
      result.need_more = true;
      return result;
    case b::ParseStatus::kBadMagic:
      Log(settings_, 1, "Invalid magic:  %x", static_cast<unsigned>(static_cast<uint8_t>(input[0])));
      result.consumed = input.size();
      result.action = DispatchAction::kClose;
      return result;
    case b::ParseStatus::kOk:
    case b::ParseStatus::kValueTooLarge:
      break;
  }
  result.consumed = r.consumed;
  if (LogEnabled(settings_, 2)) LogRequest(req);
  const b::OpcodeInfo& info = b::OpcodeInfoFor(req.opcode);
  if (size_t{req.keylen} + req.extlen > req.bodylen) {
    b::AppendError(out, req.opcode, Status::kUnknownCommand, req.opaque);
    result.action = DispatchAction::kClose;
    return result;
  }
  if (sasl_ != nullptr && !sasl_->Allows(req.opcode)) {
    b::AppendError(out, req.opcode, Status::kAuthError, req.opaque);
    result.action = DispatchAction::kClose;
    return result;
  }
  if (req.keylen > kKeyMaxLength || (info.shape != Shape::kUnknown && !req.well_formed)) {
    b::AppendError(out, req.opcode, Status::kInvalidArguments, req.opaque);
    Log(settings_, 1, "Protocol error (opcode %02x), close connection %d",
        static_cast<unsigned>(req.opcode), fd_);
    result.action = DispatchAction::kClose;
    return result;
  }
  if (sasl_ != nullptr && BinarySasl::IsSaslOpcode(req.opcode)) return sasl_->Handle(req, input, r.consumed, ts, out);
  const bool too_large = r.status == b::ParseStatus::kValueTooLarge;
  if (too_large) result.swallow = r.swallow;
  if (info.shape == Shape::kUnknown ||
      !b::RequestToCommand(req, too_large, parser_options_, &command_)) {
    result.swallow = Refuse(req, out);
    return result;
  }
  // A refused value (swallowed here) is not forwarded: see TextHandler.
  if (may_forward() && !too_large && ForwardsToPeer(forwarder_, command_)) {
    result.forward = std::make_shared<ForwardCall>(forwarder_, WireKind::kBinary, input.substr(0, r.consumed));
    return result;
  }
  protocol::BinaryReplyWriter writer(out);
  ExecContext ctx(ts, writer);
  result.action = executor_.Execute(command_, ctx);
  result.stream_end = ctx.receipt.stream_end;
  return result;
}

// The packet parsed before it was forwarded; errors are answered even for
// the quiet opcodes, as memcached answers them.
// Both failures are a temporary failure (0x0086): the client may retry.
void BinaryHandler::AnswerFailure(std::string_view request, ServerFailure, std::string* out) {
  b::Request req;
  b::ParseRequest(request, parser_options_, &req);
  b::AppendError(out, req.opcode, Status::kTemporaryFailure, req.opaque);
}

size_t BinaryHandler::Refuse(const b::Request& req, std::string* out) const {
  const b::OpcodeInfo& info = b::OpcodeInfoFor(req.opcode);
  if (info.shape == Shape::kStat) {
    b::AppendError(out, req.opcode, Status::kKeyNotFound, req.opaque);
    return 0;
  }
  b::AppendError(out, req.opcode, Status::kUnknownCommand, req.opaque);
  // SASL without -S: memcached swallows what follows the key.
  if (info.shape == Shape::kSasl) return req.bodylen - req.keylen;
  // memcached swallows bodylen bytes counted from after the key, so a
  // request with extras or a key also loses that many bytes of the next.
  return req.bodylen;
}

void BinaryHandler::LogRequest(const b::Request& req) const {
  Log(settings_, 2, "<%d Read binary protocol data: opcode 0x%02x key %s bodylen %u", fd_,
      static_cast<unsigned>(req.opcode), std::string(req.key), req.bodylen);
}

}  // namespace tandem::server
