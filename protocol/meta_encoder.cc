// Meta encoder; see meta_encoder.h.
#include "protocol/meta_encoder.h"

#include "protocol/meta_parser.h"
#include "protocol/text_encoder.h"

namespace tandem::protocol {

void AppendMetaValueHeader(std::string* out, size_t size) {
  out->append(kMetaValuePrefix);
  AppendInt(out, size);
}

void AppendMetaFlag(std::string* out, char letter, uint64_t n) {
  out->push_back(' ');
  out->push_back(letter);
  AppendInt(out, n);
}

void AppendMetaFlagSigned(std::string* out, char letter, int64_t n) {
  out->push_back(' ');
  out->push_back(letter);
  AppendInt(out, n);
}

void AppendMetaFlag(std::string* out, char letter) {
  out->push_back(' ');
  out->push_back(letter);
}

void AppendMetaOpaque(std::string* out, std::string_view token) {
  out->push_back(' ');
  out->append(token);
}

void AppendMetaKey(std::string* out, std::string_view key, bool base64) {
  out->append(" k");
  if (!base64) {
    out->append(key);
    return;
  }
  Base64Encode(key, out);
  out->append(" b");
}

void AppendMetaEnd(std::string* out) { out->append("\r\n"); }

void AppendMetaDebug(std::string* out, std::string_view key, bool base64,
                     const MetaDebugInfo& info) {
  out->append(kMetaDebugPrefix);
  if (base64) {
    Base64Encode(key, out);
  } else {
    out->append(key);
  }
  out->append(" exp=");
  AppendInt(out, info.exp);
  out->append(" la=");
  AppendInt(out, info.last_access);
  out->append(" cas=");
  AppendInt(out, info.cas);
  out->append(info.fetched ? " fetch=yes" : " fetch=no");
  out->append(" cls=");
  AppendInt(out, info.class_id);
  out->append(" size=");
  AppendInt(out, info.size);
  out->append("\r\n");
}

}  // namespace tandem::protocol
