// twemproxy's hash-tag rule (see hash_tag.h).
#include "client/hash_tag.h"

#include <string>

#include "absl/status/status.h"

namespace tandem::client {

absl::StatusOr<HashTag> HashTag::FromString(std::string_view open_close) {
  if (open_close.size() != 2 || open_close[0] == open_close[1]) {
    return absl::InvalidArgumentError("hash tag must be two different characters, like \"{}\"; got \"" +
                                      std::string(open_close) + "\"");
  }
  return HashTag(open_close[0], open_close[1]);
}

std::string_view HashTag::Apply(std::string_view key) const {
  const size_t open = key.find(open_);
  if (open == std::string_view::npos) return key;
  const size_t close = key.find(close_, open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

}  // namespace tandem::client
