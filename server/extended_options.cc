#include "server/extended_options.h"

#include <atomic>
#include <climits>
#include <cstdint>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "server/flag_values.h"
#include "server/tls_flags.h"

namespace tandem::server {
namespace {

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

}  // namespace

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

}  // namespace tandem::server
