// RequestWriter (see request_writer.h): one function per protocol for
// gets; sets differ only in which encoder they call.
#include "tools/bench/request_writer.h"

#include <initializer_list>

#include "protocol/binary_types.h"
#include "protocol/request_encoder.h"

namespace tandem::bench {

namespace {

protocol::MetaCommand MetaTemplate(protocol::MetaOp op, std::initializer_list<std::string_view> tokens) {
  protocol::MetaCommand command;
  command.op = op;
  for (std::string_view token : tokens) {
    command.flags[command.flag_count++] = protocol::MetaFlag{token.front(), token};
  }
  return command;
}

// Runs `append` and, when it fails, takes back whatever it appended.
template <typename Append>
absl::Status AllOrNothing(std::string* out, Append append) {
  const size_t size = out->size();
  absl::Status status = append();
  if (!status.ok()) out->resize(size);
  return status;
}

}  // namespace

RequestWriter::RequestWriter(const Workload* workload)
    : workload_(workload),
      key_text_(static_cast<size_t>(workload->spec().multiget) * workload->spec().key_size, '\0'),
      meta_get_(MetaTemplate(protocol::MetaOp::kGet, {"v", "f"})),
      meta_get_quiet_(MetaTemplate(protocol::MetaOp::kGet, {"v", "f", "q"})),
      meta_set_(MetaTemplate(protocol::MetaOp::kSet, {"F0"})),
      meta_noop_(MetaTemplate(protocol::MetaOp::kNoop, {})) {
  text_get_.op = protocol::Op::kGet;
  text_get_.keys.reserve(static_cast<size_t>(workload->spec().multiget));
  text_set_.op = protocol::Op::kSet;
}

std::string_view RequestWriter::Key(int slot, uint64_t index) {
  const size_t size = static_cast<size_t>(workload_->spec().key_size);
  char* text = key_text_.data() + static_cast<size_t>(slot) * size;
  workload_->FormatKey(index, text);
  return std::string_view(text, size);
}

absl::Status RequestWriter::AppendGet(const uint64_t* indices, int n, std::string* out) {
  switch (workload_->spec().protocol) {
    case Protocol::kMeta:
      return AllOrNothing(out, [&] { return AppendMetaGet(indices, n, out); });
    case Protocol::kBinary:
      return AllOrNothing(out, [&] { return AppendBinaryGet(indices, n, out); });
    case Protocol::kText:
      break;
  }
  return AppendTextGet(indices, n, out);
}

absl::Status RequestWriter::AppendTextGet(const uint64_t* indices, int n, std::string* out) {
  text_get_.keys.clear();
  for (int i = 0; i < n; ++i) text_get_.keys.push_back(Key(i, indices[i]));
  return protocol::EncodeRequest(text_get_, out);
}

absl::Status RequestWriter::AppendMetaGet(const uint64_t* indices, int n, std::string* out) {
  protocol::MetaCommand& get = n == 1 ? meta_get_ : meta_get_quiet_;
  for (int i = 0; i < n; ++i) {
    get.key = Key(0, indices[i]);
    absl::Status status = protocol::EncodeMetaRequest(get, out);
    if (!status.ok()) return status;
  }
  if (n == 1) return absl::OkStatus();
  return protocol::EncodeMetaRequest(meta_noop_, out);
}

absl::Status RequestWriter::AppendBinaryGet(const uint64_t* indices, int n, std::string* out) {
  const protocol::binary::Opcode opcode =
      n == 1 ? protocol::binary::Opcode::kGetK : protocol::binary::Opcode::kGetKQ;
  for (int i = 0; i < n; ++i) {
    absl::Status status = protocol::binary::EncodeGetRequest(opcode, Key(0, indices[i]), out);
    if (!status.ok()) return status;
  }
  if (n > 1) protocol::binary::AppendNoopRequest(out);
  return absl::OkStatus();
}

absl::Status RequestWriter::AppendSet(uint64_t index, int size, std::string* out) {
  const std::string_view key = Key(0, index);
  const std::string_view value = workload_->Value(size);
  switch (workload_->spec().protocol) {
    case Protocol::kMeta:
      meta_set_.key = key;
      meta_set_.value = value;
      return protocol::EncodeMetaRequest(meta_set_, out);
    case Protocol::kBinary:
      return protocol::binary::EncodeStoreRequest(protocol::binary::Opcode::kSet, key, value, {}, out);
    case Protocol::kText:
      break;
  }
  text_set_.key = key;
  text_set_.value = value;
  return protocol::EncodeRequest(text_set_, out);
}

}  // namespace tandem::bench
