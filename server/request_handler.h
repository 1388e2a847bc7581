// RequestHandler: turns the bytes at the front of a connection's input into
// one request's reply. There is one implementation per wire protocol (text,
// which also routes meta lines; binary), created per connection from its
// first byte; the connection itself knows nothing about protocols.
#ifndef TANDEM_SERVER_REQUEST_HANDLER_H_
#define TANDEM_SERVER_REQUEST_HANDLER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/executor.h"
#include "server/forwarding.h"
#include "server/stats.h"

namespace tandem::server {

struct HandleResult {
  bool need_more = false;  // the request is incomplete: read more, call again
  size_t consumed = 0;     // bytes of input this request used
  size_t swallow = 0;      // further bytes, not yet read, to discard
  // Only part of the request was answered (a long get, answered in parts so
  // its reply need not be queued at once); the rest of it starts the input
  // of the next call.
  bool partial = false;
  // kClose: send what is queued, then close (quit, or input memcached
  // answers by hanging up); kShutdown: the same, and stop the server.
  DispatchAction action = DispatchAction::kContinue;
  // Where this request's replication records end (0: it wrote none): with
  // --repl-sync its reply waits until the peer has applied that far.
  uint64_t stream_end = 0;
  // The request goes to the key's owner (forwarding.h): the connection
  // starts the call, waits for it without blocking its thread, and then
  // asks FinishForward for the reply. `consumed` covers the request.
  std::shared_ptr<ForwardCall> forward;
  // `watch` succeeded (action kWatch): the connection streams this
  // watcher's lines from now on.
  std::shared_ptr<Watcher> watcher;
};

// A server-side failure a request is answered with instead of its own reply.
enum class ServerFailure : uint8_t {
  kPeerLost,       // forwarded to the owner, never answered (protocol::kServerErrorPeerLost)
  kNotReplicated,  // --repl-sync=strict: the peer did not apply the write (kServerErrorNotReplicated)
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Handles the request at the start of `input` (never empty), appending
  // its reply to *out.
  virtual HandleResult HandleOne(std::string_view input, ThreadStats& stats, std::string* out) = 0;

  // A request HandleOne forwarded has ended: appends its reply to *out.
  // Answered: the owner's bytes. Not sent (no link): the request runs
  // here, as every request does while the link is down. Lost: the owner
  // may have run it, so it is not run again; AnswerLost says SERVER_ERROR.
  // The result's stream_end and action are the local run's.
  HandleResult FinishForward(ForwardCall& call, ThreadStats& stats, std::string* out);

  // Appends the protocol's error reply for `request` (its whole bytes, as
  // HandleOne consumed them): SERVER_ERROR in text and meta, a binary error
  // status (0x0086, temporary failure) in binary.
  virtual void AnswerFailure(std::string_view request, ServerFailure failure, std::string* out) = 0;

 protected:
  // Whether HandleOne may forward (false while FinishForward runs a
  // request locally).
  bool may_forward() const { return may_forward_; }

 private:
  bool may_forward_ = true;
};

// Creates the handler for a new connection from the first byte it sent.
class HandlerFactory {
 public:
  virtual ~HandlerFactory() = default;
  virtual std::unique_ptr<RequestHandler> ForFirstByte(uint8_t first_byte, int fd) = 0;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_REQUEST_HANDLER_H_
