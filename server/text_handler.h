// TextHandler: memcached's classic text protocol on one connection. Parses a
// request with protocol/text_parser, answers parse errors itself and hands
// well-formed commands to the Dispatcher. The Command is reused from request
// to request so its key vector keeps its capacity. Meta commands share the
// port: a complete line whose first token is two bytes starting with 'm'
// (memcached's own routing rule) goes to the MetaHandler instead.
#ifndef TANDEM_SERVER_TEXT_HANDLER_H_
#define TANDEM_SERVER_TEXT_HANDLER_H_

#include <cstddef>
#include <optional>

#include "protocol/command.h"
#include "protocol/text_parser.h"
#include "server/meta_handler.h"
#include "server/request_handler.h"
#include "server/settings.h"

namespace tandem::server {

class TextHandler final : public RequestHandler {
 public:
  TextHandler(const Settings& settings, Dispatcher& dispatcher, int fd);
  HandleResult HandleOne(std::string_view input, ThreadStats& stats, std::string* out) override;

 private:
  void LogRequest(std::string_view input, size_t consumed) const;
  // Answers the get-family command in command_, whose line starts `input`,
  // up to the reply budget; when keys remain, consumes only the answered
  // ones and remembers the command in pending_.
  HandleResult Retrieve(std::string_view input, size_t line_length, ThreadStats& stats, std::string* out);
  // The rest of a key list after a partly answered get.
  HandleResult ContinueRetrieval(std::string_view input, ThreadStats& stats, std::string* out);

  const Settings& settings_;
  Dispatcher& dispatcher_;
  const int fd_;  // for -vv log lines only
  protocol::TextParserOptions parser_options_;
  protocol::Command command_;
  MetaHandler meta_;
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
