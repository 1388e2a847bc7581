// TextHandler; see text_handler.h.
#include "server/text_handler.h"

#include <algorithm>
#include <optional>

#include "protocol/meta_parser.h"
#include "protocol/tokenizer.h"
#include "protocol/text_encoder.h"
#include "server/log.h"

namespace tandem::server {

TextHandler::TextHandler(const Settings& settings, Dispatcher& dispatcher, int fd)
    : settings_(settings), dispatcher_(dispatcher), fd_(fd), meta_(settings, dispatcher.engine()) {
  parser_options_.item_size_max = settings.item_size_max;
}

HandleResult TextHandler::HandleOne(std::string_view input, ThreadStats& stats, std::string* out) {
  // A line still without its newline goes to the text parser, which waits
  // or (past 2048 bytes) closes, the same for both grammars.
  if (const std::optional<protocol::Line> line = protocol::FindLine(input);
      line && protocol::IsMetaLine(line->text)) {
    HandleResult result = meta_.HandleOne(input, stats, out);
    if (!result.need_more && LogEnabled(settings_, 2)) LogRequest(input, result.consumed);
    return result;
  }
  protocol::ParseResult r = protocol::ParseTextCommand(input, parser_options_, &command_);
  HandleResult result;
  if (r.status == protocol::ParseStatus::kNeedMore) {
    result.need_more = true;
    return result;
  }
  if (LogEnabled(settings_, 2)) LogRequest(input, r.consumed);
  result.consumed = r.consumed;
  result.swallow = r.swallow;
  if (r.status == protocol::ParseStatus::kError) {
    // memcached's noreply hides parse errors too.
    if (!r.error_line.empty() && !command_.noreply) protocol::AppendLine(out, r.error_line);
    if (r.close_connection) result.action = DispatchAction::kClose;
    return result;
  }
  result.action = dispatcher_.Execute(command_, stats, out);
  return result;
}

void TextHandler::LogRequest(std::string_view input, size_t consumed) const {
  std::string_view line = input.substr(0, std::min(input.find('\n'), consumed));
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  Log(settings_, 2, "<%d %s", fd_, std::string(line));
}

}  // namespace tandem::server
