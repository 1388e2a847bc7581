// UdpEndpoint: memcached's UDP transport (-U) on one worker thread.
//
// Every worker registers the same UDP socket, and whichever wakes first reads
// the next datagram, as memcached's threads share theirs. A request is one
// datagram: an 8-byte frame header (request id, sequence number, datagram
// count, reserved; big-endian) and then ordinary protocol bytes. Requests
// spanning several datagrams are dropped, as memcached drops them. Each
// command's reply leaves as its own message, split into datagrams of at most
// 1400 bytes, each carrying the request id, its sequence number and the
// message's datagram count.
#ifndef TANDEM_SERVER_NET_UDP_ENDPOINT_H_
#define TANDEM_SERVER_NET_UDP_ENDPOINT_H_

#include <event2/event.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::server::net {

class WorkerThread;

// Splits one reply into framed datagrams; exposed for tests.
inline constexpr size_t kUdpMaxDatagram = 1400;
inline constexpr size_t kUdpHeaderSize = 8;
template <typename Send>
void ForEachUdpDatagram(uint16_t request_id, std::string_view reply, Send&& send) {
  const size_t payload = kUdpMaxDatagram - kUdpHeaderSize;
  const size_t count = reply.empty() ? 0 : (reply.size() + payload - 1) / payload;
  std::string datagram;
  for (size_t seq = 0; seq < count; ++seq) {
    const uint8_t header[kUdpHeaderSize] = {
        static_cast<uint8_t>(request_id >> 8), static_cast<uint8_t>(request_id),
        static_cast<uint8_t>(seq >> 8),        static_cast<uint8_t>(seq),
        static_cast<uint8_t>(count >> 8),      static_cast<uint8_t>(count),
        0,                                     0};
    datagram.assign(reinterpret_cast<const char*>(header), kUdpHeaderSize);
    datagram.append(reply.substr(seq * payload, payload));
    send(std::string_view(datagram));
  }
}

class UdpEndpoint {
 public:
  UdpEndpoint(WorkerThread& worker, int fd);
  ~UdpEndpoint();
  UdpEndpoint(const UdpEndpoint&) = delete;
  UdpEndpoint& operator=(const UdpEndpoint&) = delete;

  bool Start();

 private:
  static void OnReadable(evutil_socket_t fd, short what, void* arg);
  void ReadDatagrams();
  void HandleDatagram(std::string_view datagram, const sockaddr* peer, socklen_t peer_len);

  WorkerThread& worker_;
  const int fd_;  // shared by every worker; owned by the listener
  event* event_ = nullptr;
  std::string buffer_;
};

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_UDP_ENDPOINT_H_
