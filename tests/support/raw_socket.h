// RawSocket: a blocking TCP client to 127.0.0.1:PORT for protocol tests.
// Every call takes (or defaults) a timeout, so a silent or misbehaving
// server makes a test fail instead of hang. Bytes read past what a call
// returns stay buffered for the next call.
//
// ConnectTls makes the same socket speak TLS (OpenSSL) to a server started
// with -Z: every call below then sends and reads the decrypted bytes, so a
// test written for plaintext runs unchanged over TLS.
#ifndef TANDEM_TESTS_SUPPORT_RAW_SOCKET_H_
#define TANDEM_TESTS_SUPPORT_RAW_SOCKET_H_

#include <memory>
#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct ssl_ctx_st;
struct ssl_st;
struct ssl_session_st;

namespace tandem::testing {

// A TLS session a later connection may resume.
using TlsSessionPtr = std::shared_ptr<ssl_session_st>;

struct TlsClientOptions {
  std::string ca_file;    // verify the server's certificate against this (empty: no verification)
  std::string cert_file;  // present this client certificate (empty: none)
  std::string key_file;
  TlsSessionPtr resume;   // offer this session (from session())
  int max_version = 0;    // e.g. TLS1_2_VERSION; 0: OpenSSL's highest
};

class RawSocket {
 public:
  static absl::StatusOr<RawSocket> Connect(int port, absl::Duration timeout = absl::Seconds(5));
  // Connects and completes the TLS handshake (as far as the client sees it:
  // under TLS 1.3 a server that refuses the client's certificate says so
  // only on the first read, which then finds the connection closed).
  static absl::StatusOr<RawSocket> ConnectTls(int port, const TlsClientOptions& options = {},
                                              absl::Duration timeout = absl::Seconds(5));

  RawSocket() = default;
  RawSocket(RawSocket&& other) noexcept;
  RawSocket& operator=(RawSocket&& other) noexcept;
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  ~RawSocket();

  // Writes all of `data`. While the socket is not writable, incoming bytes
  // are drained into the read buffer, so a large pipelined send cannot
  // deadlock against a server that answers while it reads.
  absl::Status Send(std::string_view data, absl::Duration timeout = absl::Seconds(10));
  // One send() per byte, with an optional pause between bytes.
  absl::Status SendByteAtATime(std::string_view data, absl::Duration pause = absl::ZeroDuration(),
                               absl::Duration timeout = absl::Seconds(10));

  // Reads until the received bytes contain `suffix`; returns everything up
  // to and including its first occurrence.
  absl::StatusOr<std::string> ReadUntil(std::string_view suffix, absl::Duration timeout = absl::Seconds(5));
  // Reads exactly n bytes.
  absl::StatusOr<std::string> ReadExactly(size_t n, absl::Duration timeout = absl::Seconds(5));
  // Returns what arrives until no byte has come for `quiet` (or the peer
  // closed, or `max_wait` passed).
  std::string ReadAvailable(absl::Duration quiet = absl::Milliseconds(100),
                            absl::Duration max_wait = absl::Seconds(5));
  // Waits up to `timeout` for EOF or a reset; bytes that arrive meanwhile
  // stay buffered. True when the peer has closed the connection.
  bool IsClosedByPeer(absl::Duration timeout = absl::Seconds(2));

  struct ReadResult {
    std::string data;   // consumed bytes (up to and including the match)
    bool found = false;
    bool closed = false;     // EOF or reset seen
    bool timed_out = false;
  };
  // The general form: read until `suffix` is seen, the peer closes or the
  // timeout passes. Consumes and returns whatever it has in each case.
  ReadResult ReadUntilOrClose(std::string_view suffix, absl::Duration timeout);

  bool peer_closed() const { return peer_closed_; }
  bool is_tls() const { return ssl_ != nullptr; }
  // TLS: whether the handshake resumed the offered session, and the
  // current session (under TLS 1.3 it arrives after the handshake: read a
  // reply first).
  bool session_reused() const;
  TlsSessionPtr session() const;
  // TLS: encrypts `data` into records and sends their bytes in two parts,
  // the first `first` bytes, a pause, then the rest (a record split across
  // TCP segments). With then_close, the close_notify alert follows the
  // records in the same send.
  absl::Status SendTlsSplit(std::string_view data, size_t first, absl::Duration pause,
                            bool then_close = false);
  // TLS: the server certificate's subject ("/CN=..."), "" without one.
  std::string PeerSubject() const;
  int fd() const { return fd_; }
  // Half-closes the write side (shutdown SHUT_WR).
  void ShutdownWrite();
  void Close();

 private:
  explicit RawSocket(int fd) : fd_(fd) {}
  absl::Status StartTls(const TlsClientOptions& options, absl::Duration timeout);
  // One send()/SSL_write: bytes taken, 0 would block, -1 failed (errno).
  ssize_t SendSome(const char* data, size_t len);
  // Waits up to `timeout` for readability and reads once into buffer_.
  // Returns false on timeout; sets peer_closed_ on EOF/error.
  bool FillOnce(absl::Duration timeout);

  int fd_ = -1;
  ssl_ctx_st* ctx_ = nullptr;  // TLS only
  ssl_st* ssl_ = nullptr;
  std::string buffer_;
  bool peer_closed_ = false;
};

// Renders bytes for failure messages: \r \n \t \\ and non-printables
// escaped, with a real newline after each "\r\n" so diffs are readable.
std::string EscapeBytes(std::string_view bytes);

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_SUPPORT_RAW_SOCKET_H_
