// Connection: one TCP socket from the client to one node, with pipelining.
//
// Requests are queued with Enqueue() and written together by Flush(); their
// replies are read back in order with ReadReply(), so several requests can
// be in flight on one socket (a multi-get sends every sub-request before it
// reads any reply). A request costs two system calls when nothing waits:
// one send and one receive. Sends never block (MSG_DONTWAIT); only a send
// the kernel will not take polls, bounded by send_timeout of no progress.
// A reply is read with a blocking receive bounded by the socket's receive
// timeout (SO_RCVTIMEO = receive_timeout: silence while a reply is awaited,
// restarted by every arriving byte), so no poll and no clock read happen on
// the common path. connect_timeout bounds the connect. While a write is
// blocked the connection reads whatever the server sends, so a large
// pipeline cannot deadlock against a server that answers while it reads.
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

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/config.h"
#include "protocol/command.h"
#include "protocol/reply.h"
#include "protocol/reply_parser.h"
#include "protocol/values_scanner.h"

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
  // The same into `*reply`, whose buffers (values, strings) are reused.
  absl::Status ReadReply(protocol::Reply* reply);
  // Flushes, then reads the oldest reply in flight if it is a get/gets
  // reply, calling `visit` for each value in place (views valid during the
  // call only). A reply of another kind is left unread: FailedPrecondition,
  // and ReadReply returns it.
  absl::Status ReadValues(absl::FunctionRef<void(const protocol::ScannedValue&)> visit);
  // Flushes, then waits at most `wait` (0: not at all) for the oldest
  // reply in flight: true with `*reply` filled, false when it has not come
  // yet (the connection stays usable), an error as ReadReply.
  absl::StatusOr<bool> PollReply(protocol::Reply* reply, absl::Duration wait);
  // Enqueue + ReadReply for one request.
  absl::StatusOr<protocol::Reply> Call(std::string_view request);

  // Replies expected and not yet read.
  size_t in_flight() const { return in_flight_; }
  bool healthy() const { return fd_ >= 0 && !broken_; }
  // True when the connection is healthy and idle (nothing queued, in
  // flight or unread). Checked without a system call: a socket the server
  // closed while idle is found by the next request (Pair retries that once
  // on a new connection).
  bool LooksReusable() const;
  const NodeAddress& node() const { return node_; }

 private:
  Connection(int fd, NodeAddress node, ConnectionOptions options);
  absl::Status Break(absl::Status status);
  // One recv() into the input buffer. Blocking: waits up to the socket's
  // receive timeout (DeadlineExceeded after it). Not blocking: OK with no
  // bytes when none are there. Unavailable on EOF or an error.
  absl::Status Fill(bool block);
  // Room for at least `want` more bytes at the end of the input buffer.
  void Reserve(size_t want);
  std::string_view unparsed() const { return std::string_view(input_.get() + input_begin_, input_end_ - input_begin_); }

  int fd_;
  NodeAddress node_;
  ConnectionOptions options_;
  bool broken_ = false;
  std::string output_;   // queued, not yet written
  size_t output_sent_ = 0;
  // Received bytes: [input_begin_, input_end_) are not yet parsed.
  std::unique_ptr<char[]> input_;
  size_t input_capacity_ = 0;
  size_t input_begin_ = 0;
  size_t input_end_ = 0;
  size_t in_flight_ = 0;
  protocol::ReplyParser parser_;
};

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_CONNECTION_H_
