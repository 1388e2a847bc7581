// Flag parsing, table-driven: one row per memcached option (short letter,
// long name, whether it takes a value, and how it lands in Settings), so the
// getopt strings, the long-option array and `-h` all come from one place.
// The `-o` extended options are a second table, in server/extended_options.
#include "server/flags.h"

#include <getopt.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "server/extended_options.h"
#include "server/flag_values.h"
#include "server/version.h"

namespace tandem::server {
namespace {

// ---------------------------------------------------------------------------
// The option table.
// ---------------------------------------------------------------------------

using Apply = std::function<absl::Status(const char* arg, Settings* s)>;

struct FlagSpec {
  int short_name;          // 0 when the flag has only a long form
  const char* long_name;
  bool takes_value;
  const char* help;
  Apply apply;
  bool optional_value = false;  // --name or --name=VALUE (long form only); apply gets null without one
};

constexpr int kLongOnlyBase = 1000;

const std::vector<FlagSpec>& FlagTable() {
  static const auto* table = new std::vector<FlagSpec>{
      {'p', "port", true, "TCP port to listen on (default: 11211)",
       // -1: an ephemeral port (see Settings::port_file).
       [](const char* a, Settings* s) { return ParseIntInto("-p", a, -1, 65535, &s->port); }},
      {'U', "udp-port", true, "UDP port to listen on (default: 0, off)",
       [](const char* a, Settings* s) { return ParseIntInto("-U", a, -1, 65535, &s->udp_port); }},
      {'s', "unix-socket", true, "UNIX socket to listen on (disables network support)",
       [](const char* a, Settings* s) {
         s->unix_socket = a;
         return absl::OkStatus();
       }},
      {'a', "unix-mask", true, "access mask for UNIX socket, in octal (default: 700)",
       [](const char* a, Settings* s) {
         char* end = nullptr;
         errno = 0;
         long v = std::strtol(a, &end, 8);
         if (errno != 0 || end == a || *end != '\0' || v < 0 || v > 0777) return InvalidFlagValue("-a", a);
         s->unix_mask = static_cast<int>(v);
         return absl::OkStatus();
       }},
      {'A', "enable-shutdown", false, "enable ascii \"shutdown\" command",
       [](const char*, Settings* s) {
         s->enable_shutdown = true;
         return absl::OkStatus();
       }},
      {'l', "listen", true, "interface to listen on (default: INADDR_ANY); repeatable, comma-separated",
       [](const char* a, Settings* s) {
         // memcached's server_sockets() splits the list on both ';' and ','.
         size_t before = s->listen.size();
         for (absl::string_view part : absl::StrSplit(a, absl::ByAnyChar(",;"), absl::SkipEmpty())) {
           s->listen.emplace_back(part);
         }
         // An empty list would leave `listen` empty, which means every
         // interface: refuse it rather than widen what the operator asked for
         // (memcached listens nowhere then).
         if (s->listen.size() == before) return InvalidFlagValue("-l", a);
         return absl::OkStatus();
       }},
      {'d', "daemon", false, "run as a daemon",
       [](const char*, Settings* s) {
         s->daemonize = true;
         return absl::OkStatus();
       }},
      {'r', "enable-coredumps", false, "maximize core file limit",
       [](const char*, Settings* s) {
         s->enable_coredumps = true;
         return absl::OkStatus();
       }},
      {'u', "user", true, "assume identity of <username> (only when run as root)",
       [](const char* a, Settings* s) {
         s->user = a;
         return absl::OkStatus();
       }},
      {'m', "memory-limit", true, "item memory in megabytes (default: 64)",
       [](const char* a, Settings* s) {
         size_t mb = 0;
         absl::Status st = ParseSize("-m", a, &mb);
         if (!st.ok()) return st;
         // memcached reads -m as megabytes unless a unit suffix is given.
         absl::string_view text(a);
         bool has_unit = !text.empty() && !absl::ascii_isdigit(text.back());
         s->max_bytes = has_unit ? mb : mb << 20;
         if (s->max_bytes == 0) return InvalidFlagValue("-m", a);
         return absl::OkStatus();
       }},
      {'M', "disable-evictions", false, "return error on memory exhausted instead of evicting",
       [](const char*, Settings* s) {
         s->evict_to_free = false;
         return absl::OkStatus();
       }},
      {'c', "conn-limit", true, "max simultaneous connections (default: 1024)",
       [](const char* a, Settings* s) { return ParseIntInto("-c", a, 1, 1 << 20, &s->max_conns); }},
      {'k', "lock-memory", false, "lock down all paged memory",
       [](const char*, Settings* s) {
         s->lock_memory = true;
         return absl::OkStatus();
       }},
      {'v', "verbose", false, "verbose (-vv: client commands, -vvv: internal state)",
       [](const char*, Settings* s) {
         s->verbose.fetch_add(1);
         return absl::OkStatus();
       }},
      {'h', "help", false, "print this help and exit", nullptr},
      {'V', "version", false, "print version and exit", nullptr},
      {'P', "pidfile", true, "save PID in <file> (removed at exit)",
       [](const char* a, Settings* s) {
         s->pid_file = a;
         return absl::OkStatus();
       }},
      {'f', "slab-growth-factor", true, "chunk size growth factor (default: 1.25)",
       [](const char* a, Settings* s) {
         absl::Status st = ParseDouble("-f", a, &s->growth_factor);
         if (st.ok() && !(s->growth_factor > 1.0)) return absl::InvalidArgumentError("Factor must be greater than 1");
         return st;
       }},
      {'n', "slab-min-size", true, "min space used for key+value+flags (default: 48)",
       [](const char* a, Settings* s) { return ParseIntInto("-n", a, 1, 1 << 20, &s->chunk_size); }},
      {'e', "memory-file", true,
       "mmap a file for item memory (use a RAM disk); SIGUSR1 saves it for a warm restart",
       [](const char* a, Settings* s) {
         if (*a == '\0') return InvalidFlagValue("-e", a);
         s->memory_file = a;
         return absl::OkStatus();
       }},
      {'L', "enable-largepages", false, "try to use large memory pages (if available)",
       [](const char*, Settings* s) {
         s->large_pages = true;
         return absl::OkStatus();
       }},
      {'D', nullptr, true, "delimiter between key prefixes and IDs for `stats detail`",
       [](const char* a, Settings* s) {
         if (absl::string_view(a).size() != 1) return InvalidFlagValue("-D", a);
         s->prefix_delimiter = a[0];
         s->detail_enabled = true;
         return absl::OkStatus();
       }},
      {'t', "threads", true, "number of threads to use (default: 4)",
       [](const char* a, Settings* s) { return ParseIntInto("-t", a, 1, 256, &s->num_threads); }},
      {'R', "max-reqs-per-event", true, "maximum number of requests per event (default: 20)",
       [](const char* a, Settings* s) {
         return ParseIntInto("-R", a, 1, 1 << 20, &s->reqs_per_event);
       }},
      {'C', "disable-cas", false, "disable use of CAS",
       [](const char*, Settings* s) {
         s->use_cas = false;
         return absl::OkStatus();
       }},
      {'b', "listen-backlog", true, "set the backlog queue limit (default: 1024)",
       [](const char* a, Settings* s) { return ParseIntInto("-b", a, 1, 1 << 20, &s->backlog); }},
      {'B', "protocol", true, "protocol - one of ascii, binary, or auto (default: auto)",
       [](const char* a, Settings* s) {
         absl::string_view v(a);
         if (v == "auto") {
           s->binding_protocol = BindingProtocol::kAuto;
         } else if (v == "ascii") {
           s->binding_protocol = BindingProtocol::kAscii;
         } else if (v == "binary") {
           s->binding_protocol = BindingProtocol::kBinary;
         } else {
           return absl::InvalidArgumentError(absl::StrCat(
               "Invalid value for binding protocol: ", v, " -- should be one of auto, binary, or ascii"));
         }
         return absl::OkStatus();
       }},
      {'I', "max-item-size", true, "adjusts max item size (default: 1m, min: 1k, max: 1024m)",
       [](const char* a, Settings* s) { return ParseSize("-I", a, &s->item_size_max); }},
      {'S', "enable-sasl", false, "turn on Sasl authentication",
       [](const char*, Settings* s) {
         s->sasl = true;
         return absl::OkStatus();
       }},
      {'F', "disable-flush-all", false, "disable flush_all command",
       [](const char*, Settings* s) {
         s->flush_enabled = false;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 0, "disable-dumping", false, "disable stats cachedump and lru_crawler metadump",
       [](const char*, Settings* s) {
         s->dump_enabled = false;
         return absl::OkStatus();
       }},
      // Replication (repcached's -x/-X). memcached's own -X (disable dumping)
      // takes no value: -X followed by a number is repcached's port, a bare
      // -X is memcached's (ParseFlags looks at the next argument).
      {'X', "repl-port", true,
       "replication: port to listen on for the peer (default: 11212); -X alone: --disable-dumping",
       [](const char* a, Settings* s) {
         if (a == nullptr) {
           s->dump_enabled = false;
           return absl::OkStatus();
         }
         return ParseIntInto("-X", a, 1, 65535, &s->repl_port);
       }},
      {'x', "peer", true, "replication: the peer, HOST[:PORT] (port defaults to -X)",
       [](const char* a, Settings* s) {
         absl::string_view v(a);
         if (v.empty() || v.front() == ':') return InvalidFlagValue("-x", a);
         if (size_t colon = v.rfind(':'); colon != absl::string_view::npos && v.back() != ']') {
           int port = 0;
           if (absl::Status st = ParseIntInto("-x", v.substr(colon + 1), 1, 65535, &port); !st.ok()) {
             return st;
           }
         }
         s->repl_peer = a;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 1, "repl-secret", true, "replication: file (mode 600) holding the shared secret: TLS 1.3 PSK",
       [](const char* a, Settings* s) {
         if (*a == '\0') return InvalidFlagValue("--repl-secret", a);
         s->repl_secret_file = a;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 9, "repl-tls-cert", true, "replication: this node's certificate (PEM), instead of a secret",
       [](const char* a, Settings* s) {
         if (*a == '\0') return InvalidFlagValue("--repl-tls-cert", a);
         s->repl_tls_cert_file = a;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 10, "repl-tls-key", true, "replication: the certificate's private key (PEM, mode 600)",
       [](const char* a, Settings* s) {
         if (*a == '\0') return InvalidFlagValue("--repl-tls-key", a);
         s->repl_tls_key_file = a;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 11, "repl-tls-ca", true, "replication: CA (PEM) that must have signed the peer's certificate",
       [](const char* a, Settings* s) {
         if (*a == '\0') return InvalidFlagValue("--repl-tls-ca", a);
         s->repl_tls_ca_file = a;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 2, "repl-sync", false,
       "replication: acknowledge writes once the peer applied them; =strict: answer SERVER_ERROR when it did not",
       [](const char* a, Settings* s) {
         if (a != nullptr && absl::string_view(a) != "strict") return InvalidFlagValue("--repl-sync", a);
         s->repl_sync = true;
         s->repl_sync_strict = a != nullptr;
         return absl::OkStatus();
       },
       /*optional_value=*/true},
      {kLongOnlyBase + 3, "repl-sync-timeout", true, "replication: --repl-sync wait bound, ms (default: 100)",
       [](const char* a, Settings* s) {
         return ParseIntInto("--repl-sync-timeout", a, 1, 600000, &s->repl_sync_timeout_ms);
       }},
      {kLongOnlyBase + 4, "repl-backlog", true, "replication: backlog size in MB (default: 64)",
       [](const char* a, Settings* s) {
         int64_t mb = 0;
         if (absl::Status st = ParseInt("--repl-backlog", a, 1, 65536, &mb); !st.ok()) return st;
         s->repl_backlog_bytes = static_cast<size_t>(mb) << 20;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 5, "repl-heartbeat-ms", true, "replication: heartbeat interval, ms (default: 200)",
       [](const char* a, Settings* s) {
         return ParseIntInto("--repl-heartbeat-ms", a, 10, 600000, &s->repl_heartbeat_ms);
       }},
      {kLongOnlyBase + 6, "repl-timeout-ms", true,
       "replication: silence before the link drops and a slave promotes, ms (default: 1000)",
       [](const char* a, Settings* s) {
         return ParseIntInto("--repl-timeout-ms", a, 20, 3600000, &s->repl_timeout_ms);
       }},
      {kLongOnlyBase + 7, "repl-tombstone-ms", true,
       "replication: how long a delete keeps an older copy from coming back, ms (default: 60000)",
       [](const char* a, Settings* s) {
         return ParseInt("--repl-tombstone-ms", a, 0, 86400000, &s->repl_tombstone_ms);
       }},
      {kLongOnlyBase + 8, "repl-tombstone-mb", true, "replication: memory for delete tombstones, MB (default: 16)",
       [](const char* a, Settings* s) {
         int64_t mb = 0;
         if (absl::Status st = ParseInt("--repl-tombstone-mb", a, 0, 65536, &mb); !st.ok()) return st;
         s->repl_tombstone_bytes = static_cast<size_t>(mb) << 20;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 12, "repl-max-skew-ms", true,
       "replication: how far a peer's clock may pull ours ahead, ms (default: 1000)",
       [](const char* a, Settings* s) {
         return ParseInt("--repl-max-skew-ms", a, 0, 86400000, &s->repl_max_skew_ms);
       }},
      {kLongOnlyBase + 13, "debug-clock-offset-ms", true,
       "test only: shift this node's clock by N ms (simulates a host whose clock is off)",
       [](const char* a, Settings* s) {
         return ParseInt("--debug-clock-offset-ms", a, -86400000LL * 365, 86400000LL * 365,
                         &s->debug_clock_offset_ms);
       }},
      {kLongOnlyBase + 14, "repl-antientropy-s", true,
       "replication: seconds between anti-entropy rounds (digests compared, differing ranges repaired; "
       "also after every link), 0: off (default: 30)",
       [](const char* a, Settings* s) {
         return ParseIntInto("--repl-antientropy-s", a, 0, 86400, &s->repl_antientropy_s);
       }},
      {kLongOnlyBase + 70, "repl-stream-batch-us", true,
       "replication: while writes keep coming, send them to the peer once per window of this many "
       "microseconds (growing to 5x under a steady write stream) instead of waking the link for each, "
       "0: at once (default: 200; --repl-sync: always at once)",
       [](const char* a, Settings* s) {
         return ParseIntInto("--repl-stream-batch-us", a, 0, 100000, &s->repl_stream_batch_us);
       }},
      {kLongOnlyBase + 15, "debug-drop-outgoing-records", true,
       "test only: this node loses its next N replication records (the peer never sees those writes)",
       [](const char* a, Settings* s) {
         return ParseIntInto("--debug-drop-outgoing-records", a, 0, 1000000000,
                             &s->debug_drop_outgoing_records);
       }},
      {'W', "disable-watch", false, "disable watch commands (live logging)",
       [](const char*, Settings* s) {
         s->watch_enabled = false;
         return absl::OkStatus();
       }},
      {'Y', "auth-file", true, "enable ASCII protocol authentication; FILE holds user:password lines",
       [](const char* a, Settings* s) {
         s->auth_file = a;
         return absl::OkStatus();
       }},
      {'Z', "enable-ssl", false, "enable TLS/SSL for TCP clients (-o ssl_chain_cert=...,ssl_key=...)",
       [](const char*, Settings* s) {
         s->ssl_enabled = true;
         return absl::OkStatus();
       }},
      {'o', "extended", true, "comma separated list of extended options",
       [](const char* a, Settings* s) {
         for (absl::string_view opt : absl::StrSplit(a, ',', absl::SkipEmpty())) {
           absl::Status st = ApplyExtendedOption(std::string(opt), s);
           if (!st.ok()) return st;
         }
         return absl::OkStatus();
       }},
  };
  return *table;
}

// ---------------------------------------------------------------------------
// -o options: one row per name.
//
// A row says whether the option takes a value, whether `-h` names it, and
// how it lands in Settings. Most rows are one of a few typed kinds built
// from a Settings member (a switch set to a constant, an int in a range, a
// count scaled to bytes, a positive factor); the rest are small functions
// that keep memcached's wording. A name not in the table is "Illegal
// suboption", as in memcached.
// ---------------------------------------------------------------------------

// -S makes the port binary-only and -Y text-only, unless -B said otherwise,
// which is an error (memcached's checks, in its order and words). -S with -Y
// ends text-only, as in memcached: -Y's default comes second.
absl::Status ApplyAuthenticationRules(bool protocol_given, Settings* s) {
  if (s->sasl) {
    if (!protocol_given) {
      s->binding_protocol = BindingProtocol::kBinary;
    } else if (s->binding_protocol != BindingProtocol::kBinary) {
      return absl::FailedPreconditionError("ERROR: You cannot allow the ASCII protocol while using SASL.");
    }
    if (s->udp_port != 0) {
      return absl::FailedPreconditionError("ERROR: Cannot enable UDP while using binary SASL authentication.");
    }
  }
  if (!s->auth_file.empty()) {
    if (!protocol_given) {
      s->binding_protocol = BindingProtocol::kAscii;
    } else if (s->binding_protocol != BindingProtocol::kAscii) {
      return absl::FailedPreconditionError(
          "ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens.");
    }
    if (s->udp_port != 0) {
      return absl::FailedPreconditionError("Cannot use UDP with ascii authentication enabled (-U 0 to disable)");
    }
  }
  return absl::OkStatus();
}

}  // namespace

int ExitCodeFor(const absl::Status& status) {
  constexpr int kExitUsage = 1;
  constexpr int kExitExUsage = 64;  // sysexits.h EX_USAGE
  return status.code() == absl::StatusCode::kFailedPrecondition ? kExitExUsage : kExitUsage;
}

std::string UsageText() {
  std::string out = absl::StrCat("tandemd ", std::string(kTandemVersion), " (memcached ",
                                 std::string(kMemcachedCompatVersion), " compatible)\n");
  for (const FlagSpec& f : FlagTable()) {
    std::string names;
    if (f.short_name < kLongOnlyBase) absl::StrAppend(&names, "-", std::string(1, static_cast<char>(f.short_name)));
    if (f.long_name != nullptr) {
      absl::StrAppend(&names, names.empty() ? "" : ", ", "--", f.long_name, f.takes_value ? "=<value>" : "");
    }
    absl::StrAppend(&out, names, std::string(names.size() < 34 ? 34 - names.size() : 1, ' '), f.help, "\n");
  }
  absl::StrAppend(&out, ExtendedOptionsUsage());
  return out;
}

absl::Status ParseFlags(int argc, char** argv, Settings* settings, FlagsAction* action) {
  *action = FlagsAction::kRun;
  const std::vector<FlagSpec>& table = FlagTable();
  std::string short_opts = ":";  // leading ':' : we report missing values ourselves
  std::vector<option> long_opts;
  for (const FlagSpec& f : table) {
    if (f.short_name < kLongOnlyBase) {
      short_opts.push_back(static_cast<char>(f.short_name));
      if (f.takes_value) short_opts.push_back(':');
      // -X's value is optional: attached (-X11212) or the next argument when
      // that is a number (see the loop below).
      if (f.short_name == 'X') short_opts.push_back(':');
    }
    if (f.long_name != nullptr) {
      long_opts.push_back({f.long_name,
                           f.optional_value ? optional_argument : (f.takes_value ? required_argument : no_argument),
                           nullptr,
                           f.short_name});
    }
  }
  long_opts.push_back({nullptr, 0, nullptr, 0});

  optind = 0;  // glibc: full re-initialisation, so tests may parse repeatedly
  opterr = 0;
  int c;
  bool chunk_max_given = false;  // memcached's slab_chunk_size_changed
  bool protocol_given = false;   // memcached's protocol_specified
  while ((c = getopt_long(argc, argv, short_opts.c_str(), long_opts.data(), nullptr)) != -1) {
    if (c == '?') {
      std::string bad = optopt != 0 ? absl::StrCat("-", std::string(1, static_cast<char>(optopt)))
                                    : std::string(argv[optind - 1]);
      return absl::InvalidArgumentError(absl::StrCat("unrecognized option '", bad, "'"));
    }
    if (c == ':') {
      return absl::InvalidArgumentError(absl::StrCat("option '", argv[optind - 1], "' requires a value"));
    }
    if (c == 'h') {
      *action = FlagsAction::kPrintHelp;
      return absl::OkStatus();
    }
    if (c == 'V') {
      *action = FlagsAction::kPrintVersion;
      return absl::OkStatus();
    }
    if (c == 'o' && absl::StrContains(optarg, "slab_chunk_max")) chunk_max_given = true;
    if (c == 'X' && optarg == nullptr && optind < argc && IsPortNumber(argv[optind])) {
      optarg = argv[optind++];  // "-X 11212": repcached's replication port
    }
    if (c == 'B') protocol_given = true;
    for (const FlagSpec& f : table) {
      if (f.short_name != c) continue;
      if (absl::Status st = f.apply(optarg, settings); !st.ok()) return st;
      break;
    }
  }
  if (optind < argc) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", argv[optind], "'"));
  }

  // Cross-flag rules, with memcached's wording.
  if (settings->item_size_max < 1024) {
    return absl::InvalidArgumentError("Item max size cannot be less than 1024 bytes.");
  }
  if (settings->item_size_max > (size_t{1} << 30)) {
    return absl::InvalidArgumentError("Cannot set item size limit higher than 1 GB.");
  }
  if (settings->item_size_max > settings->max_bytes.load() / 2) {
    return absl::InvalidArgumentError("Cannot set item size limit higher than 1/2 of memory max.");
  }
  if (settings->item_size_max > kSlabPageSize && !chunk_max_given) {
    settings->slab_chunk_max = kDefaultSlabChunkMax;
  }
  if (chunk_max_given) {
    const size_t chunk = settings->slab_chunk_max;
    if (chunk > settings->item_size_max) {
      return absl::InvalidArgumentError(absl::StrCat("slab_chunk_max (bytes: ", chunk,
                                                     ") cannot be larger than -I (item_size_max ",
                                                     settings->item_size_max, ")"));
    }
    if (settings->item_size_max % chunk != 0) {
      return absl::InvalidArgumentError(absl::StrCat("-I (item_size_max: ", settings->item_size_max,
                                                     ") must be evenly divisible by slab_chunk_max (bytes: ",
                                                     chunk, ")"));
    }
    if (kSlabPageSize % chunk != 0) {
      return absl::InvalidArgumentError(absl::StrCat("slab_chunk_max (bytes: ", chunk,
                                                     ") must divide evenly into ", kSlabPageSize,
                                                     " (slab_page_size)"));
    }
  } else if (settings->slab_chunk_max > settings->item_size_max) {
    // memcached refuses -I below its 512 KB default slab_chunk_max; tandem
    // shrinks the chunk limit to fit, so -I 1k works.
    settings->slab_chunk_max = settings->item_size_max;
  }
  if (absl::Status st = CheckSlabSizes(settings); !st.ok()) return st;
  if (settings->hot_lru_pct + settings->warm_lru_pct > 80) {
    return absl::InvalidArgumentError("hot_lru_pct + warm_lru_pct cannot be more than 80% combined");
  }
  if (settings->temp_lru && !settings->lru_maintainer) {
    return absl::InvalidArgumentError("temporary_ttl requires lru_maintainer to be enabled");
  }
  if (!settings->repl_peer.empty() && settings->repl_port == 0) settings->repl_port = 11212;
  if (settings->replication_enabled() && settings->repl_timeout_ms <= settings->repl_heartbeat_ms) {
    return absl::InvalidArgumentError("--repl-timeout-ms must be larger than --repl-heartbeat-ms");
  }
  return ApplyAuthenticationRules(protocol_given, settings);
}

}  // namespace tandem::server
