// Request encoder (see request_encoder.h). For text requests a table gives
// each op its keyword and request shape; one switch per shape validates and
// writes the fields. Meta requests copy their flag tokens; binary requests
// are built on binary_encoder's AppendRequest, with binary_parser's opcode
// table deciding which opcodes each encoder accepts.
#include "protocol/request_encoder.h"

#include <array>
#include <limits>
#include <string>

#include "protocol/binary_encoder.h"
#include "protocol/binary_parser.h"
#include "protocol/limits.h"
#include "protocol/text_encoder.h"

namespace tandem::protocol {

// ---------------------------------------------------------------------------
// Classic text requests
// ---------------------------------------------------------------------------

namespace {

enum class Shape {
  kRetrieval,       // get k...
  kTouchRetrieval,  // gat exptime k...
  kStorage,         // set k flags exptime bytes \r\n data
  kCas,             // cas k flags exptime bytes cas \r\n data
  kArithmetic,      // incr k delta
  kKeyOnly,         // delete k
  kKeyExptime,      // touch k exptime
  kOptionalNumber,  // flush_all [delay]
  kNumber,          // verbosity n
  kBare,            // version, quit, mn
  kArgs,            // stats [args]
};

struct OpSpec {
  Op op;
  const char* keyword;
  Shape shape;
  bool allows_noreply;
};

constexpr std::array<OpSpec, 20> kOps = {{
    {Op::kGet, "get", Shape::kRetrieval, false},
    {Op::kGets, "gets", Shape::kRetrieval, false},
    {Op::kGat, "gat", Shape::kTouchRetrieval, false},
    {Op::kGats, "gats", Shape::kTouchRetrieval, false},
    {Op::kSet, "set", Shape::kStorage, true},
    {Op::kAdd, "add", Shape::kStorage, true},
    {Op::kReplace, "replace", Shape::kStorage, true},
    {Op::kAppend, "append", Shape::kStorage, true},
    {Op::kPrepend, "prepend", Shape::kStorage, true},
    {Op::kCas, "cas", Shape::kCas, true},
    {Op::kIncr, "incr", Shape::kArithmetic, true},
    {Op::kDecr, "decr", Shape::kArithmetic, true},
    {Op::kDelete, "delete", Shape::kKeyOnly, true},
    {Op::kTouch, "touch", Shape::kKeyExptime, true},
    {Op::kFlushAll, "flush_all", Shape::kOptionalNumber, true},
    {Op::kVerbosity, "verbosity", Shape::kNumber, true},
    {Op::kVersion, "version", Shape::kBare, false},
    {Op::kQuit, "quit", Shape::kBare, false},
    {Op::kMetaNoop, "mn", Shape::kBare, false},
    {Op::kStats, "stats", Shape::kArgs, false},
}};

const OpSpec* FindOp(Op op) {
  for (const OpSpec& spec : kOps) {
    if (spec.op == op) return &spec;
  }
  return nullptr;
}

void AppendSpaceInt(std::string* out, auto value) {
  out->push_back(' ');
  AppendInt(out, value);
}

void AppendSpaceKey(std::string* out, std::string_view key) {
  out->push_back(' ');
  out->append(key);
}

}  // namespace

absl::Status ValidateKey(std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("empty key");
  if (key.size() > kMaxKeyLength) {
    return absl::InvalidArgumentError("key longer than 250 bytes");
  }
  for (unsigned char c : key) {
    if (c <= ' ' || c == 0x7f) {
      return absl::InvalidArgumentError("key contains a space or control byte");
    }
  }
  return absl::OkStatus();
}

absl::Status EncodeRequest(const Command& command, std::string* out) {
  const OpSpec* spec = FindOp(command.op);
  if (spec == nullptr) return absl::InvalidArgumentError("operation has no text request form");
  if (command.noreply && !spec->allows_noreply) {
    return absl::InvalidArgumentError("noreply is not allowed on this command");
  }

  // Validate everything before appending anything.
  switch (spec->shape) {
    case Shape::kRetrieval:
    case Shape::kTouchRetrieval: {
      if (command.keys.empty()) {
        absl::Status status = ValidateKey(command.key);
        if (!status.ok()) return status;
      }
      for (std::string_view key : command.keys) {
        absl::Status status = ValidateKey(key);
        if (!status.ok()) return status;
      }
      break;
    }
    case Shape::kStorage:
    case Shape::kCas:
    case Shape::kArithmetic:
    case Shape::kKeyOnly:
    case Shape::kKeyExptime: {
      absl::Status status = ValidateKey(command.key);
      if (!status.ok()) return status;
      break;
    }
    case Shape::kArgs:
      if (command.args.find_first_of("\r\n") != std::string_view::npos) {
        return absl::InvalidArgumentError("stats arguments contain a line break");
      }
      break;
    default:
      break;
  }

  out->append(spec->keyword);
  switch (spec->shape) {
    case Shape::kRetrieval:
    case Shape::kTouchRetrieval:
      if (spec->shape == Shape::kTouchRetrieval) AppendSpaceInt(out, command.exptime);
      if (command.keys.empty()) {
        AppendSpaceKey(out, command.key);
      } else {
        for (std::string_view key : command.keys) AppendSpaceKey(out, key);
      }
      break;
    case Shape::kStorage:
    case Shape::kCas:
      AppendSpaceKey(out, command.key);
      AppendSpaceInt(out, command.client_flags);
      AppendSpaceInt(out, command.exptime);
      AppendSpaceInt(out, command.value.size());
      if (spec->shape == Shape::kCas) AppendSpaceInt(out, command.cas_unique);
      break;
    case Shape::kArithmetic:
      AppendSpaceKey(out, command.key);
      AppendSpaceInt(out, command.delta);
      break;
    case Shape::kKeyOnly:
      AppendSpaceKey(out, command.key);
      break;
    case Shape::kKeyExptime:
      AppendSpaceKey(out, command.key);
      AppendSpaceInt(out, command.exptime);
      break;
    case Shape::kOptionalNumber:
      if (command.has_number) AppendSpaceInt(out, command.number);
      break;
    case Shape::kNumber:
      AppendSpaceInt(out, command.number);
      break;
    case Shape::kBare:
      break;
    case Shape::kArgs:
      if (!command.args.empty()) {
        out->push_back(' ');
        out->append(command.args);
      }
      break;
  }
  if (command.noreply) out->append(" noreply");
  out->append("\r\n");
  if (spec->shape == Shape::kStorage || spec->shape == Shape::kCas) {
    AppendDataBlock(out, command.value);
  }
  return absl::OkStatus();
}

void AppendRawRequestLine(std::string* out, std::string_view line) {
  out->append(line);
  out->append("\r\n");
}

void AppendDataBlock(std::string* out, std::string_view data) {
  out->append(data);
  out->append("\r\n");
}

// ---------------------------------------------------------------------------
// Meta requests
// ---------------------------------------------------------------------------

namespace {

const char* MetaKeyword(MetaOp op) {
  switch (op) {
    case MetaOp::kGet: return "mg";
    case MetaOp::kSet: return "ms";
    case MetaOp::kDelete: return "md";
    case MetaOp::kArith: return "ma";
    case MetaOp::kNoop: return "mn";
    case MetaOp::kDebug: return "me";
    case MetaOp::kNone: break;
  }
  return nullptr;
}

absl::Status ValidateMetaFlag(const MetaFlag& flag) {
  if (flag.token.empty() || flag.token.front() != flag.letter) {
    return absl::InvalidArgumentError("meta flag token does not start with its letter");
  }
  for (unsigned char c : flag.token) {
    if (c <= ' ' || c == 0x7f) {
      return absl::InvalidArgumentError("meta flag contains a space or control byte");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateMetaRequest(const MetaCommand& command) {
  if (command.base64) return absl::InvalidArgumentError("base64 meta keys are not supported");
  absl::Status status = ValidateKey(command.key);
  if (!status.ok()) return status;
  if (command.flag_count > command.flags.size()) {
    return absl::InvalidArgumentError("more meta flags than a request can hold");
  }
  for (size_t i = 0; i < command.flag_count; ++i) {
    status = ValidateMetaFlag(command.flags[i]);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EncodeMetaRequest(const MetaCommand& command, std::string* out) {
  const char* keyword = MetaKeyword(command.op);
  if (keyword == nullptr) return absl::InvalidArgumentError("meta operation has no request form");
  if (command.op == MetaOp::kNoop) {
    AppendRawRequestLine(out, keyword);
    return absl::OkStatus();
  }
  absl::Status status = ValidateMetaRequest(command);
  if (!status.ok()) return status;

  out->append(keyword);
  AppendSpaceKey(out, command.key);
  if (command.op == MetaOp::kSet) AppendSpaceInt(out, command.value.size());
  for (size_t i = 0; i < command.flag_count; ++i) AppendSpaceKey(out, command.flags[i].token);
  out->append("\r\n");
  if (command.op == MetaOp::kSet) AppendDataBlock(out, command.value);
  return absl::OkStatus();
}

}  // namespace tandem::protocol

// ---------------------------------------------------------------------------
// Binary requests
// ---------------------------------------------------------------------------

namespace tandem::protocol::binary {

namespace {

constexpr size_t kStoreExtrasSize = 8;  // flags, exptime

absl::Status ValidateBinaryKey(std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("empty key");
  if (key.size() > kMaxKeyLength) return absl::InvalidArgumentError("key longer than 250 bytes");
  return absl::OkStatus();
}

bool IsOpcodeOf(Opcode opcode, Shape shape) {
  return OpcodeInfoFor(static_cast<uint8_t>(opcode)).shape == shape;
}

}  // namespace

absl::Status EncodeGetRequest(Opcode opcode, std::string_view key, std::string* out) {
  const Opcode base = OpcodeInfoFor(static_cast<uint8_t>(opcode)).base;
  if (!IsOpcodeOf(opcode, Shape::kKey) || (base != Opcode::kGet && base != Opcode::kGetK)) {
    return absl::InvalidArgumentError("not a GET-family opcode");
  }
  absl::Status status = ValidateBinaryKey(key);
  if (!status.ok()) return status;
  AppendRequest(out, static_cast<uint8_t>(opcode), 0, 0, {}, key, {});
  return absl::OkStatus();
}

absl::Status EncodeStoreRequest(Opcode opcode, std::string_view key, std::string_view value,
                                const StoreFields& fields, std::string* out) {
  if (!IsOpcodeOf(opcode, Shape::kStore)) return absl::InvalidArgumentError("not a SET-family opcode");
  absl::Status status = ValidateBinaryKey(key);
  if (!status.ok()) return status;
  if (value.size() > std::numeric_limits<uint32_t>::max() - kStoreExtrasSize - key.size()) {
    return absl::InvalidArgumentError("value too large for a binary packet");
  }
  char extras[kStoreExtrasSize];
  for (int i = 0; i < 4; ++i) {
    extras[i] = static_cast<char>(fields.flags >> (24 - 8 * i));
    extras[4 + i] = static_cast<char>(fields.exptime >> (24 - 8 * i));
  }
  AppendRequest(out, static_cast<uint8_t>(opcode), 0, fields.cas, std::string_view(extras, kStoreExtrasSize),
                key, value);
  return absl::OkStatus();
}

void AppendNoopRequest(std::string* out) {
  AppendRequest(out, static_cast<uint8_t>(Opcode::kNoop), 0, 0, {}, {}, {});
}

}  // namespace tandem::protocol::binary
