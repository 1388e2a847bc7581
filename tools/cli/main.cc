// tandem-cli: the operator's command-line tool for tandem and memcached.
//
//   tandem-cli HOST:PORT                      interactive, telnet-like
//   tandem-cli HOST:PORT COMMAND [ARG...]     one command, reply on stdout
//   tandem-cli HOST:PORT top [--iterations N] [--interval-ms N]
//   tandem-cli --servers LIST [--distribution D] [--hash-tag {}] locate KEY...
//
// Options before the address: --timeout-ms N (connect and reply wait,
// default 2000). `locate` only computes: it builds the client library's ring
// from LIST (the same syntax Client::Create takes) and prints "KEY HOST:PORT"
// per key, the shard's first node; it resolves no name and contacts nothing.
// Exit codes: 0 ok, 1 the server answered an error, 2 usage, 3 connection.
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "client/config.h"
#include "client/ring.h"
#include "tools/cli/session.h"
#include "tools/cli/top.h"

namespace tandem::cli {
namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  tandem-cli [--timeout-ms N] HOST:PORT                    interactive session\n"
    "  tandem-cli [--timeout-ms N] HOST:PORT COMMAND [ARG...]   one command; storage data from\n"
    "                                                           the words after its fields or stdin\n"
    "  tandem-cli HOST:PORT top [--iterations N] [--interval-ms N]   live stats view\n"
    "  tandem-cli --servers LIST [--distribution ketama|ketama-libketama|ketama-unweighted|modula]\n"
    "             [--hash-tag {}] locate KEY...                 KEY HOST:PORT per key (no network)\n"
    "LIST: HOST:PORT[/HOST:PORT][:WEIGHT],...   exit: 0 ok, 1 error reply, 2 usage, 3 connection\n";

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

int Locate(const Flags& flags, const std::vector<std::string>& keys) {
  if (flags.servers.empty()) return Usage("locate needs --servers LIST");
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
    return Usage("unknown --distribution " + flags.distribution);
  }
  if (!flags.hash_tag.empty()) {
    absl::StatusOr<client::HashTag> tag = client::HashTag::FromString(flags.hash_tag);
    if (!tag.ok()) return Usage(std::string(tag.status().message()));
    options.hash_tag = *tag;
  }
  absl::StatusOr<client::Ring> ring = client::Ring::Create(flags.servers, options);
  if (!ring.ok()) return Usage(std::string(ring.status().message()));
  if (keys.empty()) return Usage("locate needs at least one KEY");
  std::string out;
  for (const std::string& key : keys) {
    size_t shard = ring->ShardFor(key);
    out.append(key).append(" ").append(ring->shards()[shard].name_node().ToString()).append("\n");
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
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
  if (i >= args.size()) return Usage("");
  const absl::Duration timeout = absl::Milliseconds(flags.timeout_ms);

  if (args[i] == "locate") {
    return Locate(flags, std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end()));
  }
  absl::StatusOr<client::ShardConfig> target = client::ParseShard(args[i]);
  if (!target.ok() || target->nodes.size() != 1) {
    return Usage("expected HOST:PORT, got " + args[i]);
  }
  const client::NodeAddress node = target->nodes.front();
  ++i;
  if (i == args.size()) return RunInteractive(node, timeout);
  if (args[i] == "top") {
    ++i;
    if (!ParseFlags(args, &i, &flags, &error)) return Usage(error);
    if (i != args.size()) return Usage("unexpected argument after top: " + args[i]);
    TopOptions top;
    top.iterations = flags.iterations;
    top.interval = absl::Milliseconds(flags.interval_ms);
    top.timeout = timeout;
    return RunTop(node, top);
  }
  return RunOneShot(node, std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i), args.end()),
                    timeout);
}

}  // namespace
}  // namespace tandem::cli

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return tandem::cli::Main(args);
}
