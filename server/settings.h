// Settings: the one settings object. Filled once from the command line by
// server/flags, then read by every part of the server. The few values that
// commands may change at run time (verbosity, detail stats, slab automove,
// the LRU mode) are atomics.
//
// Field names follow memcached's `stats settings` so the report is a table.
#ifndef TANDEM_SERVER_SETTINGS_H_
#define TANDEM_SERVER_SETTINGS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tandem::server {

enum class BindingProtocol : uint8_t { kAuto, kAscii, kBinary };

struct Settings {
  // Network.
  int port = 11211;                 // -p
  int udp_port = 0;                 // -U
  std::string unix_socket;          // -s (disables TCP)
  // $MEMCACHED_PORT_FILENAME: after binding, "TCP INET: <port>" (INET6,
  // UDP ...) lines are written there, as memcached does for test harnesses
  // that start it on ephemeral ports (-p -1, -U -1).
  std::string port_file;
  int unix_mask = 0700;             // -a
  std::vector<std::string> listen;  // -l, each may hold several comma-separated addresses
  int backlog = 1024;               // -b
  int max_conns = 1024;             // -c
  bool maxconns_fast = true;        // -o maxconns_fast
  int idle_timeout = 0;             // -o idle_timeout, seconds; 0 = never
  int num_threads = 4;              // -t
  int reqs_per_event = 20;          // -R
  BindingProtocol binding_protocol = BindingProtocol::kAuto;  // -B

  // Process.
  bool daemonize = false;     // -d
  std::string user;           // -u
  std::string pid_file;       // -P
  bool lock_memory = false;   // -k
  bool enable_coredumps = false;  // -r
  bool enable_shutdown = false;   // -A
  std::atomic<int> verbose{0};    // -v, -vv, -vvv; `verbosity` changes it

  // Storage.
  std::atomic<size_t> max_bytes{64u << 20};  // -m; cache_memlimit changes it
  bool evict_to_free = true;           // -M turns this off
  double growth_factor = 1.25;         // -f
  int chunk_size = 48;                 // -n
  size_t item_size_max = 1u << 20;     // -I
  size_t slab_chunk_max = 512u << 10;  // -o slab_chunk_max
  bool use_cas = true;                 // -C turns this off
  int hashpower_init = 0;              // -o hashpower
  bool flush_enabled = true;           // -F turns this off
  bool dump_enabled = true;            // --disable-dumping
  bool watch_enabled = true;           // -W
  bool sasl = false;                   // -S
  std::string auth_file;               // -Y
  bool large_pages = false;            // -L
  std::optional<std::string> slab_sizes_spec;  // -o slab_sizes=A-B-C as given
  std::vector<uint32_t> slab_sizes;    // ... parsed: explicit chunk sizes (empty: from -n/-f)
  uint32_t sock_cookie_id = 0;         // -o sock_cookie_id: SO_MARK of the listening sockets (0: none)
  char prefix_delimiter = ':';         // -D
  std::atomic<bool> detail_enabled{false};  // -D or `stats detail on`
  std::string memory_file;             // -e: item memory in this file (warm restart)

  // LRU and crawler (-o).
  bool lru_crawler = true;
  bool lru_maintainer = true;
  std::atomic<bool> lru_segmented{true};  // modern / no_modern; `lru mode`
  int lru_crawler_sleep = 100;
  int lru_crawler_tocrawl = 0;
  int tail_repair_time = 0;
  std::atomic<int> hot_lru_pct{20};  // `lru tune` changes these four
  std::atomic<int> warm_lru_pct{40};
  std::atomic<double> hot_max_factor{0.20};
  std::atomic<double> warm_max_factor{2.00};
  std::atomic<bool> temp_lru{false};    // `lru temp_ttl` changes these two
  std::atomic<int> temporary_ttl{61};
  std::string hash_algorithm = "murmur3";
  bool slab_reassign = true;
  std::atomic<int> slab_automove{1};               // `slabs automove` changes it
  std::atomic<double> slab_automove_ratio{0.80};   // and `slabs automove ratio` this
  int slab_automove_window = 30;
  size_t watcher_logbuf_size = 256u << 10;
  size_t worker_logbuf_size = 64u << 10;
  size_t read_buf_mem_limit = 0;
  bool track_sizes = false;
  bool hash_expand = true;

  // TLS for client connections: -Z and memcached's ssl_* -o options, with
  // its defaults (server/net/tls_server_context). Listeners named
  // "notls:HOST:PORT" in -l stay plaintext, as do UDP and unix sockets.
  bool ssl_enabled = false;          // -Z / --enable-ssl
  std::string ssl_chain_cert;        // -o ssl_chain_cert (PEM chain)
  std::string ssl_key;               // -o ssl_key
  bool ssl_chain_cert_given = false;  // memcached shows "(null)" for one never given
  bool ssl_key_given = false;
  int ssl_verify_mode = 0;           // -o ssl_verify_mode: 0 none, 1 request, 2 require, 3 once
  int ssl_keyformat = 1;             // -o ssl_keyformat: OpenSSL's SSL_FILETYPE_* (1 PEM, 2 DER)
  std::string ssl_ciphers;           // -o ssl_ciphers (TLS 1.2 cipher list); empty: OpenSSL's default
  std::string ssl_ca_cert;           // -o ssl_ca_cert: CA(s) that sign client certificates
  size_t ssl_wbuf_size = 16u << 10;  // -o ssl_wbuf_size (KB on the command line): bytes per SSL_write
  bool ssl_session_cache = false;    // -o ssl_session_cache: server-side cache, for resumption
  bool ssl_kernel_tls = false;       // -o ssl_kernel_tls: OpenSSL's kernel TLS offload
  int ssl_min_version = 2;           // -o ssl_min_version: 0..3 = TLS 1.0..1.3

  // Replication (repcached's -x/-X plus tandem's --repl-*; see README
  // "Running a pair"). Replication is on when repl_port or repl_peer is set.
  int repl_port = 0;                // -X / --repl-port; 11212 when only -x is given
  std::string repl_peer;            // -x / --peer HOST[:PORT] (port defaults to repl_port)
  std::string repl_secret_file;     // --repl-secret=FILE; empty = no secret
  std::string repl_tls_cert_file;   // --repl-tls-cert=FILE (with key and ca: certificates instead of a secret)
  std::string repl_tls_key_file;    // --repl-tls-key=FILE
  std::string repl_tls_ca_file;     // --repl-tls-ca=FILE
  bool repl_sync = false;           // --repl-sync
  bool repl_sync_strict = false;    // --repl-sync=strict: a write the peer did not apply gets SERVER_ERROR
  int repl_sync_timeout_ms = 100;   // --repl-sync-timeout
  size_t repl_backlog_bytes = 64u << 20;  // --repl-backlog (MB on the command line)
  int repl_heartbeat_ms = 200;      // --repl-heartbeat-ms
  int repl_timeout_ms = 1000;       // --repl-timeout-ms: silence before the link is dropped
                                    // and a slave promotes itself
  int64_t repl_tombstone_ms = 60000;  // --repl-tombstone-ms: how long a delete is remembered
  size_t repl_tombstone_bytes = 16u << 20;  // --repl-tombstone-mb: memory bound of the tombstones
  int64_t repl_max_skew_ms = 1000;  // --repl-max-skew-ms: how far a peer's version may pull our clock ahead
  int repl_antientropy_s = 30;      // --repl-antientropy-s: seconds between anti-entropy rounds, 0: off
  int repl_stream_batch_us = 200;   // --repl-stream-batch-us: under load, send the stream once per this many us
  uint64_t debug_drop_outgoing_records = 0;  // --debug-drop-outgoing-records (test only): lose the next N records
  int64_t debug_clock_offset_ms = 0;  // --debug-clock-offset-ms (test only): shifts the process clock
  bool replication_enabled() const { return repl_port != 0 || !repl_peer.empty(); }

  // -o options memcached knows that tandem accepts without effect, as given;
  // listed in `stats settings` so operators can see they were not lost.
  std::vector<std::pair<std::string, std::string>> inert_options;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_SETTINGS_H_
