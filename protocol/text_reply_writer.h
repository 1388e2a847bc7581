// TextReplyWriter: a command's result in the classic text protocol.
//
// VALUE blocks for hits (with the CAS for gets/gats), END after them, and
// one line for everything else. memcached's noreply suppresses every reply
// of a command, errors included (its out_string drops the line), so Done
// honours it in one place.
#ifndef TANDEM_PROTOCOL_TEXT_REPLY_WRITER_H_
#define TANDEM_PROTOCOL_TEXT_REPLY_WRITER_H_

#include <string>

#include "protocol/result.h"

namespace tandem::protocol {

class TextReplyWriter final : public ReplyWriter {
 public:
  explicit TextReplyWriter(std::string* out) : out_(out) {}
  void Hit(const Command& cmd, const ItemReply& item) override;
  void Miss(const Command&, std::string_view) override {}
  void MetaHit(const Command&, const MetaItemReply&) override {}
  void Done(const Command& cmd, const Result& result) override;

 private:
  std::string* out_;
};

// The line memcached's text protocol sends for a failure outcome (the
// meta protocol sends the same lines); empty for other outcomes.
std::string_view TextErrorLine(Outcome outcome);

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_TEXT_REPLY_WRITER_H_
