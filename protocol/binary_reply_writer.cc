// BinaryReplyWriter; see binary_reply_writer.h.
#include "protocol/binary_reply_writer.h"

#include "protocol/binary_encoder.h"
#include "protocol/binary_parser.h"

namespace tandem::protocol {
namespace {

using binary::Opcode;
using binary::Status;

Opcode BaseOpcode(const Command& cmd) { return binary::OpcodeInfoFor(cmd.binary.opcode).base; }

}  // namespace

void BinaryReplyWriter::Success(const Command& cmd, uint64_t cas, std::string_view value) {
  if (cmd.binary.quiet) return;
  binary::AppendResponse(out_, cmd.binary.opcode, Status::kSuccess, cmd.binary.opaque, cas, {}, {},
                         value);
}

void BinaryReplyWriter::Error(const Command& cmd, Status status, std::string_view text) {
  binary::AppendError(out_, cmd.binary.opcode, status, cmd.binary.opaque, text);
}

void BinaryReplyWriter::Hit(const Command& cmd, const ItemReply& item) {
  const BinaryFrame& f = cmd.binary;
  const size_t vlen = f.with_value ? item.value_size : 0;
  binary::ResponseHeader h;
  h.opcode = f.opcode;
  h.extlen = 4;
  h.keylen = f.with_key ? static_cast<uint16_t>(cmd.key.size()) : 0;
  h.bodylen = static_cast<uint32_t>(4 + h.keylen + vlen);
  h.opaque = f.opaque;
  h.cas = item.cas;
  binary::AppendResponseHeader(out_, h);
  binary::AppendBe32(out_, item.flags);
  if (f.with_key) out_->append(cmd.key);
  if (f.with_value) item.append_value(out_);
}

// Quiet forms say nothing; the K forms echo the key as the body of a "not
// found" packet (without the "Not found" text).
void BinaryReplyWriter::Miss(const Command& cmd, std::string_view key) {
  if (cmd.binary.quiet) return;
  if (cmd.binary.with_key) {
    binary::AppendResponse(out_, cmd.binary.opcode, Status::kKeyNotFound, cmd.binary.opaque, 0, {},
                           key, {});
  } else {
    Error(cmd, Status::kKeyNotFound);
  }
}

void BinaryReplyWriter::Done(const Command& cmd, const Result& r) {
  if (cmd.op == Op::kStats) {
    Stats(cmd, r);
    return;
  }
  switch (r.outcome) {
    case Outcome::kNone:
    case Outcome::kEnd: return;
    case Outcome::kStored:
    case Outcome::kDeleted:
    case Outcome::kTouched:
    case Outcome::kOk:
    case Outcome::kNoop:
    case Outcome::kClose: Success(cmd, r.cas); return;
    case Outcome::kVersion: Success(cmd, 0, r.text); return;
    case Outcome::kNumber: {
      char body[8];  // the new value, big-endian
      for (int i = 0; i < 8; ++i) body[i] = static_cast<char>(r.number >> (56 - 8 * i));
      Success(cmd, r.cas, std::string_view(body, sizeof body));
      return;
    }
    case Outcome::kExists: Error(cmd, Status::kKeyExists); return;
    case Outcome::kNotFound: Error(cmd, Status::kKeyNotFound); return;
    case Outcome::kNotStored:
      // memcached's complete_update_bin: a failed add means the key exists,
      // a failed replace that it does not.
      switch (BaseOpcode(cmd)) {
        case Opcode::kAdd: Error(cmd, Status::kKeyExists); return;
        case Opcode::kReplace: Error(cmd, Status::kKeyNotFound); return;
        default: Error(cmd, Status::kNotStored); return;
      }
    case Outcome::kTooLarge: Error(cmd, Status::kTooLarge); return;
    case Outcome::kOutOfMemory:
      Error(cmd, Status::kOutOfMemory, binary::kOutOfMemoryAllocating);
      return;
    case Outcome::kNonNumeric: Error(cmd, Status::kDeltaBadValue); return;
    case Outcome::kArithOutOfMemory:
      Error(cmd, Status::kOutOfMemory, binary::kOutOfMemoryIncrementing);
      return;
    case Outcome::kNewItemOutOfMemory:
      Error(cmd, Status::kOutOfMemory, binary::kOutOfMemoryNewItem);
      return;
    // memcached answers a disabled flush with an auth error, quiet or not.
    case Outcome::kFlushDisabled: Error(cmd, Status::kAuthError); return;
    case Outcome::kReset:
    case Outcome::kStats:
    case Outcome::kLines:
    case Outcome::kErrorLine: Error(cmd, Status::kUnknownCommand); return;
  }
}

// One packet per stat (key = name, value = value); `detail dump` as one
// packet keyed "detailed"; then an empty packet ends the list, except after
// sizes_enable/sizes_disable, which memcached sends without it.
void BinaryReplyWriter::Stats(const Command& cmd, const Result& r) {
  const BinaryFrame& f = cmd.binary;
  if (r.outcome == Outcome::kStats) {
    for (const auto& [name, value] : *r.stats) {
      binary::AppendResponse(out_, f.opcode, Status::kSuccess, f.opaque, 0, {}, name, value);
    }
    if (!r.stats_end) return;
  } else if (r.outcome == Outcome::kLines) {
    binary::AppendResponse(out_, f.opcode, Status::kSuccess, f.opaque, 0, {}, "detailed", r.text);
  } else if (r.outcome == Outcome::kErrorLine) {
    Error(cmd, Status::kKeyNotFound);
    return;
  }
  binary::AppendResponse(out_, f.opcode, Status::kSuccess, f.opaque, 0, {}, {}, {});
}

}  // namespace tandem::protocol
