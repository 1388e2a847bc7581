// See raw_socket.h. Sockets are non-blocking underneath; poll() provides
// every timeout.
#include "tests/support/raw_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tandem::testing {
namespace {

int PollMs(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  int64_t ms = absl::ToInt64Milliseconds(d + absl::Microseconds(999));
  return static_cast<int>(std::min<int64_t>(ms, 60'000));
}

}  // namespace

absl::StatusOr<RawSocket> RawSocket::Connect(int port, absl::Duration timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  RawSocket sock(fd);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) {
      return absl::UnavailableError(absl::StrCat("connect 127.0.0.1:", port, ": ", strerror(errno)));
    }
    pollfd p{fd, POLLOUT, 0};
    int r = poll(&p, 1, PollMs(timeout));
    if (r <= 0) return absl::DeadlineExceededError(absl::StrCat("connect 127.0.0.1:", port, " timed out"));
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return absl::UnavailableError(absl::StrCat("connect 127.0.0.1:", port, ": ", strerror(err)));
  }
  return sock;
}

RawSocket::RawSocket(RawSocket&& other) noexcept
    : fd_(other.fd_), ctx_(other.ctx_), ssl_(other.ssl_), buffer_(std::move(other.buffer_)),
      peer_closed_(other.peer_closed_) {
  other.fd_ = -1;
  other.ctx_ = nullptr;
  other.ssl_ = nullptr;
}

RawSocket& RawSocket::operator=(RawSocket&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = other.fd_;
    ctx_ = other.ctx_;
    ssl_ = other.ssl_;
    buffer_ = std::move(other.buffer_);
    peer_closed_ = other.peer_closed_;
    other.fd_ = -1;
    other.ctx_ = nullptr;
    other.ssl_ = nullptr;
  }
  return *this;
}

RawSocket::~RawSocket() { Close(); }

void RawSocket::Close() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  ssl_ = nullptr;
  ctx_ = nullptr;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

absl::StatusOr<RawSocket> RawSocket::ConnectTls(int port, const TlsClientOptions& options,
                                                absl::Duration timeout) {
  absl::StatusOr<RawSocket> sock = Connect(port, timeout);
  if (!sock.ok()) return sock;
  if (absl::Status s = sock->StartTls(options, timeout); !s.ok()) return s;
  return sock;
}

absl::Status RawSocket::StartTls(const TlsClientOptions& o, absl::Duration timeout) {
  auto error = [](const std::string& what) {
    std::string text;
    while (unsigned long err = ERR_get_error()) {
      char buf[256];
      ERR_error_string_n(err, buf, sizeof(buf));
      absl::StrAppend(&text, text.empty() ? "" : "; ", buf);
    }
    return absl::UnavailableError(absl::StrCat(what, ": ", text));
  };
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) return error("SSL_CTX_new");
  if (o.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, o.max_version);
  if (!o.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx_, o.ca_file.c_str(), nullptr) != 1) return error(o.ca_file);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }
  if (!o.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx_, o.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return error(o.cert_file);
    }
  }
  // Keep sessions for session(): the client cache hands them over.
  SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT);
  ssl_ = SSL_new(ctx_);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return error("SSL_new");
  if (o.resume != nullptr) SSL_set_session(ssl_, o.resume.get());
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const int r = SSL_connect(ssl_);
    if (r == 1) return absl::OkStatus();
    const int err = SSL_get_error(ssl_, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return error("TLS handshake");
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return absl::DeadlineExceededError("TLS handshake timed out");
    pollfd p{fd_, static_cast<short>(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    poll(&p, 1, PollMs(left));
  }
}

bool RawSocket::session_reused() const { return ssl_ != nullptr && SSL_session_reused(ssl_) == 1; }

TlsSessionPtr RawSocket::session() const {
  if (ssl_ == nullptr) return nullptr;
  SSL_SESSION* s = SSL_get1_session(ssl_);
  if (s == nullptr || SSL_SESSION_is_resumable(s) != 1) {
    if (s != nullptr) SSL_SESSION_free(s);
    return nullptr;
  }
  return TlsSessionPtr(s, &SSL_SESSION_free);
}

absl::Status RawSocket::SendTlsSplit(std::string_view data, size_t first, absl::Duration pause,
                                     bool then_close) {
  if (ssl_ == nullptr) return absl::FailedPreconditionError("not a TLS socket");
  // Encrypt into memory: swap the write BIO for a memory BIO meanwhile.
  BIO* socket_bio = SSL_get_wbio(ssl_);
  BIO_up_ref(socket_bio);
  SSL_set0_wbio(ssl_, BIO_new(BIO_s_mem()));
  const int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
  if (then_close) SSL_shutdown(ssl_);
  char* bytes = nullptr;
  const long len = BIO_get_mem_data(SSL_get_wbio(ssl_), &bytes);
  const std::string records(bytes, static_cast<size_t>(len));
  SSL_set0_wbio(ssl_, socket_bio);
  if (n != static_cast<int>(data.size())) return absl::InternalError("SSL_write into memory failed");
  auto raw = [this](std::string_view part) -> absl::Status {
    if (::send(fd_, part.data(), part.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(part.size())) {
      return absl::UnavailableError("send failed");
    }
    return absl::OkStatus();
  };
  if (absl::Status s = raw(std::string_view(records).substr(0, first)); !s.ok()) return s;
  std::this_thread::sleep_for(absl::ToChronoMicroseconds(pause));
  return raw(std::string_view(records).substr(first));
}

std::string RawSocket::PeerSubject() const {
  if (ssl_ == nullptr) return "";
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) return "";
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof(buf));
  X509_free(cert);
  return buf;
}

ssize_t RawSocket::SendSome(const char* data, size_t len) {
  if (ssl_ == nullptr) return send(fd_, data, len, MSG_NOSIGNAL);
  const int n = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(len, 1 << 30)));
  if (n > 0) return n;
  const int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
    errno = EAGAIN;
    return -1;
  }
  ERR_clear_error();
  errno = EPIPE;
  return -1;
}

void RawSocket::ShutdownWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

bool RawSocket::FillOnce(absl::Duration timeout) {
  if (fd_ < 0 || peer_closed_) return false;
  char buf[65536];
  if (ssl_ != nullptr) {
    // Records without data (session tickets) are read through until data,
    // the peer's close or the timeout; OpenSSL may also hold decrypted
    // bytes the socket will not signal again.
    const absl::Time deadline = absl::Now() + timeout;
    // Pending bytes may be only part of a record: after a read that wanted
    // more, wait for the socket.
    bool wait = SSL_has_pending(ssl_) != 1;
    while (true) {
      if (wait) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, PollMs(deadline - absl::Now())) <= 0) return false;
      }
      wait = true;
      const int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n > 0) {
        buffer_.append(buf, static_cast<size_t>(n));
        return true;
      }
      const int err = SSL_get_error(ssl_, n);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        peer_closed_ = true;  // close_notify, EOF, reset or a TLS alert
        return false;
      }
      if (absl::Now() >= deadline) return false;
    }
  }
  pollfd p{fd_, POLLIN, 0};
  int r = poll(&p, 1, PollMs(timeout));
  if (r <= 0) return false;
  ssize_t n = recv(fd_, buf, sizeof(buf), 0);
  if (n > 0) {
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }
  if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    peer_closed_ = true;
  }
  return false;
}

absl::Status RawSocket::Send(std::string_view data, absl::Duration timeout) {
  if (fd_ < 0) return absl::FailedPreconditionError("socket is closed");
  absl::Time deadline = absl::Now() + timeout;
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = SendSome(data.data() + sent, data.size() - sent);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("send failed after ", sent, " of ", data.size(),
                                                 " bytes: ", strerror(errno)));
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat("send timed out after ", sent, " of ", data.size(), " bytes"));
    }
    pollfd p{fd_, static_cast<short>(POLLOUT | (peer_closed_ ? 0 : POLLIN)), 0};
    int r = poll(&p, 1, PollMs(std::min(left, absl::Milliseconds(100))));
    if (((r > 0 && (p.revents & POLLIN)) || (ssl_ != nullptr && SSL_has_pending(ssl_) == 1)) && !peer_closed_) {
      FillOnce(absl::ZeroDuration());
    }
  }
  return absl::OkStatus();
}

absl::Status RawSocket::SendByteAtATime(std::string_view data, absl::Duration pause, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  for (size_t i = 0; i < data.size(); ++i) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return absl::DeadlineExceededError("byte-at-a-time send timed out");
    absl::Status s = Send(data.substr(i, 1), left);
    if (!s.ok()) return s;
    if (pause > absl::ZeroDuration()) std::this_thread::sleep_for(absl::ToChronoMicroseconds(pause));
  }
  return absl::OkStatus();
}

RawSocket::ReadResult RawSocket::ReadUntilOrClose(std::string_view suffix, absl::Duration timeout) {
  ReadResult result;
  absl::Time deadline = absl::Now() + timeout;
  size_t searched_from = 0;
  while (true) {
    size_t pos = suffix.empty() ? std::string::npos : buffer_.find(suffix, searched_from);
    if (pos != std::string::npos) {
      size_t end = pos + suffix.size();
      result.data = buffer_.substr(0, end);
      buffer_.erase(0, end);
      result.found = true;
      return result;
    }
    if (buffer_.size() >= suffix.size()) searched_from = buffer_.size() - suffix.size() + 1;
    if (peer_closed_) {
      result.closed = true;
      break;
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      result.timed_out = true;
      break;
    }
    FillOnce(left);
  }
  result.data = std::move(buffer_);
  buffer_.clear();
  return result;
}

absl::StatusOr<std::string> RawSocket::ReadUntil(std::string_view suffix, absl::Duration timeout) {
  ReadResult r = ReadUntilOrClose(suffix, timeout);
  if (r.found) return std::move(r.data);
  std::string why = r.closed ? "connection closed by peer" : "timed out";
  // Keep the bytes for a later call; the caller sees them in the message.
  buffer_ = r.data + buffer_;
  return absl::DeadlineExceededError(absl::StrCat(why, " waiting for \"", EscapeBytes(suffix), "\"; got ",
                                                  r.data.size(), " bytes: \"", EscapeBytes(r.data.substr(0, 2000)),
                                                  "\""));
}

absl::StatusOr<std::string> RawSocket::ReadExactly(size_t n, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (buffer_.size() < n) {
    if (peer_closed_) {
      return absl::UnavailableError(absl::StrCat("connection closed after ", buffer_.size(), " of ", n, " bytes"));
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat("timed out after ", buffer_.size(), " of ", n, " bytes"));
    }
    FillOnce(left);
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

std::string RawSocket::ReadAvailable(absl::Duration quiet, absl::Duration max_wait) {
  absl::Time deadline = absl::Now() + max_wait;
  while (!peer_closed_) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    size_t before = buffer_.size();
    FillOnce(std::min(quiet, left));
    if (buffer_.size() == before) break;  // quiet period passed (or closed)
  }
  std::string out = std::move(buffer_);
  buffer_.clear();
  return out;
}

bool RawSocket::IsClosedByPeer(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!peer_closed_) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    FillOnce(left);
  }
  return peer_closed_;
}

std::string EscapeBytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        if (i > 0 && bytes[i - 1] == '\r') out += '\n';
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += absl::StrFormat("\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace tandem::testing
