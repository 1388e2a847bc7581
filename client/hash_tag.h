// Hash tags: `{user42}:profile` and `{user42}:cart` land on the same shard
// because only the text between the braces is hashed.
//
// The rule is twemproxy's `hash_tag: "{}"` (and Redis Cluster's): find the
// first opening character; find the first closing character after it; if
// both exist and the text between them is non-empty, that text alone is
// hashed. Otherwise the whole key is hashed: no `{`, no `}` after it, or an
// empty tag `{}` (so `{}{a}` hashes whole, since only the first `{` counts).
// We follow it exactly so that a tandem ring with tags equals a twemproxy
// pool with `hash_tag: "{}"` and `hash: md5`. The tag characters are
// configurable, as in twemproxy, and must differ.
#ifndef TANDEM_CLIENT_HASH_TAG_H_
#define TANDEM_CLIENT_HASH_TAG_H_

#include <string_view>

#include "absl/status/statusor.h"

namespace tandem::client {

class HashTag {
 public:
  // Braces: "{" and "}".
  constexpr HashTag() = default;

  // From twemproxy's two-character form, e.g. "{}" or "[]"; the characters
  // must differ.
  static absl::StatusOr<HashTag> FromString(std::string_view open_close);

  // The part of `key` that decides its shard (a view into `key`).
  std::string_view Apply(std::string_view key) const;

  char open() const { return open_; }
  char close() const { return close_; }

 private:
  constexpr HashTag(char open, char close) : open_(open), close_(close) {}

  char open_ = '{';
  char close_ = '}';
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_HASH_TAG_H_
