// Request encoder (see request_encoder.h). A table gives each op its
// keyword and request shape; one function per shape writes the fields.
#include "protocol/request_encoder.h"

#include <array>
#include <string>

#include "protocol/limits.h"
#include "protocol/text_encoder.h"

namespace tandem::protocol {

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
    out->append(command.value);
    out->append("\r\n");
  }
  return absl::OkStatus();
}

}  // namespace tandem::protocol
