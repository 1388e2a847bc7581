// Server lists for tandem-cli (see server_list.h).
#include "tools/cli/server_list.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace tandem::cli {

absl::StatusOr<std::string> LoadServerList(std::string_view arg) {
  if (!arg.starts_with("@")) return std::string(arg);
  const std::string path(arg.substr(1));
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read server list ", path));
  std::string list;
  std::string line;
  while (std::getline(file, line)) {
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const absl::string_view stripped = absl::StripAsciiWhitespace(line);
    std::string_view entry(stripped.data(), stripped.size());
    while (entry.ends_with(',')) entry.remove_suffix(1);
    while (entry.starts_with(',')) entry.remove_prefix(1);
    if (entry.empty()) continue;
    if (!list.empty()) list.push_back(',');
    list.append(entry.data(), entry.size());
  }
  if (list.empty()) return absl::InvalidArgumentError(absl::StrCat("server list ", path, " names no server"));
  return list;
}

std::vector<std::string> CommandKeys(const std::vector<std::string>& words) {
  if (words.size() < 2) return {};
  const std::string& op = words[0];
  if (op == "get" || op == "gets") return {words.begin() + 1, words.end()};
  if (op == "gat" || op == "gats") {
    if (words.size() < 3) return {};
    return {words.begin() + 2, words.end()};
  }
  static constexpr std::string_view kOneKey[] = {"set",  "add",   "replace", "append", "prepend", "cas",
                                                 "delete", "incr", "decr",    "touch",  "mg",      "ms",
                                                 "md",   "ma"};
  for (std::string_view name : kOneKey) {
    if (op == name) return {words[1]};
  }
  return {};
}

std::string ShardName(const client::ShardConfig& shard) {
  std::string name;
  for (const client::NodeAddress& node : shard.nodes) {
    if (!name.empty()) name.push_back('/');
    name.append(node.ToString());
  }
  return name;
}

}  // namespace tandem::cli
