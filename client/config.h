// Parsing of the client's one configuration string: which shards exist,
// which one or two nodes serve each, and how much of the ring each gets.
//
//   list  := entry ("," entry)*
//   entry := node ["/" node] [":" WEIGHT]
//   node  := HOST ":" PORT | "[" IPV6 "]" ":" PORT
//
// Examples: `10.0.0.1:11211`, `10.0.0.1:11211/10.0.0.2:11211:3`,
// `cache-b:21211:5`, `[::1]:11211/[::1]:11311`. Spaces around entries are
// ignored; nothing else is lenient. The weight (default 1) may only follow
// the last node of an entry, so `a:1:2/b:3` is an error rather than a guess.
// PORT is 1..65535 and WEIGHT 1..65535 (the cap keeps the sum over 10,000
// shards inside libmemcached's uint32_t total weight). An IPv6 address must
// be bracketed: `::1:11211` would be ambiguous. A shard's name on the ring is
// its first node; two shards with the same first node, or a pair whose two
// nodes are the same, are rejected because they would place keys
// ambiguously. Host names are kept as written and never resolved: ring
// point names are made from the text, exactly as libmemcached does.
#ifndef TANDEM_CLIENT_CONFIG_H_
#define TANDEM_CLIENT_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tandem::client {

inline constexpr uint16_t kDefaultMemcachedPort = 11211;
inline constexpr uint32_t kMaxShardWeight = 65535;

struct NodeAddress {
  std::string host;  // as written; IPv6 without its brackets
  uint16_t port = 0;

  bool is_ipv6() const { return host.find(':') != std::string::npos; }
  // "host:port", with brackets around an IPv6 host.
  std::string ToString() const;

  friend bool operator==(const NodeAddress&, const NodeAddress&) = default;
};

struct ShardConfig {
  std::vector<NodeAddress> nodes;  // one node, or a pair (preferred first)
  uint32_t weight = 1;

  // The node that names this shard on the ring (the first).
  const NodeAddress& name_node() const { return nodes.front(); }
  bool is_pair() const { return nodes.size() == 2; }

  friend bool operator==(const ShardConfig&, const ShardConfig&) = default;
};

// Parses the whole list. Errors are InvalidArgument and name the entry
// (1-based) and what is wrong with it.
absl::StatusOr<std::vector<ShardConfig>> ParseShardList(std::string_view text);

// Parses one entry (no commas).
absl::StatusOr<ShardConfig> ParseShard(std::string_view entry);

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_CONFIG_H_
