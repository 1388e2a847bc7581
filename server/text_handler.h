// TextHandler: framing for memcached's text port, which speaks two grammars.
// A complete line whose first token is two bytes starting with 'm'
// (memcached's own routing rule) is a meta command (protocol/meta_parser);
// anything else is a classic text command (protocol/text_parser). Either
// way the Command goes to the Executor, and the matching reply writer
// (protocol/text_reply_writer, protocol/meta_reply_writer) produces the
// bytes. Parse errors are answered here, as the parsers spell them.
//
// The Command is reused from request to request so its key vector keeps its
// capacity. A get naming many keys is answered in parts (see Retrieve).
#ifndef TANDEM_SERVER_TEXT_HANDLER_H_
#define TANDEM_SERVER_TEXT_HANDLER_H_

#include <cstddef>
#include <optional>

#include "protocol/command.h"
#include "protocol/meta_parser.h"
#include "protocol/text_parser.h"
#include "protocol/tokenizer.h"
#include "server/auth/auth_users.h"
#include "server/executor.h"
#include "server/request_handler.h"
#include "server/settings.h"

namespace tandem::server {

class TextHandler final : public RequestHandler {
 public:
  // forwarder: where conditional commands for keys the peer owns go (null:
  // never forwarded, as on a single node or when running a forwarded request).
  // users: with -Y, the connection must authenticate first (auth/ascii_auth.h);
  // null: it starts authenticated.
  TextHandler(const Settings& settings, Executor& executor, int fd, Forwarder* forwarder = nullptr,
              const AuthUsers* users = nullptr);
  HandleResult HandleOne(std::string_view input, ThreadStats& stats, std::string* out) override;

  void AnswerFailure(std::string_view request, ServerFailure failure, std::string* out) override;

 private:
  // The parsed command_ goes to its key's owner instead of running here.
  bool Forwards(const protocol::ParseResult& r) const;
  HandleResult Forward(std::string_view input, size_t consumed);
  // A meta request whose line `line` starts `input`.
  HandleResult HandleMeta(std::string_view input, const protocol::Line& line, ThreadStats& stats,
                          std::string* out);
  void LogRequest(std::string_view input, size_t consumed) const;
  // Answers the get-family command in command_, whose line starts `input`,
  // up to the reply budget; when keys remain, consumes only the answered
  // ones and remembers the command in pending_.
  HandleResult Retrieve(std::string_view input, size_t line_length, ThreadStats& stats, std::string* out);
  // The rest of a key list after a partly answered get.
  HandleResult ContinueRetrieval(std::string_view input, ThreadStats& stats, std::string* out);

  const Settings& settings_;
  Executor& executor_;
  const int fd_;  // for -vv log lines only
  Forwarder* const forwarder_;
  const AuthUsers* const users_;
  bool authenticated_;
  protocol::TextParserOptions parser_options_;
  protocol::MetaParserOptions meta_options_;
  protocol::Command command_;
  // A get-family command answered in parts: while set, the input starts at
  // the first key of its line still to answer (already validated).
  struct PendingRetrieval {
    protocol::Op op;
    int64_t exptime;
  };
  std::optional<PendingRetrieval> pending_;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_TEXT_HANDLER_H_
