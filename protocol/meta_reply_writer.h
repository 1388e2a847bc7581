// MetaReplyWriter: a command's result in memcached 1.6.18's meta protocol.
//
// A meta reply is a two-letter code (HD VA EN NF NS EX MN ME) followed by
// the return flags the client asked for, in the order it asked for them.
// Quiet mode (q) hides only the nominal code of each command: EN for mg, HD
// for ms and md, and a success of ma on an existing item; errors are always
// sent. Failures that have a text-protocol line use the same line.
#ifndef TANDEM_PROTOCOL_META_REPLY_WRITER_H_
#define TANDEM_PROTOCOL_META_REPLY_WRITER_H_

#include <string>

#include "protocol/result.h"

namespace tandem::protocol {

class MetaReplyWriter final : public ReplyWriter {
 public:
  explicit MetaReplyWriter(std::string* out) : out_(out) {}
  void Hit(const Command&, const ItemReply&) override {}
  void Miss(const Command&, std::string_view) override {}
  void MetaHit(const Command& cmd, const MetaItemReply& item) override;
  void Done(const Command& cmd, const Result& result) override;

 private:
  void ArithHit(const Command& cmd, const Result& r);
  // code, then " O..." and " k..." as the client asked, then "\r\n".
  void CodeWithOpaqueAndKey(const Command& cmd, std::string_view code);

  std::string* out_;
};

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_META_REPLY_WRITER_H_
