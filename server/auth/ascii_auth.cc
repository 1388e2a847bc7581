// HandleAsciiAuth; see ascii_auth.h.
#include "server/auth/ascii_auth.h"

#include <array>
#include <optional>

#include "protocol/error_strings.h"
#include "protocol/text_encoder.h"
#include "protocol/tokenizer.h"

namespace tandem::server {
namespace {

namespace p = tandem::protocol;

// memcached's limit for a line without its newline on this path.
constexpr size_t kMaxPendingLine = 2048;

HandleResult Answer(size_t consumed, std::string_view line, std::string* out) {
  p::AppendLine(out, line);
  HandleResult r;
  r.consumed = consumed;
  return r;
}

}  // namespace

HandleResult HandleAsciiAuth(std::string_view input, const AuthUsers& users, ThreadStats& stats,
                             std::string* out, bool* authenticated) {
  HandleResult result;
  const std::optional<p::Line> line = p::FindLine(input);
  if (!line) {
    if (input.size() > kMaxPendingLine) {
      result.consumed = input.size();
      result.action = DispatchAction::kClose;
    } else {
      result.need_more = true;
    }
    return result;
  }
  std::array<std::string_view, p::kMaxLineTokens> tokens;
  const size_t count = p::Tokenize(line->text, tokens);
  uint64_t size = 0;
  if (count < 5 || tokens[0] != "set" || !p::TokenToUint64(tokens[4], &size)) {
    return Answer(line->length, p::kClientErrorUnauthenticated, out);
  }
  if (size > kMaxAsciiAuthData) {
    result.consumed = input.size();
    result.action = DispatchAction::kClose;
    return result;
  }
  const size_t total = line->length + static_cast<size_t>(size) + 2;
  if (input.size() < total) {
    result.need_more = true;
    return result;
  }
  std::string_view data = input.substr(line->length, static_cast<size_t>(size) + 2);
  if (data.substr(data.size() - 2) != "\r\n") return Answer(total, p::kClientErrorBadLineTermination, out);
  data.remove_suffix(2);
  data = data.substr(0, data.find('\0'));  // memcached's tokenizer stops at a NUL
  const size_t data_tokens = p::Tokenize(data, tokens);
  if (data_tokens < 2) return Answer(total, p::kClientErrorBadAuthTokenFormat, out);
  stats.auth_cmds.Inc();
  if (!users.Check(tokens[0], tokens[1])) {
    stats.auth_errors.Inc();
    return Answer(total, p::kClientErrorAuthFailure, out);
  }
  *authenticated = true;
  return Answer(total, p::kStored, out);
}

}  // namespace tandem::server
