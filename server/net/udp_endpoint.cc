// UdpEndpoint (see udp_endpoint.h): one worker's reader of the shared UDP
// socket.
//
// Each wake-up reads up to 64 datagrams with MSG_DONTWAIT; EAGAIN just
// means another worker took it. A datagram with a count other than 1 is
// dropped. The rest runs through a fresh handler chosen by the first byte,
// like a new TCP connection, so each datagram stands alone: commands are
// run in turn, each reply sent as its own sequence of framed datagrams
// (a long get answered in parts is collected into one reply first). An
// incomplete request, a refused data block or a quit ends the datagram,
// as nothing more can arrive for it. Sends are MSG_DONTWAIT and not
// retried: a full socket buffer loses the reply, as UDP may.
#include "server/net/udp_endpoint.h"

#include <cerrno>
#include <memory>

#include "server/request_handler.h"
#include "server/net/worker_thread.h"

namespace tandem::server::net {
namespace {

// Datagrams read per wake-up before other events get a turn.
constexpr int kMaxDatagramsPerEvent = 64;

}  // namespace

UdpEndpoint::UdpEndpoint(WorkerThread& worker, int fd) : worker_(worker), fd_(fd) {
  buffer_.resize(64 * 1024);  // the largest UDP payload
}

UdpEndpoint::~UdpEndpoint() {
  if (event_ != nullptr) event_free(event_);
}

bool UdpEndpoint::Start() {
  event_ = event_new(worker_.base(), fd_, EV_READ | EV_PERSIST, &UdpEndpoint::OnReadable, this);
  return event_ != nullptr && event_add(event_, nullptr) == 0;
}

void UdpEndpoint::OnReadable(evutil_socket_t, short, void* arg) {
  static_cast<UdpEndpoint*>(arg)->ReadDatagrams();
}

void UdpEndpoint::ReadDatagrams() {
  for (int i = 0; i < kMaxDatagramsPerEvent; ++i) {
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof(peer);
    ssize_t n = recvfrom(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT,
                         reinterpret_cast<sockaddr*>(&peer), &peer_len);
    if (n < 0) return;  // EAGAIN: another worker took it, or nothing left
    worker_.stats().bytes_read.Add(static_cast<uint64_t>(n));
    HandleDatagram(std::string_view(buffer_.data(), static_cast<size_t>(n)),
                   reinterpret_cast<sockaddr*>(&peer), peer_len);
  }
}

void UdpEndpoint::HandleDatagram(std::string_view datagram, const sockaddr* peer,
                                 socklen_t peer_len) {
  if (datagram.size() < kUdpHeaderSize) return;
  const auto* h = reinterpret_cast<const uint8_t*>(datagram.data());
  const uint16_t request_id = static_cast<uint16_t>(h[0] << 8 | h[1]);
  const uint16_t count = static_cast<uint16_t>(h[4] << 8 | h[5]);
  if (count != 1) return;  // multi-datagram requests: unsupported, as in memcached
  std::string_view input = datagram.substr(kUdpHeaderSize);
  if (input.empty()) return;

  const ServerContext& ctx = worker_.context();
  std::unique_ptr<RequestHandler> handler =
      ctx.handlers->ForFirstByte(static_cast<uint8_t>(input[0]), fd_);
  std::string reply;
  auto send = [&](std::string_view bytes) {
    ssize_t sent = sendto(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT, peer, peer_len);
    if (sent > 0) worker_.stats().bytes_written.Add(static_cast<uint64_t>(sent));
  };
  while (!input.empty()) {
    HandleResult r = handler->HandleOne(input, worker_.stats(), &reply);
    if (r.need_more) return;  // the rest of a request never arrives over UDP
    if (r.partial) {
      // One request's reply is one datagram sequence, however it was made.
      input.remove_prefix(r.consumed);
      continue;
    }
    ForEachUdpDatagram(request_id, reply, send);
    // A datagram cannot carry a log stream: the watcher goes at once.
    if (r.watcher != nullptr && ctx.watch_log != nullptr) ctx.watch_log->Remove(r.watcher);
    if (r.action == DispatchAction::kShutdown) ctx.request_stop(ctx.request_stop_arg);
    if (r.action != DispatchAction::kContinue || r.swallow > 0) return;
    input.remove_prefix(r.consumed);
    reply.clear();
  }
}

}  // namespace tandem::server::net
