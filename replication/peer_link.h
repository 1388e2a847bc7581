// PeerLink: the replication link's own thread and event loop: the listener
// on the replication port, the dialer, and the connections to the peer.
// It is the transport (connect, TLS, handshake, framing, sending,
// heartbeats, timeouts); what each received frame of the peer's stream does
// is the Applier's (applier.h).
//
// One TCP connection carries both directions: each node streams its own
// mutations to the other and applies the other's. With --repl-secret or
// certificates that connection is TLS 1.3 (tls_context.h): nothing is read
// from or sent to a peer before it has authenticated, and every frame after
// is authenticated and encrypted, so a changed byte drops the link instead
// of changing a record. Without either the link is plaintext, and when -x
// names the peer only connections from that host's addresses are accepted.
//
// A node given -x dials its peer whenever it has no live link, with backoff
// (50 ms doubling to 1 s), forever: unlike repcached, a broken link is
// always redialled. A node with -X accepts. A live link is never replaced
// by a new connection, authenticated or not: a second connection is refused
// until the live one drops (after --repl-timeout-ms of silence at most).
// When both nodes dial at once, the acceptor with the lower node id declines
// the other's connection while its own dial is under way, and that dial
// becomes the link (handshake.h).
// Connections still in their handshake are bounded in number
// (kMaxPendingHandshakes accepted at once) and in age (2 s, or
// --repl-timeout-ms if longer), so strangers cannot pile them up.
//
// Per connection: HELLO each way (handshake.h), then each side sends a
// SYNC_START and feeds the other either from the backlog (partial) or with a
// snapshot with the backlog from the offset noted when the snapshot began
// streamed alongside it and after it (full), or, holding nothing, with the
// backlog alone from its current end (no snapshot: nothing to copy). Sending is pumped whenever the socket drains below its low
// watermark or a worker appends to the backlog, and stops at a high
// watermark, so a slow peer costs at most the backlog plus a few MB. When
// the peer falls out of the backlog the link is dropped and the reconnect
// gets a full copy (logged and counted in backlog_overruns). The receiver
// acks applied offsets after each batch read when the sender uses
// --repl-sync (HELLO's wants_prompt_acks), else at most every 10 ms and on
// the next tick; heartbeats go both ways every
// --repl-heartbeat-ms, and a link silent (no byte at all) for
// --repl-timeout-ms is dropped; a slave whose link stays down that long
// promotes itself (role.h), unless the silence was its own (its loop did
// not run: DeferIfWeWereAway). A node stopping cleanly sends GOODBYE after
// draining, and a slave that gets it promotes at once. The receiver sends a
// NACK ahead of the ACK covering a record it could not apply (applier.h);
// the sender keeps them (NackLog). After each link comes up and every
// --repl-antientropy-s, the node with the lower id starts an anti-entropy
// round (anti_entropy.h); its walks run in slices like a full copy's.
#ifndef TANDEM_REPLICATION_PEER_LINK_H_
#define TANDEM_REPLICATION_PEER_LINK_H_

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "replication/anti_entropy.h"
#include "replication/applier.h"
#include "replication/forwarder.h"
#include "replication/log_throttle.h"
#include "replication/mutation_log.h"
#include "replication/nack_log.h"
#include "replication/repl_stats.h"
#include "replication/role.h"
#include "replication/snapshot_sender.h"
#include "replication/tls_context.h"
#include "server/net/wake_fd.h"
#include "server/storage/engine.h"

namespace tandem::replication {

struct PeerLinkConfig {
  std::vector<std::string> listen_hosts;  // empty: all interfaces (memcached without -l)
  int listen_port = 0;                    // 0: do not listen
  std::string peer_host;                  // empty: do not dial
  int peer_port = 0;
  const TlsContext* tls = nullptr;  // not owned; mode kNone: plaintext
  int heartbeat_ms = 200;
  int timeout_ms = 1000;
  uint32_t item_size_max = 1u << 20;  // -I, told to the peer in HELLO (a mismatch is logged)
  bool evict_to_free = true;          // false with -M
  int antientropy_s = 30;             // seconds between anti-entropy rounds, 0: none (anti_entropy.h)
  int stream_batch_us = 0;            // while writes keep coming, send the stream once per this (0: at once)
  bool wants_prompt_acks = true;      // --repl-sync: the peer acks after every read (HELLO, v7)
};

class PeerLink {
 public:
  PeerLink(PeerLinkConfig config, uint64_t node_id, server::storage::Engine& engine, MutationLog& log,
           RoleState& role, ReplStats& stats, NackLog& nacks);
  ~PeerLink();
  PeerLink(const PeerLink&) = delete;
  PeerLink& operator=(const PeerLink&) = delete;

  // Binds the replication port (call before dropping privileges).
  absl::Status Listen();
  // Called on the link thread whenever the peer's ack advances or the
  // active link drops (--repl-sync releases held replies). Before Start().
  void SetAckCallback(std::function<void()> fn) { on_ack_progress_ = std::move(fn); }
  // Called on the link thread when a link to the peer `peer_id` has
  // authenticated (the CAS node bit follows the node ids' order). Before Start().
  void SetLinkUpCallback(std::function<void(uint64_t peer_id)> fn) { on_link_up_ = std::move(fn); }
  // Carries forwarded commands both ways (forwarder.h); null: none. Before Start().
  void SetForwarder(Forwarder* forwarder) { forwarder_ = forwarder; }
  // Starts the link thread.
  void Start();
  // Waits up to `drain` for the peer to acknowledge everything written so
  // far (when a link is up), says GOODBYE (the peer promotes at once if it
  // is a slave), then stops the thread. Idempotent.
  void Stop(absl::Duration drain);
  // Warm restart (-e): the peer stream position a previous process of this
  // node had applied (before Start), and this process's (after Stop).
  void ResumeApplied(uint64_t stream, uint64_t offset) { applier_.Resume(stream, offset); }
  uint64_t applied_stream() const { return applier_.stream(); }
  uint64_t applied_offset() const { return applier_.offset(); }

 private:
  struct Conn;
  static void OnAccept(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int len, void* arg);
  static void OnRead(bufferevent* bev, void* arg);
  static void OnWrite(bufferevent* bev, void* arg);
  static void OnEvent(bufferevent* bev, short what, void* arg);
  static void OnTick(evutil_socket_t, short, void* arg);
  static void OnWake(evutil_socket_t, short, void* arg);
  static void OnLogWake(evutil_socket_t, short, void* arg);
  static void OnBatchTimer(evutil_socket_t, short, void* arg);
  static void OnStop(evutil_socket_t, short, void* arg);

  bool tls() const { return config_.tls != nullptr && config_.tls->mode() != AuthMode::kNone; }
  bufferevent* NewTransport(evutil_socket_t fd, bool accepting);
  Conn* AddConn(bufferevent* bev, bool dialed, std::string name);
  void Attach(Conn* c, bufferevent* bev);
  bool AcceptAllowed(const sockaddr* addr, const std::string& name);
  size_t PendingAccepted() const;
  void Dial(int64_t now);
  void TcpConnected(Conn* c);
  void TransportReady(Conn* c);
  void ConnectionFailed(Conn* c, int socket_error);
  void DialFailed(const std::string& why);
  void LogPeerTrouble(const std::string& subject, const std::string& line);
  void SendHello(Conn* c);
  void ReadFrames(Conn* c);
  absl::Status HandleFrame(Conn* c, FrameType type, std::string_view payload, size_t frame_size);
  absl::Status OnHello(Conn* c, FrameType type, std::string_view payload);
  absl::Status Authenticated(Conn* c);
  std::string PeerListenAddress(const Conn* c) const;
  void CompareLimits(const Conn* c);
  void PeerSaidGoodbye(Conn* c);
  void DeferIfWeWereAway(int64_t now);
  void LogRateLimited(const std::string& line);
  void Pump(Conn* c);
  void StartBatchWindow(int window_us);
  bool SendStream(Conn* c, evbuffer* out, uint64_t at_least = 0);
  void SendSnapshotSlice(Conn* c, evbuffer* out);
  void SendAntiEntropySlice(Conn* c, evbuffer* out);
  void MaybeStartAntiEntropy(int64_t now);
  void Heard(Conn* c, int64_t now);
  absl::Status HandleForwardFrame(Conn* c, FrameType type, std::string_view payload);
  void SendForwards(Conn* c);
  void WriteNow(Conn* c);
  void SendHeartbeat(Conn* c, int64_t now);
  void MaybeAck(Conn* c);
  void Close(Conn* c, const std::string& why);
  void Destroy(Conn* c);
  void Tick();

  const PeerLinkConfig config_;
  const uint64_t node_id_;
  MutationLog& log_;
  RoleState& role_;
  ReplStats& stats_;
  NackLog& nacks_;
  Applier applier_;
  SnapshotSender snapshot_;
  AntiEntropy anti_entropy_;
  std::function<void()> on_ack_progress_;
  std::function<void(uint64_t)> on_link_up_;
  Forwarder* forwarder_ = nullptr;

  event_base* base_ = nullptr;
  std::vector<evconnlistener*> listeners_;
  event* tick_ = nullptr;
  std::unique_ptr<server::net::WakeFd> forward_wake_;  // a worker queued a forwarded command
  event* stop_ = nullptr;
  event* pump_timer_ = nullptr;  // the next slice of a full copy (Pump)
  event* log_wake_ = nullptr;    // a worker appended to the log (OnLogWake)
  event* batch_timer_ = nullptr;  // batching: the next send of the stream (OnBatchTimer)
  bool batching_ = false;         // batch_timer_ is armed and the log's wake-ups are held off
  int batch_window_us_ = 0;       // the armed (or last) window: it adapts (OnLogWake)
  int64_t last_log_wake_us_ = 0;  // steady clock: when the log last woke the link
  std::thread thread_;
  std::atomic<bool> running_{false};

  // Link-thread state.
  std::vector<std::string> peer_addresses_;  // -x's addresses, numeric (the plaintext fence)
  int64_t log_window_ms_ = 0;                // LogRateLimited: start of the current second
  int log_lines_in_window_ = 0;
  uint64_t log_suppressed_ = 0;
  LogThrottle peer_trouble_log_{60000};      // failed dials, failed authentication: once per cause a minute
  std::vector<std::unique_ptr<Conn>> conns_;
  Conn* active_ = nullptr;
  int64_t next_dial_ms_ = 0;
  int64_t dial_backoff_ms_ = 50;
  int64_t last_heard_ms_ = 0;  // last frame from the peer (or start)
  int64_t last_tick_ms_ = 0;   // DeferIfWeWereAway
  int64_t next_antientropy_ms_ = 0;  // MaybeStartAntiEntropy
  bool stopping_ = false;      // OnStop ran: GOODBYE sent, leaving the loop
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_PEER_LINK_H_
