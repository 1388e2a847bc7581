// Connection: one TCP socket from the client to one node, with pipelining.
//
// Requests are queued with Enqueue() and written together by Flush(); their
// replies are read back in order with ReadReply(), so several requests can
// be in flight on one socket (a multi-get sends every sub-request before it
// reads any reply). The socket is non-blocking and every wait goes through
// poll() with a timeout: connect_timeout bounds the connect, send_timeout a
// write that makes no progress, receive_timeout the silence while a reply
// is awaited (each arriving byte restarts it). While a write is blocked the
// connection reads whatever the server sends, so a large pipeline cannot
// deadlock against a server that answers while it reads.
//
// Errors: connect refused/reset/EOF are Unavailable, timeouts
// DeadlineExceeded, a reply stream that cannot be parsed is Internal. After
// any error the connection is broken (healthy() is false): its in-flight
// replies are lost and the caller must drop it. A Connection is used by one
// thread at a time (the pool hands it out exclusively).
#ifndef TANDEM_CLIENT_CONNECTION_H_
#define TANDEM_CLIENT_CONNECTION_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/config.h"
#include "protocol/command.h"
#include "protocol/reply.h"
#include "protocol/reply_parser.h"

namespace tandem::client {

struct ConnectionOptions {
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration send_timeout = absl::Seconds(1);
  absl::Duration receive_timeout = absl::Seconds(1);
};

// True for the errors that mean "this node did not answer" (Unavailable,
// DeadlineExceeded): the ones a pair fails over on.
bool IsTransportError(const absl::Status& status);

class Connection {
 public:
  // Resolves node.host (numeric addresses need no DNS) and connects to the
  // first address that accepts within connect_timeout.
  static absl::StatusOr<std::unique_ptr<Connection>> Connect(const NodeAddress& node,
                                                             const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Queues one request's bytes; `replies` is how many replies it will
  // produce (0 for noreply). Nothing is written until Flush or ReadReply.
  void Enqueue(std::string_view request, size_t replies = 1);
  // Encodes and queues `command` (InvalidArgument for a bad key; nothing
  // is queued then).
  absl::Status Enqueue(const protocol::Command& command);
  // Writes everything queued.
  absl::Status Flush();
  // Flushes, then returns the reply to the oldest request still in flight.
  absl::StatusOr<protocol::Reply> ReadReply();
  // Enqueue + ReadReply for one request.
  absl::StatusOr<protocol::Reply> Call(std::string_view request);

  // Replies expected and not yet read.
  size_t in_flight() const { return in_flight_; }
  bool healthy() const { return fd_ >= 0 && !broken_; }
  // False when the idle socket has seen EOF, a reset or unexpected bytes
  // (checked without blocking): the pool drops such connections.
  bool LooksReusable();
  const NodeAddress& node() const { return node_; }

 private:
  Connection(int fd, NodeAddress node, ConnectionOptions options);
  absl::Status Break(absl::Status status);
  // Waits up to `timeout` for `events`, then reads once if readable.
  // Returns the poll revents (0 on timeout).
  absl::StatusOr<short> WaitAndRead(short events, absl::Duration timeout);
  // One read() into input_: OK with bytes added, Unavailable on EOF/error.
  absl::Status ReadOnce();

  int fd_;
  NodeAddress node_;
  ConnectionOptions options_;
  bool broken_ = false;
  std::string output_;   // queued, not yet written
  size_t output_sent_ = 0;
  std::string input_;    // received; bytes before input_pos_ are parsed
  size_t input_pos_ = 0;
  size_t in_flight_ = 0;
  protocol::ReplyParser parser_;
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_CONNECTION_H_
