// `stats`, `stats settings` and `stats conns` reports; see stats.h.
#include "server/stats.h"

#include <event2/event.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "protocol/text_encoder.h"
#include "server/version.h"

namespace tandem::server {
namespace {

using protocol::AppendStat;

std::string YesNo(bool b) { return b ? "yes" : "no"; }

std::string Fixed2(double d) { return absl::StrFormat("%.2f", d); }

std::string Timeval(const timeval& tv) {
  return absl::StrFormat("%ld.%06ld", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
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
}

void ServerStats::AppendGeneral(const storage::Engine& engine, uint32_t uptime, int64_t now_unix,
                                std::string* out) const {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  AppendStat(out, "pid", absl::StrCat(getpid()));
  AppendStat(out, "uptime", absl::StrCat(uptime));
  AppendStat(out, "time", absl::StrCat(now_unix));
  AppendStat(out, "version", kMemcachedCompatVersion);
  AppendStat(out, "tandem_version", kTandemVersion);
  AppendStat(out, "libevent", event_get_version());
  AppendStat(out, "pointer_size", absl::StrCat(8 * sizeof(void*)));
  AppendStat(out, "rusage_user", Timeval(usage.ru_utime));
  AppendStat(out, "rusage_system", Timeval(usage.ru_stime));
  AppendStat(out, "max_connections", absl::StrCat(settings_.max_conns));
  AppendStat(out, "curr_connections", absl::StrCat(curr_connections.load()));
  AppendStat(out, "total_connections", absl::StrCat(total_connections.load()));
  AppendStat(out, "rejected_connections", absl::StrCat(rejected_connections.load()));
  AppendStat(out, "connection_structures", absl::StrCat(connection_structures.load()));
  CounterTotals t = Totals();
  AppendStat(out, "cmd_get", absl::StrCat(t.cmd_get));
  AppendStat(out, "cmd_set", absl::StrCat(t.cmd_set));
  AppendStat(out, "cmd_flush", absl::StrCat(t.cmd_flush));
  AppendStat(out, "cmd_touch", absl::StrCat(t.cmd_touch));
  AppendStat(out, "cmd_meta", absl::StrCat(t.cmd_meta));
  AppendStat(out, "get_hits", absl::StrCat(t.get_hits));
  AppendStat(out, "get_misses", absl::StrCat(t.get_misses));
  AppendStat(out, "get_expired", absl::StrCat(t.get_expired));
  AppendStat(out, "get_flushed", absl::StrCat(t.get_flushed));
  AppendStat(out, "delete_misses", absl::StrCat(t.delete_misses));
  AppendStat(out, "delete_hits", absl::StrCat(t.delete_hits));
  AppendStat(out, "incr_misses", absl::StrCat(t.incr_misses));
  AppendStat(out, "incr_hits", absl::StrCat(t.incr_hits));
  AppendStat(out, "decr_misses", absl::StrCat(t.decr_misses));
  AppendStat(out, "decr_hits", absl::StrCat(t.decr_hits));
  AppendStat(out, "cas_misses", absl::StrCat(t.cas_misses));
  AppendStat(out, "cas_hits", absl::StrCat(t.cas_hits));
  AppendStat(out, "cas_badval", absl::StrCat(t.cas_badval));
  AppendStat(out, "touch_hits", absl::StrCat(t.touch_hits));
  AppendStat(out, "touch_misses", absl::StrCat(t.touch_misses));
  AppendStat(out, "store_too_large", absl::StrCat(t.store_too_large));
  AppendStat(out, "store_no_memory", absl::StrCat(t.store_no_memory));
  AppendStat(out, "auth_cmds", absl::StrCat(t.auth_cmds));
  AppendStat(out, "auth_errors", absl::StrCat(t.auth_errors));
  AppendStat(out, "bytes_read", absl::StrCat(t.bytes_read));
  AppendStat(out, "bytes_written", absl::StrCat(t.bytes_written));
  AppendStat(out, "limit_maxbytes", absl::StrCat(settings_.max_bytes));
  AppendStat(out, "accepting_conns", accepting_conns.load() ? "1" : "0");
  AppendStat(out, "listen_disabled_num", absl::StrCat(listen_disabled_num.load()));
  AppendStat(out, "threads", absl::StrCat(settings_.num_threads));
  AppendStat(out, "conn_yields", absl::StrCat(t.conn_yields));
  storage::StatList engine_stats;
  engine.GeneralStats(&engine_stats);
  for (const auto& [name, value] : engine_stats) {
    if (name == "limit_maxbytes") continue;  // printed above, from the settings
    AppendStat(out, name, value);
  }
}

void ServerStats::AppendSettings(std::string* out) const {
  const Settings& s = settings_;
  std::string inter;
  for (const std::string& l : s.listen) absl::StrAppend(&inter, inter.empty() ? "" : ",", l);
  AppendStat(out, "maxbytes", absl::StrCat(s.max_bytes));
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
  AppendStat(out, "auth_enabled_ascii", YesNo(!s.auth_file.empty()));
  AppendStat(out, "item_size_max", absl::StrCat(s.item_size_max));
  AppendStat(out, "maxconns_fast", YesNo(s.maxconns_fast));
  AppendStat(out, "hashpower_init", absl::StrCat(s.hashpower_init));
  AppendStat(out, "slab_reassign", YesNo(s.slab_reassign));
  AppendStat(out, "slab_automove", absl::StrCat(s.slab_automove));
  AppendStat(out, "slab_automove_ratio", Fixed2(0.80));
  AppendStat(out, "slab_automove_window", "30");
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
  AppendStat(out, "hot_lru_pct", absl::StrCat(s.hot_lru_pct));
  AppendStat(out, "warm_lru_pct", absl::StrCat(s.warm_lru_pct));
  AppendStat(out, "hot_max_factor", Fixed2(s.hot_max_factor));
  AppendStat(out, "warm_max_factor", Fixed2(s.warm_max_factor));
  AppendStat(out, "temp_lru", YesNo(s.temp_lru));
  AppendStat(out, "temporary_ttl", absl::StrCat(s.temporary_ttl));
  AppendStat(out, "idle_timeout", absl::StrCat(s.idle_timeout));
  AppendStat(out, "watcher_logbuf_size", absl::StrCat(s.watcher_logbuf_size));
  AppendStat(out, "worker_logbuf_size", absl::StrCat(s.worker_logbuf_size));
  AppendStat(out, "read_buf_mem_limit", absl::StrCat(s.read_buf_mem_limit));
  AppendStat(out, "track_sizes", YesNo(s.track_sizes));
  AppendStat(out, "inline_ascii_response", "no");
  for (const auto& [name, value] : s.inert_options) {
    AppendStat(out, name, value.empty() ? "yes" : value);
  }
}

void ServerStats::AppendConns(uint32_t now, std::string* out) const {
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
