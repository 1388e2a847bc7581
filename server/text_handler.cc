// TextHandler; see text_handler.h.
#include "server/text_handler.h"

#include <algorithm>
#include <optional>

#include "protocol/error_strings.h"
#include "protocol/meta_parser.h"
#include "protocol/meta_reply_writer.h"
#include "protocol/text_encoder.h"
#include "protocol/text_reply_writer.h"
#include "protocol/tokenizer.h"
#include "server/auth/ascii_auth.h"
#include "server/log.h"

namespace tandem::server {
namespace {

// Reply bytes a get adds before the rest of its keys wait for the client to
// read: values are copied into the reply, so without a budget one get line
// naming a 1 MB value a million times would queue a terabyte.
constexpr size_t kRetrievalBudget = 256 * 1024;

}  // namespace

TextHandler::TextHandler(const Settings& settings, Executor& executor, int fd, Forwarder* forwarder,
                         const AuthUsers* users)
    : settings_(settings), executor_(executor), fd_(fd), forwarder_(forwarder), users_(users),
      authenticated_(users == nullptr) {
  parser_options_.item_size_max = settings.item_size_max;
  meta_options_.item_size_max = settings.item_size_max;
}

HandleResult TextHandler::HandleOne(std::string_view input, ThreadStats& stats, std::string* out) {
  if (!authenticated_) return HandleAsciiAuth(input, *users_, stats, out, &authenticated_);
  if (pending_) return ContinueRetrieval(input, stats, out);
  // The line is framed once, here, to pick the grammar. A line still
  // without its newline goes to the text parser, which waits or (past 2048
  // bytes) closes, the same for both grammars.
  const std::optional<protocol::Line> line = protocol::FindLine(input);
  if (line && protocol::IsMetaLine(line->text)) {
    HandleResult result = HandleMeta(input, *line, stats, out);
    if (!result.need_more && LogEnabled(settings_, 2)) LogRequest(input, result.consumed);
    return result;
  }
  const protocol::ParseResult r =
      line ? protocol::ParseTextLine(input, *line, parser_options_, &command_)
           : protocol::ParseTextCommand(input, parser_options_, &command_);
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
  if (Forwards(r)) return Forward(input, r.consumed);
  if (protocol::IsRetrieval(command_.op)) return Retrieve(input, r.consumed, stats, out);
  protocol::TextReplyWriter writer(out);
  ExecContext ctx(stats, writer);
  result.action = executor_.Execute(command_, ctx);
  result.stream_end = ctx.receipt.stream_end;
  return result;
}

// Meta errors are sent whatever q says; a meta line never closes the
// connection except past the line limit.
HandleResult TextHandler::HandleMeta(std::string_view input, const protocol::Line& line,
                                     ThreadStats& stats, std::string* out) {
  const protocol::ParseResult r = protocol::ParseMetaLine(input, line, meta_options_, &command_);
  HandleResult result;
  if (r.status == protocol::ParseStatus::kNeedMore) {
    result.need_more = true;
    return result;
  }
  result.consumed = r.consumed;
  result.swallow = r.swallow;
  if (r.status == protocol::ParseStatus::kError) {
    if (!r.error_line.empty()) protocol::AppendLine(out, r.error_line);
    if (r.close_connection) result.action = DispatchAction::kClose;
    return result;
  }
  if (Forwards(r)) return Forward(input, r.consumed);
  protocol::MetaReplyWriter writer(out);
  ExecContext ctx(stats, writer);
  result.action = executor_.Execute(command_, ctx);
  result.stream_end = ctx.receipt.stream_end;
  return result;
}

// A refused data block (swallowed, answered SERVER_ERROR here) is not
// forwarded: the owner would not get the bytes to refuse.
bool TextHandler::Forwards(const protocol::ParseResult& r) const {
  return may_forward() && r.swallow == 0 && !command_.value_too_large &&
         ForwardsToPeer(forwarder_, command_);
}

HandleResult TextHandler::Forward(std::string_view input, size_t consumed) {
  HandleResult result;
  result.consumed = consumed;
  result.forward = std::make_shared<ForwardCall>(forwarder_, WireKind::kText, input.substr(0, consumed));
  return result;
}

// The request parsed before it was forwarded, so it parses again; the
// writer knows whether noreply hides the line (meta errors always show).
void TextHandler::AnswerFailure(std::string_view request, ServerFailure failure, std::string* out) {
  static constexpr std::string_view kLines[] = {
      protocol::kServerErrorPeerLost,        // kPeerLost
      protocol::kServerErrorNotReplicated,   // kNotReplicated
  };
  const std::string_view error = kLines[static_cast<size_t>(failure)];
  const std::optional<protocol::Line> line = protocol::FindLine(request);
  if (line && protocol::IsMetaLine(line->text)) {
    protocol::ParseMetaCommand(request, meta_options_, &command_);
    protocol::MetaReplyWriter writer(out);
    writer.Done(command_, protocol::Result::ErrorLine(error));
    return;
  }
  protocol::ParseTextCommand(request, parser_options_, &command_);
  protocol::TextReplyWriter writer(out);
  writer.Done(command_, protocol::Result::ErrorLine(error));
}

HandleResult TextHandler::Retrieve(std::string_view input, size_t line_length, ThreadStats& stats,
                                   std::string* out) {
  protocol::TextReplyWriter writer(out);
  ExecContext ctx(stats, writer);
  const size_t answered =
      executor_.RetrievePart(command_, kRetrievalBudget, ctx, [out] { return out->size(); });
  HandleResult result;
  result.stream_end = ctx.receipt.stream_end;  // gat/gats touch
  if (answered == command_.keys.size()) {
    writer.Done(command_, protocol::Result::Of(protocol::Outcome::kEnd));
    result.consumed = line_length;
    return result;
  }
  // The connection calls again once the reply has drained; the input will
  // then start at this key.
  pending_ = PendingRetrieval{command_.op, command_.exptime};
  result.partial = true;
  result.consumed = static_cast<size_t>(command_.keys[answered].data() - input.data());
  return result;
}

HandleResult TextHandler::ContinueRetrieval(std::string_view input, ThreadStats& stats, std::string* out) {
  // The whole line was framed and its keys checked before the first part.
  HandleResult result;
  const std::optional<protocol::Line> line = protocol::FindLine(input);
  if (!line) {
    pending_.reset();
    result.action = DispatchAction::kClose;
    return result;
  }
  // Keys are split a group at a time, so a long line left after each part
  // is not split again in full.
  constexpr size_t kKeysPerGroup = 64;
  const size_t start_size = out->size();
  protocol::TextReplyWriter writer(out);
  ExecContext ctx(stats, writer);
  std::string_view rest = line->text;
  while (!protocol::TrimSpaces(rest).empty()) {
    if (out->size() - start_size >= kRetrievalBudget) {
      result.partial = true;
      result.consumed = static_cast<size_t>(rest.data() - input.data());
      return result;
    }
    command_.Reset();
    command_.op = pending_->op;
    command_.exptime = pending_->exptime;
    for (size_t i = 0; i < kKeysPerGroup; ++i) {
      std::string_view key = protocol::NextToken(&rest);
      if (key.empty()) break;
      command_.keys.push_back(key);
    }
    const size_t budget = kRetrievalBudget - (out->size() - start_size);
    const size_t answered =
        executor_.RetrievePart(command_, budget, ctx, [out] { return out->size(); });
    result.stream_end = ctx.receipt.stream_end;
    if (answered < command_.keys.size()) {
      result.partial = true;
      result.consumed = static_cast<size_t>(command_.keys[answered].data() - input.data());
      return result;
    }
  }
  pending_.reset();
  writer.Done(command_, protocol::Result::Of(protocol::Outcome::kEnd));
  result.consumed = line->length;
  return result;
}

void TextHandler::LogRequest(std::string_view input, size_t consumed) const {
  std::string_view line = input.substr(0, std::min(input.find('\n'), consumed));
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  Log(settings_, 2, "<%d %s", fd_, std::string(line));
}

}  // namespace tandem::server
