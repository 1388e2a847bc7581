// `stats`, `stats settings` and `stats conns` reports; see stats.h.
#include "server/stats.h"

#include <event2/event.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "protocol/result.h"
#include "server/storage/engine.h"
#include "server/tls_flags.h"
#include "server/version.h"

namespace tandem::server {
namespace {

// Appends one field of a report.
void AppendStat(protocol::StatList* out, std::string_view name, std::string_view value) {
  out->emplace_back(std::string(name), std::string(value));
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

std::string Fixed2(double d) { return absl::StrFormat("%.2f", d); }

std::string Timeval(const timeval& tv) {
  return absl::StrFormat("%ld.%06ld", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
}

// memcached's extstore and TLS settings with its defaults, in its order.
constexpr std::pair<std::string_view, std::string_view> kInertSettings[] = {
    {"ext_item_size", "512"}, {"ext_item_age", "4294967295"}, {"ext_low_ttl", "0"},
    {"ext_recache_rate", "2000"}, {"ext_wbuf_size", "4194304"}, {"ext_compact_under", "0"},
    {"ext_drop_under", "0"}, {"ext_max_sleep", "1000000"}, {"ext_max_frag", "0.80"},
    {"slab_automove_freeratio", "0.010"}, {"ext_drop_unread", "no"},
};
// The inert options memcached lists after its TLS settings.
constexpr std::pair<std::string_view, std::string_view> kInertSettingsAfterTls[] = {
    {"num_napi_ids", "(null)"}, {"memory_file", "(null)"},
};

// memcached stores ssl_verify_mode as OpenSSL's flags and shows those:
// 0 none, 1 peer, 3 peer + fail without a certificate, 7 + client once.
constexpr int kVerifyModeShown[] = {0, 1, 3, 7};

// -Z's settings, as memcached's `stats settings` shows them.
void AppendTlsSettings(const Settings& s, protocol::StatList* out) {
  AppendStat(out, "ssl_enabled", YesNo(s.ssl_enabled));
  AppendStat(out, "ssl_chain_cert", s.ssl_chain_cert_given ? s.ssl_chain_cert : "(null)");
  AppendStat(out, "ssl_key", s.ssl_key_given ? s.ssl_key : "(null)");
  AppendStat(out, "ssl_verify_mode", absl::StrCat(kVerifyModeShown[s.ssl_verify_mode & 3]));
  AppendStat(out, "ssl_keyformat", absl::StrCat(s.ssl_keyformat));
  AppendStat(out, "ssl_ciphers", s.ssl_ciphers.empty() ? "NULL" : s.ssl_ciphers);
  AppendStat(out, "ssl_ca_cert", s.ssl_ca_cert.empty() ? "NULL" : s.ssl_ca_cert);
  AppendStat(out, "ssl_wbuf_size", absl::StrCat(s.ssl_wbuf_size));
  AppendStat(out, "ssl_session_cache", YesNo(s.ssl_session_cache));
  AppendStat(out, "ssl_kernel_tls", YesNo(s.ssl_kernel_tls));
  AppendStat(out, "ssl_min_version", SslMinVersionName(s.ssl_min_version));
}

}  // namespace

ServerStats::ServerStats(const Settings& settings, int num_threads) : settings_(settings) {
  for (int i = 0; i < num_threads; ++i) threads_.push_back(std::make_unique<ThreadStats>());
}

void ServerStats::RegisterConnection(const ConnectionInfo* info) {
  absl::MutexLock lock(&mu_);
  conns_.push_back(info);
}

void ServerStats::UnregisterConnection(const ConnectionInfo* info) {
  absl::MutexLock lock(&mu_);
  auto it = std::find(conns_.begin(), conns_.end(), info);
  if (it != conns_.end()) {
    *it = conns_.back();
    conns_.pop_back();
  }
}

CounterTotals ServerStats::Totals() const {
  CounterTotals t;
  for (const auto& ts : threads_) {
#define TANDEM_SUM(name) t.name += ts->name.Get();
    TANDEM_THREAD_COUNTERS(TANDEM_SUM)
#undef TANDEM_SUM
  }
  absl::MutexLock lock(&mu_);
#define TANDEM_SUB(name) t.name -= baseline_.name;
  TANDEM_THREAD_COUNTERS(TANDEM_SUB)
#undef TANDEM_SUB
  return t;
}

void ServerStats::Reset() {
  CounterTotals raw;
  for (const auto& ts : threads_) {
#define TANDEM_SUM(name) raw.name += ts->name.Get();
    TANDEM_THREAD_COUNTERS(TANDEM_SUM)
#undef TANDEM_SUM
  }
  absl::MutexLock lock(&mu_);
  baseline_ = raw;
  total_connections.store(0);
  rejected_connections.store(0);
  ssl_handshake_errors.store(0);
  ssl_new_sessions.store(0);
}

// memcached 1.6.18's `stats` fields, in its order. Fields for mechanisms
// tandem does not have (extstore, slab page mover, log watchers, response
// object caches, NAPI) are reported as 0: the events they count never happen.
constexpr std::string_view kGeneralFieldOrder[] = {
    "pid", "uptime", "time", "version", "libevent", "pointer_size", "rusage_user",
    "rusage_system", "max_connections", "curr_connections", "total_connections",
    "rejected_connections", "connection_structures", "response_obj_oom", "response_obj_count",
    "response_obj_bytes", "read_buf_count", "read_buf_bytes", "read_buf_bytes_free",
    "read_buf_oom", "reserved_fds", "cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "cmd_meta",
    "get_hits", "get_misses", "get_expired", "get_flushed", "delete_misses", "delete_hits",
    "incr_misses", "incr_hits", "decr_misses", "decr_hits", "cas_misses", "cas_hits",
    "cas_badval", "touch_hits", "touch_misses", "store_too_large", "store_no_memory",
    "auth_cmds", "auth_errors", "bytes_read", "bytes_written", "limit_maxbytes",
    "accepting_conns", "listen_disabled_num", "time_in_listen_disabled_us", "threads",
    "conn_yields", "hash_power_level", "hash_bytes", "hash_is_expanding",
    "slab_reassign_rescues", "slab_reassign_chunk_rescues", "slab_reassign_evictions_nomem",
    "slab_reassign_inline_reclaim", "slab_reassign_busy_items", "slab_reassign_busy_deletes",
    "slab_reassign_running", "slabs_moved", "lru_crawler_running", "lru_crawler_starts",
    "lru_maintainer_juggles", "malloc_fails", "log_worker_dropped", "log_worker_written",
    "log_watcher_skipped", "log_watcher_sent", "log_watchers", "unexpected_napi_ids",
    "round_robin_fallback", "bytes", "curr_items", "total_items", "slab_global_page_pool",
    "expired_unfetched", "evicted_unfetched", "evicted_active", "evictions", "reclaimed",
    "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked", "moves_to_cold",
    "moves_to_warm", "moves_within_lru", "direct_reclaims", "lru_bumps_dropped",
};

void ServerStats::GeneralReport(const storage::Engine& engine, uint32_t uptime, int64_t now_unix,
                          protocol::StatList* out) const {
  absl::flat_hash_map<std::string, std::string> values;
  auto put = [&values](std::string_view name, std::string value) {
    values[std::string(name)] = std::move(value);
  };
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  put("pid", absl::StrCat(getpid()));
  put("uptime", absl::StrCat(uptime));
  put("time", absl::StrCat(now_unix));
  put("version", std::string(kMemcachedCompatVersion));
  put("libevent", event_get_version());
  put("pointer_size", absl::StrCat(8 * sizeof(void*)));
  put("rusage_user", Timeval(usage.ru_utime));
  put("rusage_system", Timeval(usage.ru_stime));
  put("max_connections", absl::StrCat(settings_.max_conns));
  put("curr_connections", absl::StrCat(curr_connections.load()));
  put("total_connections", absl::StrCat(total_connections.load()));
  put("rejected_connections", absl::StrCat(rejected_connections.load()));
  put("connection_structures", absl::StrCat(connection_structures.load()));
  CounterTotals t = Totals();
#define TANDEM_PUT(name) put(#name, absl::StrCat(t.name));
  TANDEM_THREAD_COUNTERS(TANDEM_PUT)
#undef TANDEM_PUT
  put("limit_maxbytes", absl::StrCat(settings_.max_bytes.load()));
  put("accepting_conns", accepting_conns.load() ? "1" : "0");
  put("listen_disabled_num", absl::StrCat(listen_disabled_num.load()));
  put("threads", absl::StrCat(settings_.num_threads));
  put("lru_crawler_starts", settings_.lru_crawler ? "1" : "0");
  storage::StatList engine_stats;
  engine.GeneralStats(&engine_stats);
  for (auto& [name, value] : engine_stats) {
    if (name == "limit_maxbytes") continue;  // from the settings (cache_memlimit updates it)
    put(name, value);
  }
  for (std::string_view name : kGeneralFieldOrder) {
    // As memcached: idle_kicks only exists with -o idle_timeout, after auth_errors.
    if (name == "bytes_read" && settings_.idle_timeout > 0) {
      AppendStat(out, "idle_kicks", values["idle_kicks"]);
    }
    auto it = values.find(std::string(name));
    AppendStat(out, name, it == values.end() ? std::string_view("0") : std::string_view(it->second));
    // With -Z memcached reports its TLS counters here.
    if (name == "log_watchers" && settings_.ssl_enabled) {
      if (settings_.ssl_session_cache) AppendStat(out, "ssl_new_sessions", absl::StrCat(ssl_new_sessions.load()));
      AppendStat(out, "ssl_handshake_errors", absl::StrCat(ssl_handshake_errors.load()));
      const uint32_t refreshed = ssl_cert_refresh_time.load();
      AppendStat(out, "time_since_server_cert_refresh", absl::StrCat(uptime >= refreshed ? uptime - refreshed : 0));
    }
  }
}

void ServerStats::SettingsReport(protocol::StatList* out) const {
  const Settings& s = settings_;
  std::string inter;
  for (const std::string& l : s.listen) absl::StrAppend(&inter, inter.empty() ? "" : ",", l);
  AppendStat(out, "maxbytes", absl::StrCat(s.max_bytes.load()));
  AppendStat(out, "maxconns", absl::StrCat(s.max_conns));
  AppendStat(out, "tcpport", absl::StrCat(s.port));
  AppendStat(out, "udpport", absl::StrCat(s.udp_port));
  AppendStat(out, "inter", inter.empty() ? "NULL" : inter);
  AppendStat(out, "verbosity", absl::StrCat(s.verbose.load()));
  AppendStat(out, "oldest", "0");
  AppendStat(out, "evictions", s.evict_to_free ? "on" : "off");
  AppendStat(out, "domain_socket", s.unix_socket.empty() ? "NULL" : s.unix_socket);
  AppendStat(out, "umask", absl::StrFormat("%o", s.unix_mask));
  AppendStat(out, "shutdown_command", YesNo(s.enable_shutdown));
  AppendStat(out, "growth_factor", Fixed2(s.growth_factor));
  AppendStat(out, "chunk_size", absl::StrCat(s.chunk_size));
  AppendStat(out, "num_threads", absl::StrCat(s.num_threads));
  AppendStat(out, "num_threads_per_udp", absl::StrCat(s.num_threads));
  AppendStat(out, "stat_key_prefix", std::string(1, s.prefix_delimiter));
  AppendStat(out, "detail_enabled", YesNo(s.detail_enabled.load()));
  AppendStat(out, "reqs_per_event", absl::StrCat(s.reqs_per_event));
  AppendStat(out, "cas_enabled", YesNo(s.use_cas));
  AppendStat(out, "tcp_backlog", absl::StrCat(s.backlog));
  const char* proto = s.binding_protocol == BindingProtocol::kAscii    ? "ascii"
                      : s.binding_protocol == BindingProtocol::kBinary ? "binary"
                                                                       : "auto-negotiate";
  AppendStat(out, "binding_protocol", proto);
  AppendStat(out, "auth_enabled_sasl", YesNo(s.sasl));
  // memcached shows the file's name, or "no".
  AppendStat(out, "auth_enabled_ascii", s.auth_file.empty() ? std::string("no") : s.auth_file);
  AppendStat(out, "item_size_max", absl::StrCat(s.item_size_max));
  AppendStat(out, "maxconns_fast", YesNo(s.maxconns_fast));
  AppendStat(out, "hashpower_init", absl::StrCat(s.hashpower_init));
  AppendStat(out, "slab_reassign", YesNo(s.slab_reassign));
  AppendStat(out, "slab_automove", absl::StrCat(s.slab_automove.load()));
  AppendStat(out, "slab_automove_ratio", Fixed2(s.slab_automove_ratio.load()));
  AppendStat(out, "slab_automove_window", absl::StrCat(s.slab_automove_window));
  AppendStat(out, "slab_chunk_max", absl::StrCat(s.slab_chunk_max));
  AppendStat(out, "lru_crawler", YesNo(s.lru_crawler));
  AppendStat(out, "lru_crawler_sleep", absl::StrCat(s.lru_crawler_sleep));
  AppendStat(out, "lru_crawler_tocrawl", absl::StrCat(s.lru_crawler_tocrawl));
  AppendStat(out, "tail_repair_time", absl::StrCat(s.tail_repair_time));
  AppendStat(out, "flush_enabled", YesNo(s.flush_enabled));
  AppendStat(out, "dump_enabled", YesNo(s.dump_enabled));
  AppendStat(out, "hash_algorithm", s.hash_algorithm);
  AppendStat(out, "lru_maintainer_thread", YesNo(s.lru_maintainer));
  AppendStat(out, "lru_segmented", YesNo(s.lru_segmented));
  AppendStat(out, "hot_lru_pct", absl::StrCat(s.hot_lru_pct.load()));
  AppendStat(out, "warm_lru_pct", absl::StrCat(s.warm_lru_pct.load()));
  AppendStat(out, "hot_max_factor", Fixed2(s.hot_max_factor.load()));
  AppendStat(out, "warm_max_factor", Fixed2(s.warm_max_factor.load()));
  AppendStat(out, "temp_lru", YesNo(s.temp_lru));
  AppendStat(out, "temporary_ttl", absl::StrCat(s.temporary_ttl.load()));
  AppendStat(out, "idle_timeout", absl::StrCat(s.idle_timeout));
  AppendStat(out, "watcher_logbuf_size", absl::StrCat(s.watcher_logbuf_size));
  AppendStat(out, "worker_logbuf_size", absl::StrCat(s.worker_logbuf_size));
  AppendStat(out, "read_buf_mem_limit", absl::StrCat(s.read_buf_mem_limit));
  AppendStat(out, "track_sizes", YesNo(s.track_sizes));
  AppendStat(out, "inline_ascii_response", "no");
  // Options tandem accepts without effect: memcached's defaults, or the
  // value given with -o so operators see it was not lost.
  auto append_inert = [&](const auto& table) {
    for (const auto& [name, default_value] : table) {
      std::string_view shown = default_value;
      for (const auto& [given, value] : s.inert_options) {
        if (given == name) shown = value.empty() ? std::string_view("yes") : std::string_view(value);
      }
      // -e is honoured (server/warm_restart.h); memcached shows it in this place.
      if (name == "memory_file" && !s.memory_file.empty()) shown = s.memory_file;
      AppendStat(out, name, shown);
    }
  };
  append_inert(kInertSettings);
  AppendTlsSettings(s, out);
  append_inert(kInertSettingsAfterTls);
}

void ServerStats::ConnsReport(uint32_t now, protocol::StatList* out) const {
  absl::MutexLock lock(&mu_);
  std::vector<const ConnectionInfo*> sorted = conns_;
  std::sort(sorted.begin(), sorted.end(),
            [](const ConnectionInfo* a, const ConnectionInfo* b) { return a->fd < b->fd; });
  for (const ConnectionInfo* c : sorted) {
    std::string prefix = absl::StrCat(c->fd, ":");
    AppendStat(out, prefix + "addr", c->addr);
    if (!c->listen_addr.empty()) AppendStat(out, prefix + "listen_addr", c->listen_addr);
    AppendStat(out, prefix + "state", c->state.load());
    uint32_t last = c->last_cmd_time.load();
    AppendStat(out, prefix + "secs_since_last_cmd", absl::StrCat(now >= last ? now - last : 0));
  }
}

}  // namespace tandem::server
