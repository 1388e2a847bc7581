// BinaryReplyWriter: a command's result as memcached 1.6.18's binary
// response packets (proto_bin.c).
//
// Quiet opcodes hide their success (and a get's miss); errors are always
// sent, with memcached's status codes and error bodies. Where memcached maps
// one storage outcome to different statuses per opcode (a failed add is
// "exists", a failed replace "not found"), the request's opcode decides.
// `stat` sends one packet per field and an empty packet to end the list.
#ifndef TANDEM_PROTOCOL_BINARY_REPLY_WRITER_H_
#define TANDEM_PROTOCOL_BINARY_REPLY_WRITER_H_

#include <string>

#include "protocol/binary_types.h"
#include "protocol/result.h"

namespace tandem::protocol {

class BinaryReplyWriter final : public ReplyWriter {
 public:
  explicit BinaryReplyWriter(std::string* out) : out_(out) {}
  void Hit(const Command& cmd, const ItemReply& item) override;
  void Miss(const Command& cmd, std::string_view key) override;
  void MetaHit(const Command&, const MetaItemReply&) override {}
  void Done(const Command& cmd, const Result& result) override;

 private:
  void Success(const Command& cmd, uint64_t cas = 0, std::string_view value = {});
  void Error(const Command& cmd, binary::Status status, std::string_view text = {});
  void Stats(const Command& cmd, const Result& r);

  std::string* out_;
};

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_BINARY_REPLY_WRITER_H_
