// TextReplyWriter; see text_reply_writer.h.
#include "protocol/text_reply_writer.h"

#include "protocol/error_strings.h"
#include "protocol/text_encoder.h"

namespace tandem::protocol {

std::string_view TextErrorLine(Outcome outcome) {
  switch (outcome) {
    case Outcome::kTooLarge: return kServerErrorObjectTooLarge;
    case Outcome::kOutOfMemory: return kServerErrorOutOfMemoryStoring;
    case Outcome::kNonNumeric: return kClientErrorNonNumeric;
    case Outcome::kArithOutOfMemory: return kServerErrorOutOfMemory;
    case Outcome::kNewItemOutOfMemory: return kServerErrorOutOfMemoryNewItem;
    case Outcome::kFlushDisabled: return kClientErrorFlushAllNotAllowed;
    default: return {};
  }
}

void TextReplyWriter::Hit(const Command& cmd, const ItemReply& item) {
  if (cmd.op == Op::kGets || cmd.op == Op::kGats) {
    AppendValueHeaderWithCas(out_, item.key, item.flags, item.value_size, item.cas);
  } else {
    AppendValueHeader(out_, item.key, item.flags, item.value_size);
  }
  item.append_value(out_);
  out_->append("\r\n");
}

void TextReplyWriter::Done(const Command& cmd, const Result& r) {
  if (cmd.noreply) return;
  switch (r.outcome) {
    case Outcome::kNone:
    case Outcome::kClose: return;
    case Outcome::kStored: AppendLine(out_, kStored); return;
    case Outcome::kNotStored: AppendLine(out_, kNotStored); return;
    case Outcome::kExists: AppendLine(out_, kExists); return;
    case Outcome::kNotFound: AppendLine(out_, kNotFound); return;
    case Outcome::kDeleted: AppendLine(out_, kDeleted); return;
    case Outcome::kTouched: AppendLine(out_, kTouched); return;
    case Outcome::kOk: AppendLine(out_, kOk); return;
    case Outcome::kReset: AppendLine(out_, kReset); return;
    case Outcome::kNumber: AppendNumberLine(out_, r.number); return;
    case Outcome::kEnd: AppendLine(out_, kEnd); return;
    case Outcome::kVersion: AppendVersion(out_, r.text); return;
    case Outcome::kNoop: AppendLine(out_, "MN"); return;
    case Outcome::kStats:
      for (const auto& [name, value] : *r.stats) AppendStat(out_, name, value);
      if (r.stats_end) AppendLine(out_, kEnd);
      return;
    case Outcome::kLines: out_->append(r.text); return;
    case Outcome::kErrorLine: AppendLine(out_, r.text); return;
    case Outcome::kTooLarge:
    case Outcome::kOutOfMemory:
    case Outcome::kNonNumeric:
    case Outcome::kArithOutOfMemory:
    case Outcome::kNewItemOutOfMemory:
    case Outcome::kFlushDisabled: AppendLine(out_, TextErrorLine(r.outcome)); return;
  }
}

}  // namespace tandem::protocol
