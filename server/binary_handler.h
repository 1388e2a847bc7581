// BinaryHandler: framing for memcached's binary protocol on one connection.
// Parses one request with protocol/binary_parser, checks its header as
// memcached 1.6.18's proto_bin.c does (and closes the connection where it
// does), turns it into a Command for the Executor, and lets
// protocol/binary_reply_writer answer in packets.
//
// Not copied from memcached, on purpose:
// - When a bad magic byte (or a desynchronised stream) closes the
//   connection, memcached drops the replies it had queued since its last
//   flush point (a NOOP, an error, the end of a read); tandem sends every
//   reply it produced before closing.
// - -vv logs one line per request rather than memcached's hex dump.
// - Without -S the SASL opcodes get memcached's answer for a server without
//   SASL ("Unknown command"); with -S, auth/binary_sasl.h gates the
//   connection and answers them.
#ifndef TANDEM_SERVER_BINARY_HANDLER_H_
#define TANDEM_SERVER_BINARY_HANDLER_H_

#include <memory>
#include <string>
#include <string_view>

#include "protocol/binary_parser.h"
#include "protocol/command.h"
#include "server/auth/binary_sasl.h"
#include "server/executor.h"
#include "server/request_handler.h"
#include "server/settings.h"

namespace tandem::server {

class BinaryHandler final : public RequestHandler {
 public:
  // forwarder: see TextHandler.
  // sasl: with -S, the connection must authenticate with SASL first; null:
  // it starts authenticated.
  BinaryHandler(const Settings& settings, Executor& executor, int fd, Forwarder* forwarder = nullptr,
                const SaslLibrary* sasl = nullptr);
  HandleResult HandleOne(std::string_view input, ThreadStats& stats, std::string* out) override;

  void AnswerFailure(std::string_view request, ServerFailure failure, std::string* out) override;

 private:
  // An opcode the server does not carry out: memcached's answer, and the
  // bytes it swallows after the request.
  size_t Refuse(const protocol::binary::Request& req, std::string* out) const;
  void LogRequest(const protocol::binary::Request& req) const;

  const Settings& settings_;
  Executor& executor_;
  const int fd_;  // for -vv log lines only
  Forwarder* const forwarder_;
  std::unique_ptr<BinarySasl> sasl_;  // -S only
  protocol::binary::ParserOptions parser_options_;
  protocol::binary::Request request_;
  protocol::Command command_;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_BINARY_HANDLER_H_
