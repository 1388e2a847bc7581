// MetaHandler: memcached's meta protocol (mg ms md ma mn me) on a text
// connection. TextHandler routes every line whose first token is two bytes
// starting with 'm' here; this parses it with protocol/meta_parser, runs it
// against the Engine's meta calls and writes memcached 1.6.18's reply bytes:
// return flags in request order, q hiding only the nominal code of each
// command (EN for mg, HD for ms/md, every success of ma on an existing
// item), errors always sent. Like the Dispatcher for text commands, this is
// where the meta protocol meets storage.
#ifndef TANDEM_SERVER_META_HANDLER_H_
#define TANDEM_SERVER_META_HANDLER_H_

#include <string>
#include <string_view>

#include "protocol/meta_command.h"
#include "protocol/meta_parser.h"
#include "server/request_handler.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/storage/engine.h"

namespace tandem::server {

class MetaHandler {
 public:
  MetaHandler(const Settings& settings, storage::Engine& engine);
  // Same contract as RequestHandler::HandleOne, for one meta request.
  HandleResult HandleOne(std::string_view input, ThreadStats& stats, std::string* out);

 private:
  void Get(ThreadStats& ts, std::string* out);
  void Set(ThreadStats& ts, std::string* out);
  void Delete(ThreadStats& ts, std::string* out);
  void Arith(ThreadStats& ts, std::string* out);
  void Debug(ThreadStats& ts, std::string* out);
  // " O..." and " k..." for the replies that echo only those two.
  void AppendOpaqueAndKey(std::string* line) const;

  storage::Engine& engine_;
  protocol::MetaParserOptions options_;
  protocol::MetaCommand cmd_;
  std::string line_;  // reply line under construction
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_META_HANDLER_H_
