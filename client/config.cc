// A hand-written scanner for the shard list (see config.h for the grammar).
// It walks each entry left to right, node by node, so every error can say
// exactly which part is wrong.
#include "client/config.h"

#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tandem::client {
namespace {

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_';
}

bool IsIpv6Char(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') ||
         c == ':' || c == '.' || c == '%' || IsHostChar(c);
}

std::string Quote(std::string_view s) { return absl::StrCat("\"", std::string(s), "\""); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal number in [1, max]: digits only, no sign, no spaces.
absl::StatusOr<uint32_t> ParseNumber(std::string_view text, uint32_t max, std::string_view what) {
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat("missing ", std::string(what)));
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(what), " ", Quote(text), " is not a decimal number"));
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value > max) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(what), " ", Quote(text), " is out of range 1..", max));
    }
  }
  if (value == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what), " ", Quote(text), " is out of range 1..", max));
  }
  return static_cast<uint32_t>(value);
}

// Parses "HOST:PORT" or "[IPV6]:PORT" from the front of `rest` and leaves
// whatever follows the port (":WEIGHT" or nothing) in `rest`.
absl::StatusOr<NodeAddress> ParseNode(std::string_view& rest) {
  NodeAddress node;
  if (rest.empty()) return absl::InvalidArgumentError("empty node");
  if (rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("unbalanced bracket in ", Quote(rest)));
    }
    const std::string_view host = rest.substr(1, close - 1);
    if (host.empty()) return absl::InvalidArgumentError("empty IPv6 address in brackets");
    for (char c : host) {
      if (!IsIpv6Char(c) || c == '[') {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid character in IPv6 address ", Quote(host)));
      }
    }
    if (host.find(':') == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("brackets are for IPv6 addresses, not ", Quote(host)));
    }
    node.host = std::string(host);
    rest.remove_prefix(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("missing \":PORT\" after [", std::string(host), "]"));
    }
  } else {
    const size_t colon = rest.find(':');
    const std::string_view host = rest.substr(0, colon);
    if (rest.substr(colon == std::string_view::npos ? rest.size() : colon, 2) == "::") {
      return absl::InvalidArgumentError(
          absl::StrCat("too many ':' in ", Quote(rest), " (IPv6 addresses need brackets: [::1]:11211)"));
    }
    if (host.empty()) return absl::InvalidArgumentError("missing host");
    for (char c : host) {
      if (c == ']' || c == '[') {
        return absl::InvalidArgumentError(absl::StrCat("unbalanced bracket in ", Quote(host)));
      }
      if (!IsHostChar(c)) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid character '", std::string(1, c), "' in host ", Quote(host)));
      }
    }
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("missing \":PORT\" after ", Quote(host)));
    }
    node.host = std::string(host);
    rest.remove_prefix(colon);
  }
  rest.remove_prefix(1);  // the ':' before the port
  const size_t end = rest.find(':');
  const std::string_view port_text = rest.substr(0, end);
  absl::StatusOr<uint32_t> port = ParseNumber(port_text, 65535, "port");
  if (!port.ok()) return port.status();
  node.port = static_cast<uint16_t>(*port);
  rest.remove_prefix(port_text.size());
  return node;
}

}  // namespace

std::string NodeAddress::ToString() const {
  if (is_ipv6()) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<ShardConfig> ParseShard(std::string_view entry) {
  entry = Trim(entry);
  if (entry.empty()) return absl::InvalidArgumentError("empty entry");
  ShardConfig shard;
  std::string_view rest = entry;
  size_t slashes = 0;
  for (char c : entry) slashes += (c == '/');
  if (slashes > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(Quote(entry), " names ", slashes + 1, " nodes; a shard is one node or a pair"));
  }
  while (true) {
    const size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    absl::StatusOr<NodeAddress> node = ParseNode(part);
    if (!node.ok()) return node.status();
    shard.nodes.push_back(*std::move(node));
    if (!part.empty()) {  // ":WEIGHT" (ParseNode stops at the next ':')
      if (!last) {
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected ", Quote(part), " after the first node of ", Quote(entry),
                         "; a weight goes after the last node"));
      }
      part.remove_prefix(1);
      if (part.find(':') != std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            "too many ':' in ", Quote(entry), " (IPv6 addresses need brackets: [::1]:11211)"));
      }
      absl::StatusOr<uint32_t> weight = ParseNumber(part, kMaxShardWeight, "weight");
      if (!weight.ok()) return weight.status();
      shard.weight = *weight;
    }
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  if (shard.nodes.size() == 2 && shard.nodes[0] == shard.nodes[1]) {
    return absl::InvalidArgumentError(
        absl::StrCat("both nodes of ", Quote(entry), " are the same"));
  }
  return shard;
}

absl::StatusOr<std::vector<ShardConfig>> ParseShardList(std::string_view text) {
  if (Trim(text).empty()) return absl::InvalidArgumentError("empty shard list");
  std::vector<ShardConfig> shards;
  std::unordered_map<std::string, size_t> first_nodes;  // name -> 1-based entry
  size_t index = 0;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view entry = text.substr(0, comma);
    ++index;
    absl::StatusOr<ShardConfig> shard = ParseShard(entry);
    if (!shard.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("shard list entry ", index, " (",
                                                     Quote(Trim(entry)), "): ",
                                                     shard.status().message()));
    }
    const auto [it, inserted] = first_nodes.emplace(shard->name_node().ToString(), index);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard list entries ", it->second, " and ", index, " both start with ",
                       it->first, ", which names a shard on the ring"));
    }
    shards.push_back(*std::move(shard));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return shards;
}

}  // namespace tandem::client
