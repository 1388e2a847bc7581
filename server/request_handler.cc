// RequestHandler (see request_handler.h): what every protocol's handler does
// the same way once a forwarded request has ended.
#include "server/request_handler.h"

#include <algorithm>

namespace tandem::server {

HandleResult RequestHandler::FinishForward(ForwardCall& call, ThreadStats& stats, std::string* out) {
  HandleResult result;
  switch (call.outcome()) {
    case ForwardCall::Outcome::kPending:  // the connection asks only once it ended
    case ForwardCall::Outcome::kAnswered:
      out->append(call.TakeReply());
      return result;
    case ForwardCall::Outcome::kLost:
      AnswerFailure(call.request(), ServerFailure::kPeerLost, out);
      return result;
    case ForwardCall::Outcome::kNotSent:
      break;
  }
  // The link-down rule: run it here. A long gat is answered in parts; all
  // of them go now, since the request is no longer in the connection's input.
  may_forward_ = false;
  std::string_view rest = call.request();
  do {
    HandleResult part = HandleOne(rest, stats, out);
    result.stream_end = std::max(result.stream_end, part.stream_end);
    result.action = part.action;
    if (part.need_more || !part.partial || part.consumed == 0) break;
    rest.remove_prefix(part.consumed);
  } while (!rest.empty());
  may_forward_ = true;
  return result;
}

}  // namespace tandem::server
