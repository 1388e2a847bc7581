// Flag parsing, table-driven: one row per memcached option (short letter,
// long name, whether it takes a value, and how it lands in Settings), so the
// getopt strings, the long-option array and `-h` all come from one place.
// The `-o` extended options are a second table of the same shape (name,
// value rule, -h listing, apply), so adding one is adding a row.
#include "server/flags.h"

#include <getopt.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <functional>
#include <string_view>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "server/tls_flags.h"
#include "server/version.h"

namespace tandem::server {
namespace {

absl::Status Invalid(absl::string_view flag, absl::string_view value) {
  return absl::InvalidArgumentError(absl::StrCat("invalid value for ", flag, ": \"", value, "\""));
}

// Strict integer in [min, max]; memcached's atoi would take "12abc".
absl::Status ParseInt(absl::string_view flag, absl::string_view text, int64_t min, int64_t max,
                      int64_t* out) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(text, &v) || v < min || v > max) return Invalid(flag, text);
  *out = v;
  return absl::OkStatus();
}

template <typename T>
absl::Status ParseIntInto(absl::string_view flag, absl::string_view text, int64_t min, int64_t max,
                          T* out) {
  int64_t v = 0;
  absl::Status s = ParseInt(flag, text, min, max, &v);
  if (s.ok()) *out = static_cast<T>(v);
  return s;
}

// Sizes with memcached's optional k/m/g suffix (-I 2m).
absl::Status ParseSize(absl::string_view flag, absl::string_view text, size_t* out) {
  absl::string_view digits = text;
  uint64_t unit = 1;
  if (!digits.empty()) {
    switch (absl::ascii_tolower(digits.back())) {
      case 'k': unit = 1u << 10; break;
      case 'm': unit = 1u << 20; break;
      case 'g': unit = 1u << 30; break;
      default: break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  uint64_t v = 0;
  if (!absl::SimpleAtoi(digits, &v) || v > (uint64_t{1} << 40) / unit) return Invalid(flag, text);
  *out = static_cast<size_t>(v * unit);
  return absl::OkStatus();
}

// "-X 11212" against "-X -o ...": only digits make the next argument -X's.
bool IsPortNumber(absl::string_view text) {
  return !text.empty() && text.size() <= 5 &&
         std::all_of(text.begin(), text.end(), [](char ch) { return absl::ascii_isdigit(ch); });
}

absl::Status ParseDouble(absl::string_view flag, absl::string_view text, double* out) {
  if (!absl::SimpleAtod(text, out)) return Invalid(flag, text);
  return absl::OkStatus();
}

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

// memcached's fixed 1 MB slab page, its default slab_chunk_max (half a page)
// and the smallest slab_chunk_max tandem's chunked items can use (memcached
// takes any divisor of the page, even 16 bytes).
constexpr int64_t kSlabPageSize = int64_t{1} << 20;
constexpr size_t kDefaultSlabChunkMax = size_t{512} << 10;
constexpr int64_t kMinSlabChunkMax = 1024;

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
         if (errno != 0 || end == a || *end != '\0' || v < 0 || v > 0777) return Invalid("-a", a);
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
         if (s->listen.size() == before) return Invalid("-l", a);
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
         if (s->max_bytes == 0) return Invalid("-m", a);
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
         if (*a == '\0') return Invalid("-e", a);
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
         if (absl::string_view(a).size() != 1) return Invalid("-D", a);
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
         if (v.empty() || v.front() == ':') return Invalid("-x", a);
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
         if (*a == '\0') return Invalid("--repl-secret", a);
         s->repl_secret_file = a;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 9, "repl-tls-cert", true, "replication: this node's certificate (PEM), instead of a secret",
       [](const char* a, Settings* s) {
         if (*a == '\0') return Invalid("--repl-tls-cert", a);
         s->repl_tls_cert_file = a;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 10, "repl-tls-key", true, "replication: the certificate's private key (PEM, mode 600)",
       [](const char* a, Settings* s) {
         if (*a == '\0') return Invalid("--repl-tls-key", a);
         s->repl_tls_key_file = a;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 11, "repl-tls-ca", true, "replication: CA (PEM) that must have signed the peer's certificate",
       [](const char* a, Settings* s) {
         if (*a == '\0') return Invalid("--repl-tls-ca", a);
         s->repl_tls_ca_file = a;
         return absl::OkStatus();
       }},
      {kLongOnlyBase + 2, "repl-sync", false,
       "replication: acknowledge writes once the peer applied them; =strict: answer SERVER_ERROR when it did not",
       [](const char* a, Settings* s) {
         if (a != nullptr && absl::string_view(a) != "strict") return Invalid("--repl-sync", a);
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
       "replication: while writes keep coming, send them to the peer once per this many microseconds "
       "instead of waking the link for each, 0: at once (default: 200; --repl-sync: always at once)",
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

// What an option does with the text after its '='.
enum class ExtValue {
  kIgnored,   // a switch: any "=..." is ignored
  kRequired,  // absent or empty: "Missing value for -o NAME"
  kOptional,  // slab_automove's level, and the inert options' recorded text
};

// One `-o` word, split at its first '='.
struct ExtArg {
  absl::string_view name;
  absl::string_view value;
  bool has_value = false;
  std::string label;  // "-o NAME", the flag named by "invalid value for"
};

using ExtApply = absl::Status (*)(const ExtArg& arg, Settings* s);

struct ExtendedOptionSpec {
  absl::string_view name;
  ExtValue value;
  bool in_usage;  // named, in table order, on -h's "-o options:" lines
  ExtApply apply;
};

template <bool Settings::*kField, bool kOn>
absl::Status Switch(const ExtArg&, Settings* s) {
  s->*kField = kOn;
  return absl::OkStatus();
}

template <int Settings::*kField, int64_t kMin, int64_t kMax>
absl::Status IntInRange(const ExtArg& a, Settings* s) {
  return ParseIntInto(a.label, a.value, kMin, kMax, &(s->*kField));
}

// A non-negative count of 2^kShift-byte units (the logging buffers are in
// kilobytes, read_buf_mem_limit in megabytes, as in memcached).
template <size_t Settings::*kField, int kShift>
absl::Status ScaledBytes(const ExtArg& a, Settings* s) {
  int64_t n = 0;
  if (auto st = ParseInt(a.label, a.value, 0, INT_MAX, &n); !st.ok()) return st;
  s->*kField = static_cast<size_t>(n) << kShift;
  return absl::OkStatus();
}

// The same for a setting that `lru tune` may change at run time.
template <std::atomic<int> Settings::*kField, int64_t kMin, int64_t kMax>
absl::Status AtomicIntInRange(const ExtArg& a, Settings* s) {
  int v = 0;
  if (auto st = ParseIntInto(a.label, a.value, kMin, kMax, &v); !st.ok()) return st;
  (s->*kField).store(v);
  return absl::OkStatus();
}

// hot_max_factor and warm_max_factor: a double above 0, in memcached's words.
template <std::atomic<double> Settings::*kField>
absl::Status PositiveFactor(const ExtArg& a, Settings* s) {
  double v = 0;
  if (!absl::SimpleAtod(a.value, &v) || !(v > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(a.name, " must be > 0"));
  }
  (s->*kField).store(v);
  return absl::OkStatus();
}

absl::Status Hashpower(const ExtArg& a, Settings* s) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(a.value, &v) || v < 12 || v > 32) {
    return absl::InvalidArgumentError(absl::StrCat("Initial hashtable multiplier of ", a.value,
                                                   " is out of range (12..32)"));
  }
  s->hashpower_init = static_cast<int>(v);
  return absl::OkStatus();
}

// memcached 1.6.18's help says kilobytes, but it stores the number as bytes
// (`stats settings` shows slab_chunk_max=16384 as 16384), so configurations
// written for it mean bytes. ParseFlags checks it against -I and the page
// size as memcached does.
absl::Status SlabChunkMax(const ExtArg& a, Settings* s) {
  int64_t bytes = 0;
  if (auto st = ParseInt(a.label, a.value, kMinSlabChunkMax, kSlabPageSize, &bytes); !st.ok()) return st;
  s->slab_chunk_max = static_cast<size_t>(bytes);
  return absl::OkStatus();
}

absl::Status NoChunkedItems(const ExtArg&, Settings* s) {
  s->slab_chunk_max = kSlabPageSize;
  return absl::OkStatus();
}

// As in memcached: without the maintainer there is no segmented LRU.
absl::Status NoLruMaintainer(const ExtArg&, Settings* s) {
  s->lru_maintainer = false;
  s->lru_segmented = false;
  return absl::OkStatus();
}

// memcached 1.6: "currently: nothing".
absl::Status Modern(const ExtArg&, Settings*) { return absl::OkStatus(); }

// memcached 1.4's defaults, exactly the set memcached 1.6.18 changes.
absl::Status NoModern(const ExtArg&, Settings* s) {
  if (s->slab_chunk_max == kDefaultSlabChunkMax) s->slab_chunk_max = kSlabPageSize;
  s->slab_reassign = false;
  s->slab_automove = 0;
  s->maxconns_fast = false;
  s->lru_segmented = false;
  s->lru_maintainer = false;
  s->lru_crawler = false;
  s->hash_algorithm = "jenkins";
  return absl::OkStatus();
}

absl::Status HashAlgorithm(const ExtArg& a, Settings* s) {
  if (a.value != "jenkins" && a.value != "murmur3" && a.value != "xxh3") {
    return absl::InvalidArgumentError(absl::StrCat("Unknown hash_algorithm option: ", a.value));
  }
  s->hash_algorithm = std::string(a.value);
  return absl::OkStatus();
}

// memcached refuses anything under 10 s, even an explicit 0.
absl::Status TailRepairTime(const ExtArg& a, Settings* s) {
  if (auto st = ParseIntInto(a.label, a.value, 0, INT_MAX, &s->tail_repair_time); !st.ok()) return st;
  if (s->tail_repair_time < 10) {
    return absl::InvalidArgumentError("Cannot set tail_repair_time to less than 10 seconds");
  }
  return absl::OkStatus();
}

absl::Status TemporaryTtl(const ExtArg& a, Settings* s) {
  s->temp_lru = true;
  int ttl = 0;
  if (auto st = ParseIntInto(a.label, a.value, 0, INT_MAX, &ttl); !st.ok()) return st;
  s->temporary_ttl = ttl;
  return absl::OkStatus();
}

absl::Status NoSlabAutomove(const ExtArg&, Settings* s) {
  s->slab_automove = 0;
  return absl::OkStatus();
}

absl::Status SlabAutomoveRatio(const ExtArg& a, Settings* s) {
  double v = 0;
  if (!absl::SimpleAtod(a.value, &v) || !(v > 0 && v < 1)) {
    return absl::InvalidArgumentError("slab_automove_ratio must be > 0 and < 1");
  }
  s->slab_automove_ratio = v;
  return absl::OkStatus();
}

absl::Status SlabAutomoveWindow(const ExtArg& a, Settings* s) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(a.value, &v) || v <= 2 || v > INT_MAX) {
    return absl::InvalidArgumentError("slab_automove_window must be > 2");
  }
  s->slab_automove_window = static_cast<int>(v);
  return absl::OkStatus();
}

// Bare: level 1. With '=' (even an empty one) the level must be 0..2.
absl::Status SlabAutomove(const ExtArg& a, Settings* s) {
  s->slab_automove = 1;
  if (!a.has_value) return absl::OkStatus();
  int level = 0;
  if (auto st = ParseIntInto(a.label, a.value, 0, 2, &level); !st.ok()) return st;
  s->slab_automove = level;
  return absl::OkStatus();
}

// Parsed once the whole command line is known (memcached checks each size
// against the final -n and slab_chunk_max): see CheckSlabSizes.
absl::Status SlabSizes(const ExtArg& a, Settings* s) {
  s->slab_sizes_spec = std::string(a.value);
  return absl::OkStatus();
}

// memcached reads it with safe_strtoul and ignores a bad number.
absl::Status SockCookieId(const ExtArg& a, Settings* s) {
  uint32_t id = 0;
  s->sock_cookie_id = absl::SimpleAtoi(a.value, &id) ? id : 0;
  return absl::OkStatus();
}

// Features tandem does not have, refused at start-up instead of silently
// running without them (a cache configured for extstore would otherwise
// hold far less than its operator planned for).
absl::Status Extstore(const ExtArg&, Settings*) {
  return absl::UnimplementedError("extstore is not supported (-o ext_path)");
}

absl::Status Proxy(const ExtArg& a, Settings*) {
  return absl::UnimplementedError(absl::StrCat("the proxy is not supported (-o ", a.name, ")"));
}

absl::Status Ssl(const ExtArg& a, Settings* s) {
  const std::string_view value(a.value.data(), a.value.size());
  return ApplySslOption(std::string_view(a.name.data(), a.name.size()), a.has_value ? &value : nullptr, s);
}

// memcached's options that have no effect there either in this set-up:
// extstore's tunables without an ext_path, slab_automove_freeratio
// (extstore's page mover), inline_ascii_resp (gone in 1.6). Accepted and
// shown in `stats settings`, as memcached shows them.
absl::Status Inert(const ExtArg& a, Settings* s) {
  s->inert_options.emplace_back(std::string(a.name), std::string(a.value));
  return absl::OkStatus();
}

constexpr ExtValue kIgnored = ExtValue::kIgnored;
constexpr ExtValue kRequired = ExtValue::kRequired;
constexpr ExtValue kOptional = ExtValue::kOptional;
constexpr bool kUsage = true;
constexpr bool kNoUsage = false;

constexpr ExtendedOptionSpec kExtendedOptions[] = {
    {"maxconns_fast", kIgnored, kUsage, &Switch<&Settings::maxconns_fast, true>},
    {"no_maxconns_fast", kIgnored, kNoUsage, &Switch<&Settings::maxconns_fast, false>},
    {"hashpower", kRequired, kUsage, &Hashpower},
    {"idle_timeout", kRequired, kUsage, &IntInRange<&Settings::idle_timeout, 0, INT_MAX>},
    {"slab_chunk_max", kRequired, kUsage, &SlabChunkMax},
    {"no_chunked_items", kIgnored, kNoUsage, &NoChunkedItems},
    {"lru_crawler", kIgnored, kUsage, &Switch<&Settings::lru_crawler, true>},
    {"no_lru_crawler", kIgnored, kUsage, &Switch<&Settings::lru_crawler, false>},
    {"lru_maintainer", kIgnored, kUsage, &Switch<&Settings::lru_maintainer, true>},
    {"no_lru_maintainer", kIgnored, kUsage, &NoLruMaintainer},
    {"modern", kIgnored, kUsage, &Modern},
    {"no_modern", kIgnored, kUsage, &NoModern},
    {"hash_algorithm", kRequired, kUsage, &HashAlgorithm},
    {"lru_crawler_sleep", kRequired, kNoUsage, &IntInRange<&Settings::lru_crawler_sleep, 0, 1000000>},
    {"lru_crawler_tocrawl", kRequired, kNoUsage, &IntInRange<&Settings::lru_crawler_tocrawl, 0, INT_MAX>},
    {"tail_repair_time", kRequired, kNoUsage, &TailRepairTime},
    {"hot_lru_pct", kRequired, kNoUsage, &AtomicIntInRange<&Settings::hot_lru_pct, 1, 80>},
    {"warm_lru_pct", kRequired, kNoUsage, &AtomicIntInRange<&Settings::warm_lru_pct, 1, 80>},
    {"hot_max_factor", kRequired, kNoUsage, &PositiveFactor<&Settings::hot_max_factor>},
    {"warm_max_factor", kRequired, kNoUsage, &PositiveFactor<&Settings::warm_max_factor>},
    {"temporary_ttl", kRequired, kNoUsage, &TemporaryTtl},
    {"watcher_logbuf_size", kRequired, kNoUsage, &ScaledBytes<&Settings::watcher_logbuf_size, 10>},
    {"worker_logbuf_size", kRequired, kNoUsage, &ScaledBytes<&Settings::worker_logbuf_size, 10>},
    {"read_buf_mem_limit", kRequired, kNoUsage, &ScaledBytes<&Settings::read_buf_mem_limit, 20>},
    {"track_sizes", kIgnored, kNoUsage, &Switch<&Settings::track_sizes, true>},
    {"no_hashexpand", kIgnored, kNoUsage, &Switch<&Settings::hash_expand, false>},
    {"slab_reassign", kIgnored, kNoUsage, &Switch<&Settings::slab_reassign, true>},
    {"no_slab_reassign", kIgnored, kNoUsage, &Switch<&Settings::slab_reassign, false>},
    {"no_slab_automove", kIgnored, kNoUsage, &NoSlabAutomove},
    {"slab_automove_ratio", kRequired, kNoUsage, &SlabAutomoveRatio},
    {"slab_automove_window", kRequired, kNoUsage, &SlabAutomoveWindow},
    {"slab_automove", kOptional, kNoUsage, &SlabAutomove},
    {"ext_path", kOptional, kNoUsage, &Extstore},
    {"proxy_config", kOptional, kNoUsage, &Proxy},
    {"slab_sizes", kOptional, kNoUsage, &SlabSizes},
    {"sock_cookie_id", kOptional, kNoUsage, &SockCookieId},
    // TLS of client connections (-Z), server/tls_flags.cc.
    {"ssl_chain_cert", kOptional, kNoUsage, &Ssl},
    {"ssl_key", kOptional, kNoUsage, &Ssl},
    {"ssl_keyformat", kOptional, kNoUsage, &Ssl},
    {"ssl_verify_mode", kOptional, kNoUsage, &Ssl},
    {"ssl_ciphers", kOptional, kNoUsage, &Ssl},
    {"ssl_ca_cert", kOptional, kNoUsage, &Ssl},
    {"ssl_wbuf_size", kOptional, kNoUsage, &Ssl},
    {"ssl_session_cache", kIgnored, kNoUsage, &Ssl},
    {"ssl_kernel_tls", kIgnored, kNoUsage, &Ssl},
    {"ssl_min_version", kOptional, kNoUsage, &Ssl},
    // Accepted and shown, no effect (as in memcached without ext_path).
    {"ext_page_size", kOptional, kNoUsage, &Inert},
    {"ext_wbuf_size", kOptional, kNoUsage, &Inert},
    {"ext_threads", kOptional, kNoUsage, &Inert},
    {"ext_item_size", kOptional, kNoUsage, &Inert},
    {"ext_item_age", kOptional, kNoUsage, &Inert},
    {"ext_low_ttl", kOptional, kNoUsage, &Inert},
    {"ext_drop_unread", kOptional, kNoUsage, &Inert},
    {"ext_recache_rate", kOptional, kNoUsage, &Inert},
    {"ext_compact_under", kOptional, kNoUsage, &Inert},
    {"ext_drop_under", kOptional, kNoUsage, &Inert},
    {"ext_max_frag", kOptional, kNoUsage, &Inert},
    {"ext_max_sleep", kOptional, kNoUsage, &Inert},
    {"slab_automove_freeratio", kOptional, kNoUsage, &Inert},
    {"no_inline_ascii_resp", kOptional, kNoUsage, &Inert},
    {"inline_ascii_resp", kOptional, kNoUsage, &Inert},
};

const ExtendedOptionSpec* FindExtendedOption(absl::string_view name) {
  for (const ExtendedOptionSpec& spec : kExtendedOptions) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// The `-o options:` lines of -h: the kUsage names in table order, each line
// (with its trailing comma) at most 80 columns.
std::string ExtendedOptionsUsage() {
  constexpr size_t kWidth = 80;
  std::string out;
  std::string line = "-o options:";
  for (const ExtendedOptionSpec& spec : kExtendedOptions) {
    if (!spec.in_usage) continue;
    std::string item = absl::StrCat(" ", spec.name, ",");
    if (line.size() + item.size() > kWidth) {
      absl::StrAppend(&out, line, "\n");
      line.assign(1, ' ');  // continuation lines start at column 2 (item begins with a space)
    }
    line += item;
  }
  absl::StrAppend(&out, line, " and memcached's other options (accepted, shown in stats settings)\n");
  return out;
}

// memcached's _parse_slab_sizes: sizes separated by '-', each within
// [-n, slab_chunk_max] and more than 8 bytes above the one before, at most
// 62 of them; memcached prints why and exits EX_USAGE.
absl::Status CheckSlabSizes(Settings* s) {
  if (!s->slab_sizes_spec.has_value()) return absl::OkStatus();
  const std::string& text = *s->slab_sizes_spec;
  s->slab_sizes.clear();
  auto refuse = [](std::string why) { return absl::FailedPreconditionError(why); };
  uint32_t last = 0;
  for (absl::string_view part : absl::StrSplit(text, '-', absl::SkipEmpty())) {
    uint32_t size = 0;
    if (!absl::SimpleAtoi(part, &size) || size < static_cast<uint32_t>(s->chunk_size) ||
        size > s->slab_chunk_max) {
      return refuse(absl::StrCat("slab size ", size, " is out of valid range"));
    }
    if (last >= size) {
      return refuse(absl::StrCat("slab size ", size, " cannot be lower than or equal to a previous class size"));
    }
    if (size <= last + 8) {
      return refuse(absl::StrCat("slab size ", size, " must be at least 8 bytes larger than previous class"));
    }
    s->slab_sizes.push_back(size);
    last = size;
    if (s->slab_sizes.size() >= 63) return refuse("too many slab classes specified");
  }
  if (s->slab_sizes.empty()) return refuse("slab size 0 is out of valid range");
  return absl::OkStatus();
}

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

absl::Status ApplyExtendedOption(const std::string& option, Settings* s) {
  ExtArg arg;
  arg.name = option;
  if (size_t eq = arg.name.find('='); eq != absl::string_view::npos) {
    arg.value = arg.name.substr(eq + 1);
    arg.name = arg.name.substr(0, eq);
    arg.has_value = true;
  }
  const ExtendedOptionSpec* spec = FindExtendedOption(arg.name);
  if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("Illegal suboption \"", option, "\""));
  if (spec->value == ExtValue::kRequired && arg.value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("Missing value for -o ", arg.name));
  }
  arg.label = absl::StrCat("-o ", arg.name);
  return spec->apply(arg, s);
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
