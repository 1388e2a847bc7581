// MetaReplyWriter; see meta_reply_writer.h.
#include "protocol/meta_reply_writer.h"

#include <charconv>

#include "protocol/error_strings.h"
#include "protocol/meta_encoder.h"
#include "protocol/text_encoder.h"
#include "protocol/text_reply_writer.h"

namespace tandem::protocol {
namespace {

// memcached prints "t" as an unsigned 32-bit difference of its clock values.
void AppendTtl(std::string* out, int64_t ttl) {
  if (ttl < 0) {
    AppendMetaFlagSigned(out, 't', -1);
  } else {
    AppendMetaFlag(out, 't', static_cast<uint32_t>(ttl));
  }
}

}  // namespace

void MetaReplyWriter::CodeWithOpaqueAndKey(const Command& cmd, std::string_view code) {
  out_->append(code);
  const MetaCommand& m = cmd.meta;
  for (size_t i = 0; i < m.flag_count; ++i) {
    const MetaFlag& f = m.flags[i];
    if (f.letter == 'O') AppendMetaOpaque(out_, f.token);
    if (f.letter == 'k') AppendMetaKey(out_, m.key, m.base64);
  }
  AppendMetaEnd(out_);
}

void MetaReplyWriter::MetaHit(const Command& cmd, const MetaItemReply& item) {
  const MetaCommand& m = cmd.meta;
  if (cmd.op == Op::kMetaDebug) {
    MetaDebugInfo info;
    info.exp = item.debug_exp;
    info.last_access = item.seconds_since_access;
    info.cas = item.cas;
    info.fetched = item.fetched_before;
    info.class_id = item.class_id;
    info.size = item.total_size;
    AppendMetaDebug(out_, item.key, item.key_binary, info);
    return;
  }
  // mg
  if (m.return_value) {
    AppendMetaValueHeader(out_, item.value_size);
  } else {
    out_->append(kMetaHit);
  }
  for (size_t i = 0; i < m.flag_count; ++i) {
    const MetaFlag& f = m.flags[i];
    switch (f.letter) {
      case 's': AppendMetaFlag(out_, 's', item.value_size); break;
      case 't': AppendTtl(out_, item.ttl_at[i]); break;
      case 'c': AppendMetaFlag(out_, 'c', item.cas); break;
      case 'f': AppendMetaFlag(out_, 'f', item.flags); break;
      case 'l': AppendMetaFlag(out_, 'l', item.seconds_since_access); break;
      case 'h': AppendMetaFlag(out_, 'h', item.fetched_before ? 1u : 0u); break;
      case 'O': AppendMetaOpaque(out_, f.token); break;
      // The stored key, encoded as it was stored (memcached's mg).
      case 'k': AppendMetaKey(out_, item.key, item.key_binary); break;
      default: break;
    }
  }
  // Z before X so a client never sees W with Z (memcached's order).
  if (item.token_sent) AppendMetaFlag(out_, 'Z');
  if (item.stale) AppendMetaFlag(out_, 'X');
  if (item.won) AppendMetaFlag(out_, 'W');
  AppendMetaEnd(out_);
  if (m.return_value) {
    item.append_value(out_);
    AppendMetaEnd(out_);
  }
}

void MetaReplyWriter::ArithHit(const Command& cmd, const Result& r) {
  const MetaCommand& m = cmd.meta;
  // q hides a nominal result, but not one from an autovivified item.
  if (m.quiet && !r.created) return;
  char digits[24];
  const size_t len =
      static_cast<size_t>(std::to_chars(digits, digits + sizeof digits, r.number).ptr - digits);
  if (m.return_value) {
    AppendMetaValueHeader(out_, len);
  } else {
    out_->append(kMetaHit);
  }
  for (size_t i = 0; i < m.flag_count; ++i) {
    const MetaFlag& f = m.flags[i];
    switch (f.letter) {
      case 'c': AppendMetaFlag(out_, 'c', r.meta_item->cas); break;
      case 't': AppendTtl(out_, r.meta_item->ttl_at[i]); break;
      case 'O': AppendMetaOpaque(out_, f.token); break;
      case 'k': AppendMetaKey(out_, m.key, m.base64); break;
      default: break;
    }
  }
  AppendMetaEnd(out_);
  if (m.return_value) {
    out_->append(digits, len);
    AppendMetaEnd(out_);
  }
}

void MetaReplyWriter::Done(const Command& cmd, const Result& r) {
  const MetaCommand& m = cmd.meta;
  const std::string_view error = TextErrorLine(r.outcome);
  if (!error.empty()) {
    AppendLine(out_, error);
    return;
  }
  switch (r.outcome) {
    case Outcome::kErrorLine: AppendLine(out_, r.text); return;
    case Outcome::kNoop: AppendLine(out_, kMetaNoop); return;
    case Outcome::kNumber: ArithHit(cmd, r); return;
    default: break;
  }
  switch (cmd.op) {
    case Op::kMetaGet:  // a miss
      if (m.opaque_too_long) {
        AppendLine(out_, kClientErrorOpaqueTooLong);
      } else if (!m.quiet) {
        CodeWithOpaqueAndKey(cmd, kMetaMiss);
      }
      return;
    case Op::kMetaDebug:  // a miss
      AppendLine(out_, kMetaMiss);
      return;
    case Op::kMetaSet: {
      std::string_view code;
      switch (r.outcome) {
        case Outcome::kStored:
          if (m.quiet) return;
          code = kMetaHit;
          break;
        case Outcome::kNotStored: code = kMetaNotStored; break;
        case Outcome::kExists: code = kMetaExists; break;
        default: code = kMetaNotFound; break;
      }
      out_->append(code);
      for (size_t i = 0; i < m.flag_count; ++i) {
        const MetaFlag& f = m.flags[i];
        switch (f.letter) {
          case 'O': AppendMetaOpaque(out_, f.token); break;
          case 'k': AppendMetaKey(out_, m.key, m.base64); break;
          // The CAS of the stored item; 0 when nothing was stored.
          case 'c': AppendMetaFlag(out_, 'c', r.outcome == Outcome::kStored ? r.cas : 0); break;
          default: break;
        }
      }
      AppendMetaEnd(out_);
      return;
    }
    case Op::kMetaDelete:
      if (r.outcome == Outcome::kDeleted) {
        if (!m.quiet) CodeWithOpaqueAndKey(cmd, kMetaHit);
      } else {
        CodeWithOpaqueAndKey(cmd, r.outcome == Outcome::kExists ? kMetaExists : kMetaNotFound);
      }
      return;
    case Op::kMetaArith:  // no item: only the opaque and the key come back
      if (m.opaque_too_long) {
        AppendLine(out_, kClientErrorOpaqueTooLong);
        return;
      }
      CodeWithOpaqueAndKey(cmd, r.outcome == Outcome::kExists ? kMetaExists : kMetaNotFound);
      return;
    default:
      AppendLine(out_, kError);
      return;
  }
}

}  // namespace tandem::protocol
