// tandem-cli: the operator's command-line tool for tandem and memcached.
//
//   tandem-cli LIST                           interactive, telnet-like (LIST: one node)
//   tandem-cli LIST COMMAND [ARG...]          one command, reply on stdout
//   tandem-cli LIST top [--iterations N] [--interval-ms N]
//   tandem-cli LIST locate KEY...
//
// LIST is the client library's server list (the syntax Client::Create
// takes: `HOST:PORT[/HOST:PORT][:WEIGHT],...`), given first or as
// `--servers LIST`, inline or `@FILE`; --distribution and --hash-tag shape
// its ring as ClientOptions would. With one node everything goes there, as
// with telnet. With more, a command with keys goes to each key's shard
// (keys of several shards: one request per shard, and a get's replies
// printed as one, with one END), to the pair's first
// node and on a connection failure to its second, and stderr names the
// node that answered; a command without a key goes to every node, each
// named on stderr. `locate` only computes: "KEY HOST:PORT[/HOST:PORT]" per
// key, the whole shard; it resolves no name and contacts nothing.
// Options before the list: --timeout-ms N (connect and reply wait, default
// 2000). Exit codes: 0 ok, 1 the server answered an error, 2 usage, 3
// connection.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "client/config.h"
#include "client/ring.h"
#include "tools/cli/server_list.h"
#include "tools/cli/session.h"
#include "tools/cli/top.h"

namespace tandem::cli {
namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  tandem-cli [OPTIONS] HOST:PORT                    interactive session\n"
    "  tandem-cli [OPTIONS] LIST COMMAND [ARG...]        one command, routed by the ring; storage\n"
    "                                                    data from the words after its fields or stdin;\n"
    "                                                    set|add|replace|append|prepend KEY VALUE...\n"
    "                                                    stores VALUE with flags 0, exptime 0\n"
    "  tandem-cli [OPTIONS] LIST top [--iterations N] [--interval-ms N]   live stats view\n"
    "  tandem-cli [OPTIONS] LIST locate KEY...           KEY HOST:PORT[/HOST:PORT] per key (no network)\n"
    "  (or --servers LIST before the command instead of LIST)\n"
    "LIST: HOST:PORT[/HOST:PORT][:WEIGHT],...  or @FILE (entries by commas or lines, # comments)\n"
    "OPTIONS: --timeout-ms N, --distribution ketama|ketama-libketama|ketama-unweighted|modula,\n"
    "         --hash-tag {}\n"
    "exit: 0 ok, 1 error reply, 2 usage, 3 connection\n";

int Usage(std::string_view problem) {
  if (!problem.empty()) std::cerr << "tandem-cli: " << problem << "\n";
  std::cerr << kUsage;
  return kExitUsage;
}

struct Flags {
  std::string servers;
  std::string distribution = "ketama";
  std::string hash_tag;
  int timeout_ms = 2000;
  int iterations = 0;
  int interval_ms = 1000;
};

// Takes "--name VALUE" or "--name=VALUE" at args[*i]; true when it matched.
bool TakeFlag(const std::vector<std::string>& args, size_t* i, std::string_view name, std::string* value,
              std::string* error) {
  const std::string& arg = args[*i];
  if (arg == name) {
    if (*i + 1 >= args.size()) {
      *error = std::string(name) + " needs a value";
      return true;
    }
    *value = args[++*i];
    return true;
  }
  if (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=') {
    *value = arg.substr(name.size() + 1);
    return true;
  }
  return false;
}

// Parses the options at args[*i...] until a word that is not one.
bool ParseFlags(const std::vector<std::string>& args, size_t* i, Flags* flags, std::string* error) {
  for (; *i < args.size() && error->empty(); ++*i) {
    std::string value;
    auto number = [&](int* out) {
      if (!absl::SimpleAtoi(value, out) || *out < 0) *error = "not a non-negative number: " + value;
    };
    if (TakeFlag(args, i, "--servers", &flags->servers, error)) continue;
    if (TakeFlag(args, i, "--distribution", &flags->distribution, error)) continue;
    if (TakeFlag(args, i, "--hash-tag", &flags->hash_tag, error)) continue;
    if (TakeFlag(args, i, "--timeout-ms", &value, error)) {
      if (error->empty()) number(&flags->timeout_ms);
      continue;
    }
    if (TakeFlag(args, i, "--iterations", &value, error)) {
      if (error->empty()) number(&flags->iterations);
      continue;
    }
    if (TakeFlag(args, i, "--interval-ms", &value, error)) {
      if (error->empty()) number(&flags->interval_ms);
      continue;
    }
    if (args[*i].starts_with("--")) {
      *error = "unknown option " + args[*i];
      return false;
    }
    return true;
  }
  return error->empty();
}

absl::StatusOr<client::Ring> BuildRing(const Flags& flags, const std::string& list_arg) {
  client::RingOptions options;
  if (flags.distribution == "ketama") {
    options.distribution = client::Distribution::kKetama;
  } else if (flags.distribution == "ketama-libketama") {
    options.distribution = client::Distribution::kKetamaLibketama;
  } else if (flags.distribution == "ketama-unweighted") {
    options.distribution = client::Distribution::kKetamaUnweighted;
  } else if (flags.distribution == "modula") {
    options.distribution = client::Distribution::kModula;
  } else {
    return absl::InvalidArgumentError("unknown --distribution " + flags.distribution);
  }
  if (!flags.hash_tag.empty()) {
    absl::StatusOr<client::HashTag> tag = client::HashTag::FromString(flags.hash_tag);
    if (!tag.ok()) return tag.status();
    options.hash_tag = *tag;
  }
  absl::StatusOr<std::string> list = LoadServerList(list_arg);
  if (!list.ok()) return list.status();
  return client::Ring::Create(*list, options);
}

int Locate(const client::Ring& ring, const std::vector<std::string>& keys) {
  if (keys.empty()) return Usage("locate needs at least one KEY");
  std::string out;
  for (const std::string& key : keys) {
    out.append(key).append(" ").append(ShardName(ring.shards()[ring.ShardFor(key)])).append("\n");
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

// The worse of two exit codes (connection > usage > error reply > ok).
int Worse(int a, int b) { return std::max(a, b); }

// One command over a ring of more than one node (see the file comment).
int RunRouted(const client::Ring& ring, const std::vector<std::string>& words, absl::Duration timeout) {
  const std::vector<std::string> keys = CommandKeys(words);
  int result = kExitOk;
  if (keys.empty()) {
    for (const client::ShardConfig& shard : ring.shards()) {
      for (const client::NodeAddress& node : shard.nodes) {
        std::cerr << "tandem-cli: " << node.ToString() << "\n";
        std::cout.flush();
        result = Worse(result, RunOneShot(node, words, timeout));
      }
    }
    return result;
  }
  // Keys by shard, in the order their shards first appear.
  const bool many_keys = words[0] == "get" || words[0] == "gets" || words[0] == "gat" || words[0] == "gats";
  const size_t fixed = words.size() - keys.size();  // the words before the keys
  std::vector<size_t> order;
  std::vector<std::vector<std::string>> requests(ring.size());
  for (const std::string& key : keys) {
    const size_t shard = ring.ShardFor(key);
    if (requests[shard].empty()) {
      order.push_back(shard);
      requests[shard].assign(words.begin(), many_keys ? words.begin() + static_cast<std::ptrdiff_t>(fixed) : words.end());
    }
    if (many_keys) requests[shard].push_back(key);
  }
  // Several shards' retrieval replies print as one: each without its END,
  // one END after the last.
  const bool merge_ends = many_keys && order.size() > 1;
  bool dropped_end = false;
  for (size_t shard : order) {
    const client::ShardConfig& config = ring.shards()[shard];
    int code = kExitConnection;
    for (const client::NodeAddress& node : config.nodes) {
      code = RunOneShot(node, requests[shard], timeout, merge_ends ? &dropped_end : nullptr);
      if (code == kExitConnection) continue;  // the pair's other node
      std::cout.flush();
      std::cerr << "tandem-cli: answered by " << node.ToString();
      if (config.is_pair()) std::cerr << " (pair " << ShardName(config) << ")";
      std::cerr << "\n";
      break;
    }
    result = Worse(result, code);
  }
  if (dropped_end) {
    std::cout.flush();
    std::fwrite("END\r\n", 1, 5, stdout);
    std::fflush(stdout);
  }
  return result;
}

int Main(const std::vector<std::string>& args) {
  Flags flags;
  std::string error;
  size_t i = 0;
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (!ParseFlags(args, &i, &flags, &error)) return Usage(error);
  if (i >= args.size()) {
    if (flags.servers.empty()) return Usage("");
  }
  const absl::Duration timeout = absl::Milliseconds(flags.timeout_ms);
  std::string list_arg = flags.servers;
  if (list_arg.empty()) {
    if (args[i] == "locate" || args[i] == "top") return Usage(args[i] + " needs a server list");
    list_arg = args[i++];
  }
  absl::StatusOr<client::Ring> ring = BuildRing(flags, list_arg);
  if (!ring.ok()) return Usage(std::string(ring.status().message()));
  const bool one_node = ring->size() == 1 && ring->shards()[0].nodes.size() == 1;
  const client::NodeAddress& first = ring->shards()[0].nodes.front();

  if (i < args.size() && args[i] == "locate") {
    return Locate(*ring, std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end()));
  }
  if (i == args.size()) {
    if (!one_node) return Usage("an interactive session needs one HOST:PORT, not a list");
    return RunInteractive(first, timeout);
  }
  if (args[i] == "top") {
    ++i;
    if (!ParseFlags(args, &i, &flags, &error)) return Usage(error);
    if (i != args.size()) return Usage("unexpected argument after top: " + args[i]);
    TopOptions top;
    top.iterations = flags.iterations;
    top.interval = absl::Milliseconds(flags.interval_ms);
    top.timeout = timeout;
    if (one_node) return RunTop(ring->shards()[0].nodes, top);
    return RunTopGrid(ring->shards(), top);
  }
  std::vector<std::string> words(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (one_node) return RunOneShot(first, words, timeout);
  return RunRouted(*ring, words, timeout);
}

}  // namespace
}  // namespace tandem::cli

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return tandem::cli::Main(args);
}
