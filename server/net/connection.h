// Connection: one client socket's state machine on its worker thread.
//
//   readable -> read into the input buffer -> parse as many requests as are
//   complete (up to -R per event) -> dispatch each, gathering replies in the
//   output queue -> one writev -> back to reading.
//
// Partial requests stay in the input buffer until more bytes arrive. When
// the client does not read its replies and the socket stops taking them,
// the connection stops reading too, so a slow reader cannot make the server
// buffer without bound.
//
// With --repl-sync, a batch whose requests changed data keeps its replies
// queued until the peer acknowledges having applied those changes, or
// --repl-sync-timeout passes (then they go anyway, counted in
// sync_timeouts): the connection parks (no reading, no writing) and the
// worker wakes it when an ack arrives; other connections run meanwhile.
// Without a link the replies go at once. The peer may instead refuse one of
// those changes (a NACK: too large for its -I, out of memory), which it
// sends ahead of its ack: the replies go with that ack, counted in
// sync_nacked. With --repl-sync=strict each write is held alone (the
// requests behind it wait in the input buffer) and, unless the peer
// acknowledged applying it, its reply is replaced by the protocol's error
// (SERVER_ERROR write not applied by the replication peer; binary 0x0086):
// the write stays on this node, but the client is not told it is safe.
//
// With -Z (a TLS listener) the socket's bytes pass through a TlsSession
// (tls_session.h): SSL_read and SSL_write stand where read and writev are,
// and everything above them is the same.
//
// A conditional command for a key the peer owns (server/forwarding.h) parks
// the connection the same way until the owner's answer arrives: requests
// pipelined behind it stay buffered and run afterwards, so replies leave in
// request order, and the worker serves other connections meanwhile.
#ifndef TANDEM_SERVER_NET_CONNECTION_H_
#define TANDEM_SERVER_NET_CONNECTION_H_

#include <event2/event.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "server/forwarding.h"
#include "server/net/output_queue.h"
#include "server/net/tls_session.h"
#include "server/replication_hooks.h"
#include "server/request_handler.h"
#include "server/stats.h"

namespace tandem::server::net {

class WorkerThread;

class Connection {
 public:
  // `tls`: the connection's TLS session (null: plaintext).
  Connection(WorkerThread& worker, int fd, std::string addr, std::string listen_addr,
             std::unique_ptr<TlsSession> tls = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers the socket with the worker's event base. False on failure.
  bool Start();

  // --repl-sync: the peer's ack moved or the link changed (or, timed_out,
  // the wait's timer fired). Releases the held replies when due; may close
  // (delete) the connection.
  void OnSyncProgress(bool timed_out);
  // The worker's wake-up for forwarded commands: if this connection's call
  // has ended, appends its reply and resumes. May close the connection.
  void OnForwardProgress();

 private:
  static void OnEvent(evutil_socket_t fd, short what, void* arg);
  void HandleEvent(short what);

  // Reads what the socket has. False when the peer closed or failed.
  bool ReadSocket();
  bool ReadTls();
  // Reads, then runs what arrived; false once the connection must close.
  bool ReadAndProcess();
  // TLS: bytes OpenSSL already holds raise no socket event, and a read
  // that must first write waits for EV_WRITE; re-arms for either.
  void KickTls();
  // Parses and executes buffered requests; false once the connection must close.
  bool ProcessInput();
  // Writes queued replies; false on a socket error.
  bool Flush();
  void WantEvents(short what);
  void Close();
  void EnsureInputSpace();
  void CompactInput();
  // --repl-sync: true when the queued replies must wait (the connection is
  // now parked); false when they may go now.
  bool HoldForPeer();
  // --repl-sync: a request wrote up to `stream_end`; under strict, its
  // reply is [reply_begin, end of *tail) and `request` its bytes.
  void NoteSyncWrite(uint64_t stream_end, std::string* tail, size_t reply_begin, std::string_view request);
  // How the held replies are released now, or false while they still wait.
  bool SyncReleased(bool timed_out, SyncRelease* how) const;
  // Counts the release and, under strict, answers a write that was not
  // applied by the peer with an error instead of its reply.
  void ReleaseSync(SyncRelease how);
  static void OnSyncTimeout(evutil_socket_t, short, void* arg);
  // Parks on forward_ and starts it.
  void WaitForOwner();
  void BecomeWatcher(std::shared_ptr<Watcher> watcher);
  static void OnWatchWake(evutil_socket_t, short, void* arg);
  // Moves the watcher's lines to the output when the last ones are written.
  bool PumpWatcher();

  WorkerThread& worker_;
  const int fd_;
  event* event_ = nullptr;
  short armed_ = 0;
  ConnectionInfo info_;

  // Input: bytes [start_, end_) of buf_ are unconsumed.
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t start_ = 0;
  size_t end_ = 0;
  size_t swallow_ = 0;  // bytes of a refused data block still to discard

  std::unique_ptr<TlsSession> tls_;
  bool tls_read_wants_write_ = false;  // retry the read on EV_WRITE
  // OpenSSL holds decrypted records the input buffer had no room for. (Not
  // SSL_has_pending: that is also true for part of a record, which only
  // more bytes from the socket complete.)
  bool tls_buffered_ = false;
  bool tls_peer_closed_ = false;  // the peer closed right after requests still to run

  std::unique_ptr<RequestHandler> handler_;  // chosen from the first byte
  OutputQueue output_;
  bool close_after_flush_ = false;
  bool yielded_ = false;

  // --repl-sync: stream offset the queued replies wait for (0: none), and
  // whether the connection is parked on it.
  uint64_t sync_target_ = 0;
  uint64_t sync_first_ = 0;  // the first write's stream end in the held batch (NACKs in between count)
  bool sync_parked_ = false;
  // --repl-sync=strict: the held write's reply, to be replaced if the peer did not apply it.
  struct StrictReply {
    std::string* tail = nullptr;
    size_t begin = 0;
    size_t end = 0;
    std::string request;
  };
  std::unique_ptr<StrictReply> strict_;
  event* sync_timer_ = nullptr;

  // The forwarded command this connection is parked on (null: none).
  std::shared_ptr<ForwardCall> forward_;
  // `watch`: this connection only streams the watcher's lines; input is
  // read and dropped (memcached stops reading a watcher), a close ends it.
  std::shared_ptr<Watcher> watcher_;
  event* watch_wake_ = nullptr;
};

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_CONNECTION_H_
