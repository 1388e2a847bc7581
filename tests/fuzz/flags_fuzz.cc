// libFuzzer target for the command-line parser (server/flags). The input is
// split into argv words on NUL and newline bytes and parsed as tandemd's
// command line. ParseFlags never exits (-h and -V come back as an action),
// so every word is fair game. Checks that parsing returns, and that a
// command line it accepts for running obeys the limits ParseFlags promises
// (item size against memory, chunk size against item size, LRU shares).
// The first word is also given to ApplyExtendedOption directly, the -o
// parser without getopt around it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "server/extended_options.h"
#include "server/flags.h"
#include "server/settings.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace s = tandem::server;
using tandem::fuzz::Check;

constexpr size_t kMaxWords = 64;

std::vector<std::string> SplitWords(const uint8_t* data, size_t size) {
  std::vector<std::string> words(1);
  for (size_t i = 0; i < size; ++i) {
    const char ch = static_cast<char>(data[i]);
    if (ch == '\0' || ch == '\n') {
      if (words.size() == kMaxWords) break;
      words.emplace_back();
    } else {
      words.back().push_back(ch);
    }
  }
  return words;
}

void CheckAccepted(const s::Settings& settings) {
  Check(settings.item_size_max >= 1024 && settings.item_size_max <= (size_t{1} << 30), "-I in [1k, 1g]");
  Check(settings.item_size_max <= settings.max_bytes.load() / 2, "-I at most half of -m");
  Check(settings.slab_chunk_max > 0 && settings.slab_chunk_max <= settings.item_size_max,
        "slab_chunk_max in (0, -I]");
  Check(settings.hot_lru_pct + settings.warm_lru_pct <= 80, "hot + warm LRU at most 80%");
  // -1 asks for an ephemeral port.
  Check(settings.port >= -1 && settings.port <= 65535 && settings.udp_port >= -1 && settings.udp_port <= 65535,
        "ports in range");
  Check(settings.num_threads >= 1 && settings.num_threads <= 256, "-t in [1, 256]");
  Check(settings.repl_peer.empty() || settings.repl_port != 0, "a peer implies a replication port");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> words = SplitWords(data, size);

  s::Settings direct;
  (void)s::ApplyExtendedOption(words.front(), &direct);

  std::vector<char*> argv;
  static char program[] = "tandemd";
  argv.push_back(program);
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);  // getopt relies on argv[argc] == NULL

  s::Settings settings;
  s::FlagsAction action = s::FlagsAction::kRun;
  absl::Status status = s::ParseFlags(static_cast<int>(argv.size() - 1), argv.data(), &settings, &action);
  if (status.ok() && action == s::FlagsAction::kRun) CheckAccepted(settings);
  if (!status.ok()) Check(!status.message().empty(), "an error says what is wrong");
  return 0;
}
