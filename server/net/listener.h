// Listener: binds the sockets Settings asks for (-l addresses on -p, IPv4 and
// IPv6, or a unix socket with -s/-a, which disables TCP as in memcached),
// accepts on the main thread and hands each connection to a worker, round
// robin. Enforces -c: past the limit a new client gets memcached's
// "ERROR Too many open connections" and is closed (-o maxconns_fast, the
// default), or accepting pauses until a connection ends (no_maxconns_fast).
// With -U it also binds UDP on the same addresses and gives the socket to
// every worker (see udp_endpoint.h). With -Z every TCP listener is TLS
// except those named "notls:HOST[:PORT]" in -l; UDP and unix sockets stay
// plaintext, as in memcached.
#ifndef TANDEM_SERVER_NET_LISTENER_H_
#define TANDEM_SERVER_NET_LISTENER_H_

#include <event2/event.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "server/settings.h"
#include "server/stats.h"

namespace tandem::server::net {

class WorkerThread;

class Listener {
 public:
  Listener(event_base* base, const Settings& settings, ServerStats& stats,
           std::vector<WorkerThread*> workers);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  absl::Status Open();
  void Close();
  // What Open() bound, in order ("tcp:127.0.0.1:11211", "udp:...",
  // "unix:/path"): the start-up log line.
  const std::vector<std::string>& addresses() const { return addresses_; }

 private:
  struct Socket {
    Listener* owner;
    int fd;
    event* ev;
    ConnectionInfo info;  // shown in `stats conns` as conn_listening
    bool tls;             // its connections speak TLS (-Z)
  };

  absl::Status OpenTcp(const std::string& host, int port, bool tls);
  absl::Status OpenUnix(const std::string& path, int mask);
  absl::Status OpenUdp(const std::string& host, int port);
  // Binds a socket (listening, for TCP) on each address `host` resolves to
  // and hands it to `adopt`.
  absl::Status BindEach(const std::string& host, int port, int socket_type,
                        absl::FunctionRef<absl::Status(int fd, const sockaddr* addr)> adopt);
  absl::Status AddSocket(int fd, std::string name, bool tls);
  void NotePort(int fd, const char* kind, int family);
  absl::Status WritePortFile() const;
  static void OnAccept(evutil_socket_t fd, short what, void* arg);
  void Accept(Socket& socket);
  void PauseAccepting();
  static void OnResumeCheck(evutil_socket_t, short, void* arg);

  event_base* base_;
  const Settings& settings_;
  ServerStats& stats_;
  std::vector<WorkerThread*> workers_;
  size_t next_worker_ = 0;
  std::vector<std::unique_ptr<Socket>> sockets_;
  std::vector<int> udp_fds_;
  std::vector<std::string> addresses_;
  std::vector<std::string> port_lines_;  // for Settings::port_file, in bind order
  event* resume_timer_ = nullptr;
  bool paused_ = false;
};

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_LISTENER_H_
