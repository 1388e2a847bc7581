// ForwardedRunnerImpl (see forwarded_runner.h).
#include "server/forwarded_runner.h"

#include <algorithm>

namespace tandem::server {

// The peer forwards exactly one request it has already framed, so the
// bytes always parse whole; a long gat is answered in parts, all now.
uint64_t ForwardedRunnerImpl::Run(WireKind kind, std::string_view request, std::string* reply) {
  RequestHandler& handler = kind == WireKind::kBinary ? static_cast<RequestHandler&>(binary_) : text_;
  uint64_t stream_end = 0;
  while (!request.empty()) {
    const HandleResult r = handler.HandleOne(request, stats_, reply);
    stream_end = std::max(stream_end, r.stream_end);
    if (r.need_more || !r.partial || r.consumed == 0) break;
    request.remove_prefix(r.consumed);
  }
  return stream_end;
}

}  // namespace tandem::server
