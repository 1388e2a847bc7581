// LoadConnection (see load_connection.h): request batching and reply
// validation for one socket.
//
// The requests in flight are a ring of max_depth Pending slots (head_,
// count_), each holding its send time and the keys it asked for (KeysOf),
// so every reply is checked against the request at the ring's head:
// memcached answers in order. FillMix tops the pipeline up to `depth`,
// drawing get or set per request, and FillPreload walks this connection's
// stride of the key space; both only append to the output buffer, and
// Flush sends what the socket takes. OnReadable reads until the socket has
// nothing more and runs the protocol's parser over the input; each parse
// step returns 1 (a line or block consumed), 0 (need more bytes) or -1
// (the connection failed and is closed). A get's VALUE blocks are matched
// against its keys in order (next_key), so hits are counted key by key and
// the latency sample is taken when the whole reply has arrived. An error
// reply (NOT_STORED, SERVER_ERROR...) is counted and its request retired;
// anything that does not parse closes the connection (Fail), which drops
// its in-flight requests with it.
#include "tools/bench/load_connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "protocol/binary_types.h"

namespace tandem::bench {

namespace bin = protocol::binary;

namespace {

// Longest reply line we accept before calling the reply malformed. A VALUE
// line is at most ~300 bytes; error lines are short.
constexpr size_t kMaxLine = 4096;
// Smallest free space offered to each recv(). Buffers start at twice this
// and grow only for replies that need it (big values, wide multi-gets), so
// thousands of connections stay cheap.
constexpr size_t kReadChunk = 16 * 1024;

std::string Excerpt(std::string_view bytes) {
  return absl::CEscape(absl::string_view(bytes.data(), std::min<size_t>(bytes.size(), 120)));
}

// Classifies a line that is not the expected success reply. Returns true
// (and sets *kind) for a well-formed memcached error reply.
bool ErrorReply(std::string_view line, ErrorKind* kind) {
  if (line == "ERROR" || line.starts_with("ERROR ")) {
    *kind = ErrorKind::kError;
  } else if (line.starts_with("SERVER_ERROR")) {
    *kind = ErrorKind::kServerError;
  } else if (line.starts_with("CLIENT_ERROR")) {
    *kind = ErrorKind::kClientError;
  } else {
    return false;
  }
  return true;
}

// Next space-separated token of s starting at *pos.
std::string_view NextToken(std::string_view s, size_t* pos) {
  size_t start = *pos;
  const void* sp = std::memchr(s.data() + start, ' ', s.size() - start);
  size_t end = sp ? static_cast<size_t>(static_cast<const char*>(sp) - s.data()) : s.size();
  *pos = end < s.size() ? end + 1 : end;
  return s.substr(start, end - start);
}

}  // namespace

LoadConnection::LoadConnection(int fd, int group, int target, const Workload* workload,
                               int max_depth)
    : fd_(fd),
      group_(group),
      target_(target),
      workload_(workload),
      max_depth_(max_depth),
      multiget_(workload->spec().multiget),
      protocol_(workload->spec().protocol),
      ring_(static_cast<size_t>(max_depth)),
      keys_(static_cast<size_t>(max_depth) * workload->spec().multiget),
      writer_(workload),
      out_(8 * 1024),
      in_(kReadChunk * 2) {}

LoadConnection::~LoadConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) close(fd_);
}

// --tls: SSL_write/SSL_read standing for send/recv, with their answers
// mapped onto errno (EAGAIN for "not now", EPIPE for a failed session).
ssize_t LoadConnection::Send(const char* data, size_t len) {
  if (ssl_ == nullptr) return send(fd_, data, len, MSG_NOSIGNAL);
  const int n = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(len, 1 << 30)));
  return n > 0 ? n : TlsFailed(n);
}

ssize_t LoadConnection::Receive(char* buf, size_t len) {
  if (ssl_ == nullptr) return recv(fd_, buf, len, 0);
  const int n = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(len, 1 << 30)));
  if (n > 0) return n;
  if (SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN) return 0;
  return TlsFailed(n);
}

ssize_t LoadConnection::TlsFailed(int ret) {
  const int err = SSL_get_error(ssl_, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
  } else {
    ERR_clear_error();
    errno = EPIPE;
  }
  return -1;
}

LoadConnection::Pending& LoadConnection::Push(bool is_get, int nkeys, uint64_t now_ns) {
  int slot = (head_ + count_) % max_depth_;
  ++count_;
  Pending& p = ring_[slot];
  p.sent_ns = now_ns;
  p.is_get = is_get;
  p.nkeys = nkeys;
  p.next_key = 0;
  p.hits = 0;
  p.errored = false;
  return p;
}

void LoadConnection::FillMix(int depth, Rng& rng, uint64_t now_ns, RequestBudget* budget, GroupStats* stats) {
  if (depth > max_depth_) depth = max_depth_;
  while (fd_ >= 0 && count_ < depth && budget->Take()) {
    int slot = (head_ + count_) % max_depth_;
    uint64_t* keys = KeysOf(slot);
    absl::Status written;
    if (workload_->NextIsGet(rng)) {
      for (int i = 0; i < multiget_; ++i) keys[i] = workload_->NextKey(rng);
      Push(true, multiget_, now_ns);
      written = writer_.AppendGet(keys, multiget_, out_.tail());
    } else {
      keys[0] = workload_->NextKey(rng);
      Push(false, 1, now_ns);
      written = writer_.AppendSet(keys[0], workload_->NextValueSize(rng), out_.tail());
    }
    if (!written.ok()) Unencodable(written, stats);
  }
}

bool LoadConnection::FillPreload(int depth, uint64_t now_ns, GroupStats* stats) {
  if (depth > max_depth_) depth = max_depth_;
  uint64_t limit = workload_->spec().keys;
  while (count_ < depth && preload_next_ < limit) {
    int slot = (head_ + count_) % max_depth_;
    KeysOf(slot)[0] = preload_next_;
    Push(false, 1, now_ns);
    absl::Status written =
        writer_.AppendSet(preload_next_, workload_->PreloadValueSize(preload_next_), out_.tail());
    if (!written.ok()) {
      Unencodable(written, stats);
      return false;
    }
    preload_next_ += preload_stride_;
  }
  return preload_next_ >= limit;
}

bool LoadConnection::Flush(GroupStats* stats) {
  while (fd_ >= 0 && !out_.empty()) {
    ssize_t n = Send(out_.unsent().data(), out_.unsent().size());
    if (n > 0) {
      out_.Consume(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    } else {
      Fail(ErrorKind::kConnection, absl::StrCat("send: ", strerror(errno)), stats);
      return false;
    }
  }
  return fd_ >= 0;
}

bool LoadConnection::OnReadable(uint64_t now_ns, GroupStats* stats) {
  while (fd_ >= 0) {
    char* p = in_.Reserve(kReadChunk);
    size_t room = in_.writable();
    ssize_t n = Receive(p, room);
    if (n > 0) {
      in_.Commit(static_cast<size_t>(n));
      int rc;
      while ((rc = ParseOne(now_ns, stats)) == 1) {
      }
      if (rc < 0) return false;
      // Plaintext: a short read drained the socket. TLS reads on until
      // OpenSSL wants more (it may hold records the socket will not
      // signal again).
      if (static_cast<size_t>(n) < room && ssl_ == nullptr) return true;
    } else if (n == 0) {
      Fail(ErrorKind::kConnection,
           absl::StrCat("server closed the connection with ", count_, " requests in flight"),
           stats);
      return false;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return true;
    } else {
      Fail(ErrorKind::kConnection, absl::StrCat("recv: ", strerror(errno)), stats);
      return false;
    }
  }
  return false;
}

void LoadConnection::Fail(ErrorKind kind, const std::string& detail, GroupStats* stats) {
  stats->AddError(kind, detail);
  if (ssl_ != nullptr) SSL_free(ssl_);
  ssl_ = nullptr;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  count_ = 0;
  out_.Clear();
  in_.Clear();
}

void LoadConnection::Unencodable(const absl::Status& status, GroupStats* stats) {
  Fail(ErrorKind::kClientError, absl::StrCat("the request encoder refused a request: ", status.message()), stats);
}

void LoadConnection::Malformed(std::string_view why, std::string_view bytes, GroupStats* stats) {
  Fail(ErrorKind::kMalformed,
       absl::StrCat("malformed reply (", std::string(why), "): \"", Excerpt(bytes), "\""), stats);
}

void LoadConnection::Pop() {
  head_ = head_ + 1 == max_depth_ ? 0 : head_ + 1;
  --count_;
}

void LoadConnection::Complete(uint64_t now_ns, GroupStats* stats) {
  stats->latency.Record(now_ns - ring_[head_].sent_ns);
  ++stats->requests;
  Pop();
}

void LoadConnection::FinishGet(uint64_t now_ns, GroupStats* stats) {
  Pending& p = ring_[head_];
  if (p.errored) {
    Pop();
    return;
  }
  ++stats->gets;
  stats->keys_requested += static_cast<uint64_t>(p.nkeys);
  stats->hits += static_cast<uint64_t>(p.hits);
  stats->misses += static_cast<uint64_t>(p.nkeys - p.hits);
  Complete(now_ns, stats);
}

int LoadConnection::ParseOne(uint64_t now_ns, GroupStats* stats) {
  switch (protocol_) {
    case Protocol::kMeta:
      return ParseMeta(now_ns, stats);
    case Protocol::kBinary:
      return ParseBinary(now_ns, stats);
    case Protocol::kText:
      break;
  }
  return ParseText(now_ns, stats);
}

int LoadConnection::FrontLine(GroupStats* stats, std::string_view* line, size_t* line_bytes) {
  if (in_.empty()) return 0;
  const char* data = in_.begin();
  size_t size = in_.size();
  if (count_ == 0) {
    Malformed("bytes with no request in flight", in_.view(), stats);
    return -1;
  }
  const char* nl = static_cast<const char*>(std::memchr(data, '\n', std::min(size, kMaxLine)));
  if (nl == nullptr) {
    if (size >= kMaxLine) {
      Malformed("line too long", in_.view(), stats);
      return -1;
    }
    return 0;
  }
  *line_bytes = static_cast<size_t>(nl - data) + 1;  // with "\n"
  if (*line_bytes < 2 || data[*line_bytes - 2] != '\r') {
    Malformed("line not terminated by \\r\\n", std::string_view(data, *line_bytes), stats);
    return -1;
  }
  *line = std::string_view(data, *line_bytes - 2);
  return 1;
}

int LoadConnection::FinishSetLine(std::string_view line, size_t line_bytes, const SetReplies& words,
                                  uint64_t now_ns, GroupStats* stats) {
  ErrorKind kind;
  if (line == words.stored) {
    ++stats->sets;
    Complete(now_ns, stats);
  } else if (line == words.not_stored) {
    stats->AddError(ErrorKind::kNotStored, absl::StrCat(words.verb, " answered ", words.not_stored));
    Pop();
  } else if (ErrorReply(line, &kind)) {
    stats->AddError(kind, absl::StrCat(words.verb, " answered \"", Excerpt(line), "\""));
    Pop();
  } else {
    Malformed(absl::StrCat("reply to ", words.verb), line, stats);
    return -1;
  }
  in_.Consume(line_bytes);
  return 1;
}

int LoadConnection::ParseMeta(uint64_t now_ns, GroupStats* stats) {
  std::string_view line;
  size_t line_bytes = 0;
  if (int rc = FrontLine(stats, &line, &line_bytes); rc != 1) return rc;
  const char* data = in_.begin();
  const size_t size = in_.size();
  Pending& p = ring_[head_];
  ErrorKind kind;
  if (!p.is_get) return FinishSetLine(line, line_bytes, {"ms", "HD", "NS"}, now_ns, stats);

  const bool quiet = p.nkeys > 1;
  if (line.size() > 3 && std::memcmp(line.data(), "VA ", 3) == 0) {
    size_t pos = 3;
    std::string_view bytes_tok = NextToken(line, &pos);
    uint64_t bytes = 0;
    if (bytes_tok.empty() || bytes_tok.find_first_not_of("0123456789") != std::string_view::npos ||
        !absl::SimpleAtoi(absl::string_view(bytes_tok.data(), bytes_tok.size()), &bytes) ||
        bytes > (uint64_t{1} << 30)) {
      Malformed("VA line", line, stats);
      return -1;
    }
    std::string_view flags_tok = NextToken(line, &pos);
    size_t need = line_bytes + bytes + 2;
    if (size < need) return 0;
    const char* value = data + line_bytes;
    if (value[bytes] != '\r' || value[bytes + 1] != '\n') {
      Malformed("data block not terminated by \\r\\n", std::string_view(data, need), stats);
      return -1;
    }
    if (p.hits >= p.nkeys) {
      stats->AddError(ErrorKind::kUnexpectedKey,
                      absl::StrCat("more VA blocks than keys asked for: \"", Excerpt(line), "\""));
    } else if (flags_tok != "f0" || pos < line.size() ||
               !workload_->ValueMatches(std::string_view(value, bytes))) {
      stats->AddError(ErrorKind::kBadValue,
                      absl::StrCat("hit with wrong flags, length or bytes: \"", Excerpt(line),
                                   "\""));
    } else {
      ++p.hits;
    }
    in_.Consume(need);
    if (!quiet) FinishGet(now_ns, stats);
    return 1;
  }

  if (!quiet && line == "EN") {
    FinishGet(now_ns, stats);
  } else if (quiet && line == "MN") {
    FinishGet(now_ns, stats);
  } else if (ErrorReply(line, &kind)) {
    stats->AddError(kind, absl::StrCat("mg answered \"", Excerpt(line), "\""));
    if (quiet) {
      p.errored = true;  // the MN still follows
    } else {
      Pop();
    }
  } else {
    Malformed("reply to mg", line, stats);
    return -1;
  }
  in_.Consume(line_bytes);
  return 1;
}

namespace {

uint16_t Be16(const char* p) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
}
uint32_t Be32(const char* p) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(p[0])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3]));
}

constexpr uint16_t kSuccess = static_cast<uint16_t>(bin::Status::kSuccess);
constexpr uint16_t kKeyNotFound = static_cast<uint16_t>(bin::Status::kKeyNotFound);

ErrorKind BinaryErrorKind(uint16_t status) {
  switch (static_cast<bin::Status>(status)) {
    case bin::Status::kNotStored:
      return ErrorKind::kNotStored;
    case bin::Status::kUnknownCommand:
      return ErrorKind::kError;
    case bin::Status::kTooLarge:
    case bin::Status::kInvalidArguments:
      return ErrorKind::kClientError;
    default:
      return ErrorKind::kServerError;
  }
}

}  // namespace

int LoadConnection::ParseBinary(uint64_t now_ns, GroupStats* stats) {
  if (in_.empty()) return 0;
  const char* data = in_.begin();
  size_t size = in_.size();
  if (count_ == 0) {
    Malformed("bytes with no request in flight", in_.view(), stats);
    return -1;
  }
  if (size < bin::kHeaderSize) return 0;
  if (static_cast<uint8_t>(data[0]) != bin::kResponseMagic) {
    Malformed("binary response magic", std::string_view(data, bin::kHeaderSize), stats);
    return -1;
  }
  const uint8_t opcode = static_cast<uint8_t>(data[1]);
  const uint16_t keylen = Be16(data + 2);
  const uint8_t extlen = static_cast<uint8_t>(data[4]);
  const uint16_t status = Be16(data + 6);
  const uint32_t bodylen = Be32(data + 8);
  if (bodylen > (uint32_t{1} << 30) || size_t{keylen} + extlen > bodylen) {
    Malformed("binary response lengths", std::string_view(data, bin::kHeaderSize), stats);
    return -1;
  }
  const size_t need = bin::kHeaderSize + bodylen;
  if (size < need) return 0;
  const char* body = data + bin::kHeaderSize;
  std::string_view key(body + extlen, keylen);
  std::string_view value(body + extlen + keylen, bodylen - extlen - keylen);
  Pending& p = ring_[head_];
  auto status_error = [&](const char* what) {
    stats->AddError(BinaryErrorKind(status),
                    absl::StrCat(what, " answered status 0x", absl::Hex(status), ": \"",
                                 Excerpt(value), "\""));
  };
  // Checks a hit's extras (flags 0), length and bytes; counts it.
  auto check_hit = [&](int k) {
    if (extlen != 4 || Be32(body) != 0 || !workload_->ValueMatches(value)) {
      stats->AddError(ErrorKind::kBadValue,
                      absl::StrCat("hit with wrong flags, length or bytes for \"", Excerpt(key),
                                   "\""));
    } else {
      ++p.hits;
    }
    p.next_key = k + 1;
  };

  if (!p.is_get) {
    if (opcode != static_cast<uint8_t>(bin::Opcode::kSet)) {
      Malformed("reply to SET has another opcode", std::string_view(data, need), stats);
      return -1;
    }
    if (status == kSuccess) {
      if (bodylen != 0) {
        Malformed("SET success with a body", std::string_view(data, need), stats);
        return -1;
      }
      ++stats->sets;
      Complete(now_ns, stats);
    } else {
      status_error("SET");
      Pop();
    }
    in_.Consume(need);
    return 1;
  }

  const uint64_t* keys = KeysOf(head_);
  if (p.nkeys == 1) {
    if (opcode != static_cast<uint8_t>(bin::Opcode::kGetK)) {
      Malformed("reply to GETK has another opcode", std::string_view(data, need), stats);
      return -1;
    }
    if (status == kSuccess || status == kKeyNotFound) {
      if (!workload_->KeyMatches(keys[0], key)) {
        stats->AddError(ErrorKind::kUnexpectedKey,
                        absl::StrCat("GETK reply for another key: \"", Excerpt(key), "\""));
        p.errored = true;
      } else if (status == kSuccess) {
        check_hit(0);
      } else if (extlen != 0) {
        Malformed("GETK miss with extras", std::string_view(data, need), stats);
        return -1;
      }
      FinishGet(now_ns, stats);
    } else {
      status_error("GETK");
      Pop();
    }
    in_.Consume(need);
    return 1;
  }

  if (opcode == static_cast<uint8_t>(bin::Opcode::kNoop)) {
    if (status != kSuccess || bodylen != 0) {
      Malformed("NOOP reply", std::string_view(data, need), stats);
      return -1;
    }
    FinishGet(now_ns, stats);
  } else if (opcode == static_cast<uint8_t>(bin::Opcode::kGetKQ)) {
    if (status == kSuccess) {
      int k = p.next_key;
      while (k < p.nkeys && !workload_->KeyMatches(keys[k], key)) ++k;
      if (k == p.nkeys) {
        stats->AddError(ErrorKind::kUnexpectedKey,
                        absl::StrCat("GETKQ hit for a key not asked for (or out of order): \"",
                                     Excerpt(key), "\""));
      } else {
        check_hit(k);
      }
    } else {
      // Misses are silent with GETKQ; anything else is an error.
      status_error("GETKQ");
      p.errored = true;
    }
  } else {
    Malformed("reply to GETKQ/NOOP has another opcode", std::string_view(data, need), stats);
    return -1;
  }
  in_.Consume(need);
  return 1;
}

int LoadConnection::ParseText(uint64_t now_ns, GroupStats* stats) {
  std::string_view line;
  size_t line_bytes = 0;
  if (int rc = FrontLine(stats, &line, &line_bytes); rc != 1) return rc;
  const char* data = in_.begin();
  const size_t size = in_.size();
  Pending& p = ring_[head_];
  ErrorKind kind;
  if (!p.is_get) return FinishSetLine(line, line_bytes, {"set", "STORED", "NOT_STORED"}, now_ns, stats);

  if (line.size() > 6 && std::memcmp(line.data(), "VALUE ", 6) == 0) {
    size_t pos = 6;
    std::string_view key = NextToken(line, &pos);
    std::string_view flags = NextToken(line, &pos);
    std::string_view bytes_tok = NextToken(line, &pos);
    uint64_t bytes = 0;
    if (key.empty() || flags.empty() || bytes_tok.empty() ||
        bytes_tok.find_first_not_of("0123456789") != std::string_view::npos ||
        !absl::SimpleAtoi(absl::string_view(bytes_tok.data(), bytes_tok.size()), &bytes)) {
      Malformed("VALUE line", line, stats);
      return -1;
    }
    if (bytes > (uint64_t{1} << 30)) {
      Malformed("VALUE length", line, stats);
      return -1;
    }
    if (pos < line.size()) {
      // A cas token (or anything else) after the length is wrong for "get",
      // but the length still frames the data, so the stream stays in sync.
      stats->AddError(ErrorKind::kMalformed,
                      absl::StrCat("extra token in a reply to get: \"", Excerpt(line), "\""));
    }
    size_t need = line_bytes + bytes + 2;
    if (size < need) return 0;
    const char* value = data + line_bytes;
    if (value[bytes] != '\r' || value[bytes + 1] != '\n') {
      Malformed("data block not terminated by \\r\\n", std::string_view(data, need), stats);
      return -1;
    }
    const uint64_t* keys = KeysOf(head_);
    int k = p.next_key;
    while (k < p.nkeys && !workload_->KeyMatches(keys[k], key)) ++k;
    if (k == p.nkeys) {
      stats->AddError(
          ErrorKind::kUnexpectedKey,
          absl::StrCat("VALUE for a key not asked for (or out of order): \"", Excerpt(line), "\""));
    } else {
      p.next_key = k + 1;
      if (flags != "0" || !workload_->ValueMatches(std::string_view(value, bytes))) {
        stats->AddError(
            ErrorKind::kBadValue,
            absl::StrCat("hit with wrong flags, length or bytes: \"", Excerpt(line), "\""));
      } else {
        ++p.hits;
      }
    }
    in_.Consume(need);
    return 1;
  }

  if (line == "END") {
    FinishGet(now_ns, stats);
  } else if (ErrorReply(line, &kind)) {
    stats->AddError(kind, absl::StrCat("get answered \"", Excerpt(line), "\""));
    Pop();
  } else {
    Malformed("reply to get", line, stats);
    return -1;
  }
  in_.Consume(line_bytes);
  return 1;
}

}  // namespace tandem::bench
