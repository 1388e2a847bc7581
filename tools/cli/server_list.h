// tandem-cli's server list: the client library's configuration string
// (`HOST:PORT[/HOST:PORT][:WEIGHT],...`), given inline or as `@FILE` (one
// or more entries per line, separated by commas or newlines; `#` starts a
// comment), and the ring built from it, so a command goes where the
// library would send it.
#ifndef TANDEM_TOOLS_CLI_SERVER_LIST_H_
#define TANDEM_TOOLS_CLI_SERVER_LIST_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "client/ring.h"

namespace tandem::cli {

// The list text itself, reading `@FILE` when given one.
absl::StatusOr<std::string> LoadServerList(std::string_view arg);

// The keys a command line names (get/gets: every word after the command;
// gat/gats: every word after the exptime; the storage, delete, incr/decr,
// touch and meta commands: the second word); empty for commands without a
// key (stats, version, flush_all, ...).
std::vector<std::string> CommandKeys(const std::vector<std::string>& words);

// "HOST:PORT" or "HOST:PORT/HOST:PORT": every node of the shard.
std::string ShardName(const client::ShardConfig& shard);

}  // namespace tandem::cli

#endif  // TANDEM_TOOLS_CLI_SERVER_LIST_H_
