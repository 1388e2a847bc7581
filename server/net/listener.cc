// Listener (see listener.h): binding, accepting and the -c limit, all on
// the main thread.
//
// Binding resolves each -l entry (host, host:port, [v6]:port, bare IPv6)
// with getaddrinfo and binds every address it returns, one socket per
// family (IPV6_V6ONLY), as memcached does; an entry that binds nothing is a
// startup error. A UDP socket is bound on the same hosts and registered
// with every worker, which then compete to read it.
//
// Accept takes up to 64 connections per wake-up and deals them round robin
// to the workers. The -c check uses curr_connections, which the listener
// increments here and the connection decrements when it is destroyed on its
// worker. Past the limit, with maxconns_fast (the default) the new socket
// gets "ERROR Too many open connections" and is closed; without it the
// socket is closed and the listening sockets are taken out of the event
// loop, polled every 10 ms until a connection has ended. Running out of
// descriptors (EMFILE/ENFILE) pauses accepting the same way.
#include "server/net/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "protocol/error_strings.h"
#include "protocol/text_encoder.h"
#include "server/log.h"
#include "server/net/worker_thread.h"

namespace tandem::server::net {
namespace {

constexpr int kMaxAcceptsPerEvent = 64;
constexpr std::string_view kNoTlsPrefix = "notls:";

std::string FormatAddress(const sockaddr* sa) {
  char host[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    return absl::StrCat("tcp:", host, ":", ntohs(in->sin_port));
  }
  if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    return absl::StrCat("tcp6:[", host, "]:", ntohs(in6->sin6_port));
  }
  return "unix";
}

// A port after "host:"; memcached refuses anything but a number (exit 71).
absl::Status ParsePort(const std::string& entry, const std::string& text, int* port) {
  int v = 0;
  if (!absl::SimpleAtoi(text, &v) || v < 0 || v > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid port number: \"", text, "\" in -l ", entry));
  }
  *port = v;
  return absl::OkStatus();
}

// Splits "-l" entries: "host", "host:port", "[v6]", "[v6]:port", or a bare
// IPv6 address (more than one ':' and no brackets).
absl::Status SplitHostPort(const std::string& entry, int default_port, std::string* host, int* port) {
  *port = default_port;
  if (!entry.empty() && entry.front() == '[') {
    size_t close = entry.find(']');
    if (close == std::string::npos || (close + 1 < entry.size() && entry[close + 1] != ':')) {
      return absl::InvalidArgumentError(absl::StrCat("Invalid address in -l ", entry));
    }
    *host = entry.substr(1, close - 1);
    if (close + 1 < entry.size()) return ParsePort(entry, entry.substr(close + 2), port);
    return absl::OkStatus();
  }
  size_t colon = entry.find(':');
  if (colon != std::string::npos && entry.find(':', colon + 1) == std::string::npos) {
    *host = entry.substr(0, colon);
    return ParsePort(entry, entry.substr(colon + 1), port);
  }
  *host = entry;
  return absl::OkStatus();
}

}  // namespace

Listener::Listener(event_base* base, const Settings& settings, ServerStats& stats,
                   std::vector<WorkerThread*> workers)
    : base_(base), settings_(settings), stats_(stats), workers_(std::move(workers)) {}

Listener::~Listener() {
  Close();
  // UDP sockets are shared by the workers' events, which are gone by now.
  for (int fd : udp_fds_) ::close(fd);
  if (resume_timer_ != nullptr) event_free(resume_timer_);
}

absl::Status Listener::Open() {
  resume_timer_ = evtimer_new(base_, &Listener::OnResumeCheck, this);
  if (!settings_.unix_socket.empty()) return OpenUnix(settings_.unix_socket, settings_.unix_mask);
  // As in memcached, -p 0 turns TCP off (even for "-l host:port" entries);
  // it does not ask for an ephemeral port.
  if (settings_.port == 0) {
    Log(settings_, 1, "TCP disabled (-p 0)");
    return absl::OkStatus();
  }
  std::vector<std::string> hosts;
  if (settings_.listen.empty()) {
    if (absl::Status s = OpenTcp("", settings_.port, settings_.ssl_enabled); !s.ok()) return s;
    hosts.emplace_back();
  }
  for (std::string_view entry : settings_.listen) {
    // memcached's "notls:" prefix: a plaintext listener beside TLS ones.
    bool tls = settings_.ssl_enabled;
    if (entry.starts_with(kNoTlsPrefix)) {
      if (!settings_.ssl_enabled) {
        return absl::InvalidArgumentError("'notls' option is valid only when SSL is enabled");
      }
      tls = false;
      entry.remove_prefix(kNoTlsPrefix.size());
    }
    std::string host;
    int port;
    if (absl::Status s = SplitHostPort(std::string(entry), settings_.port, &host, &port); !s.ok()) return s;
    if (absl::Status s = OpenTcp(host, port, tls); !s.ok()) return s;
    hosts.push_back(host);
  }
  // -U: UDP on the same addresses (memcached turns it off with -s).
  if (settings_.udp_port != 0) {
    for (const std::string& host : hosts) {
      if (absl::Status s = OpenUdp(host, settings_.udp_port); !s.ok()) return s;
    }
  }
  return WritePortFile();
}

// memcached writes the file under a ".lck" name and renames it once every
// socket is bound, so a harness polling for the file never reads half of it.
absl::Status Listener::WritePortFile() const {
  if (settings_.port_file.empty()) return absl::OkStatus();
  const std::string temp = settings_.port_file + ".lck";
  FILE* f = std::fopen(temp.c_str(), "w");
  if (f == nullptr) {
    return absl::UnavailableError(absl::StrCat("failed to open \"", temp, "\": ", std::strerror(errno)));
  }
  for (const std::string& line : port_lines_) std::fprintf(f, "%s\n", line.c_str());
  const bool written = std::fclose(f) == 0;
  if (!written || std::rename(temp.c_str(), settings_.port_file.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("failed to write \"", settings_.port_file, "\": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status Listener::BindEach(const std::string& host, int port, int socket_type,
                                absl::FunctionRef<absl::Status(int fd, const sockaddr* addr)> adopt) {
  const char* kind = socket_type == SOCK_STREAM ? "TCP" : "UDP";
  addrinfo hints{};
  hints.ai_flags = AI_PASSIVE;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socket_type;
  addrinfo* result = nullptr;
  std::string service = std::to_string(port < 0 ? 0 : port);  // -1: ephemeral
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) {
    return absl::InvalidArgumentError(absl::StrCat("getaddrinfo(", host, "): ", gai_strerror(rc)));
  }
  int bound = 0;
  std::string last_error;
  absl::Status status;
  for (addrinfo* ai = result; ai != nullptr && status.ok(); ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (socket_type == SOCK_STREAM) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    // Each family binds its own socket, as memcached does.
    if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    // -o sock_cookie_id: memcached marks its sockets (SO_MARK) for firewall
    // rules and carries on, with perror's line, when it may not.
    if (settings_.sock_cookie_id != 0 &&
        setsockopt(fd, SOL_SOCKET, SO_MARK, &settings_.sock_cookie_id, sizeof(settings_.sock_cookie_id)) != 0) {
      std::fprintf(stderr, "setsockopt: %s\n", std::strerror(errno));
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        (socket_type == SOCK_STREAM && listen(fd, settings_.backlog) != 0)) {
      last_error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    NotePort(fd, kind, ai->ai_family);
    status = adopt(fd, ai->ai_addr);
    ++bound;
  }
  freeaddrinfo(result);
  if (!status.ok()) return status;
  if (bound == 0) {
    return absl::UnavailableError(absl::StrCat("failed to listen on ", kind, " port ", port, " of ",
                                               host.empty() ? "*" : host, ": ", last_error));
  }
  return absl::OkStatus();
}

// One line of the port file: the port the kernel gave (with -1, ephemeral).
void Listener::NotePort(int fd, const char* kind, int family) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
  const int port = family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  port_lines_.push_back(absl::StrCat(kind, family == AF_INET6 ? " INET6: " : " INET: ", port));
}

absl::Status Listener::OpenUdp(const std::string& host, int port) {
  return BindEach(host, port, SOCK_DGRAM, [this](int fd, const sockaddr* addr) {
    udp_fds_.push_back(fd);  // closed by the destructor, after the workers
    for (WorkerThread* w : workers_) {
      if (!w->AddUdpSocket(fd)) return absl::InternalError("cannot register the UDP socket");
    }
    addresses_.push_back(absl::StrCat("udp:", FormatAddress(addr)));
    Log(settings_, 1, "listening on udp %s", FormatAddress(addr));
    return absl::OkStatus();
  });
}

absl::Status Listener::OpenTcp(const std::string& host, int port, bool tls) {
  return BindEach(host, port, SOCK_STREAM, [this, tls](int fd, const sockaddr* addr) {
    return AddSocket(fd, FormatAddress(addr), tls);
  });
}

absl::Status Listener::OpenUnix(const std::string& path, int mask) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("unix socket path too long: ", path));
  }
  // A stale socket from an earlier run is replaced; anything else is kept.
  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket(): ", std::strerror(errno)));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  mode_t old_umask = umask(~mask & 0777);
  int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  umask(old_umask);
  if (rc != 0 || listen(fd, settings_.backlog) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("failed to listen on unix socket ", path, ": ", err));
  }
  return AddSocket(fd, absl::StrCat("unix:", path), /*tls=*/false);
}

absl::Status Listener::AddSocket(int fd, std::string name, bool tls) {
  auto socket = std::make_unique<Socket>();
  socket->owner = this;
  socket->fd = fd;
  socket->tls = tls;
  socket->info.fd = fd;
  socket->info.addr = std::move(name);
  socket->info.state = "conn_listening";
  socket->ev = event_new(base_, fd, EV_READ | EV_PERSIST, &Listener::OnAccept, socket.get());
  if (socket->ev == nullptr || event_add(socket->ev, nullptr) != 0) {
    ::close(fd);
    return absl::InternalError("cannot register listening socket");
  }
  Log(settings_, 1, "listening on %s%s", socket->info.addr, tls ? " (TLS)" : "");
  addresses_.push_back(tls ? absl::StrCat(socket->info.addr, " (TLS)") : socket->info.addr);
  stats_.RegisterConnection(&socket->info);
  sockets_.push_back(std::move(socket));
  return absl::OkStatus();
}

void Listener::Close() {
  for (auto& s : sockets_) {
    stats_.UnregisterConnection(&s->info);
    event_free(s->ev);
    ::close(s->fd);
    if (s->info.addr.rfind("unix:", 0) == 0) unlink(s->info.addr.c_str() + 5);
  }
  sockets_.clear();
}

void Listener::OnAccept(evutil_socket_t, short, void* arg) {
  auto* socket = static_cast<Socket*>(arg);
  socket->owner->Accept(*socket);
}

void Listener::Accept(Socket& socket) {
  for (int i = 0; i < kMaxAcceptsPerEvent && !paused_; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    int fd = accept4(socket.fd, reinterpret_cast<sockaddr*>(&peer), &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        Log(settings_, 1, "Too many open connections (out of file descriptors)");
        PauseAccepting();
      }
      return;  // EAGAIN, or a transient error: wait for the next event
    }
    if (stats_.curr_connections.load() >= static_cast<uint64_t>(settings_.max_conns)) {
      stats_.rejected_connections.fetch_add(1);
      if (settings_.maxconns_fast) {
        std::string msg;
        protocol::AppendLine(&msg, protocol::kErrorTooManyConnections);
        [[maybe_unused]] ssize_t ignored = ::write(fd, msg.data(), msg.size());
      } else {
        PauseAccepting();
      }
      ::close(fd);
      continue;
    }
    uint64_t now = stats_.curr_connections.fetch_add(1) + 1;
    stats_.total_connections.fetch_add(1);
    if (now > stats_.connection_structures.load()) stats_.connection_structures.store(now);
    std::string addr = socket.info.addr.rfind("unix:", 0) == 0
                           ? socket.info.addr
                           : FormatAddress(reinterpret_cast<sockaddr*>(&peer));
    workers_[next_worker_]->Assign(fd, std::move(addr), socket.info.addr, socket.tls);
    next_worker_ = (next_worker_ + 1) % workers_.size();
  }
}

void Listener::PauseAccepting() {
  if (paused_) return;
  paused_ = true;
  stats_.accepting_conns = false;
  stats_.listen_disabled_num.fetch_add(1);
  for (auto& s : sockets_) event_del(s->ev);
  timeval tv{0, 10 * 1000};
  evtimer_add(resume_timer_, &tv);
}

void Listener::OnResumeCheck(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Listener*>(arg);
  if (self->stats_.curr_connections.load() < static_cast<uint64_t>(self->settings_.max_conns)) {
    self->paused_ = false;
    self->stats_.accepting_conns = true;
    for (auto& s : self->sockets_) event_add(s->ev, nullptr);
    return;
  }
  timeval tv{0, 10 * 1000};
  evtimer_add(self->resume_timer_, &tv);
}

}  // namespace tandem::server::net
