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
// Without a link the replies go at once.
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
#include "server/request_handler.h"
#include "server/stats.h"

namespace tandem::server::net {

class WorkerThread;

class Connection {
 public:
  Connection(WorkerThread& worker, int fd, std::string addr, std::string listen_addr);
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
  static void OnSyncTimeout(evutil_socket_t, short, void* arg);
  // Parks on forward_ and starts it.
  void WaitForOwner();

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

  std::unique_ptr<RequestHandler> handler_;  // chosen from the first byte
  OutputQueue output_;
  bool close_after_flush_ = false;
  bool yielded_ = false;

  // --repl-sync: stream offset the queued replies wait for (0: none), and
  // whether the connection is parked on it.
  uint64_t sync_target_ = 0;
  bool sync_parked_ = false;
  event* sync_timer_ = nullptr;

  // The forwarded command this connection is parked on (null: none).
  std::shared_ptr<ForwardCall> forward_;
};

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_CONNECTION_H_
