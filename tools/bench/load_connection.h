// LoadConnection: one non-blocking socket to one server with its own
// pipeline of in-flight requests, as driven by a client thread's epoll loop.
//
// The connection is closed-loop: it keeps up to `depth` requests in flight
// and writes a new one for each reply it completes. New requests are
// appended (by its RequestWriter) to one output buffer and sent with a
// single send() per batch.
// Replies are parsed in place with memchr and validated against what was
// asked: a set must answer STORED, a get must answer VALUE blocks for a
// subsequence of its keys (in order) with the workload's exact flags,
// length and bytes, then END. Anything else is counted as an error; a reply
// that does not parse leaves the stream unsynchronised, so the connection
// is closed and reported rather than guessed at.
#ifndef TANDEM_TOOLS_BENCH_LOAD_CONNECTION_H_
#define TANDEM_TOOLS_BENCH_LOAD_CONNECTION_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "tools/bench/bench_stats.h"
#include "tools/bench/byte_buffer.h"
#include "tools/bench/request_budget.h"
#include "tools/bench/request_writer.h"
#include "tools/bench/send_buffer.h"
#include "tools/bench/workload.h"

struct ssl_st;

namespace tandem::bench {

class LoadConnection {
 public:
  // Takes ownership of fd (connected, non-blocking). `group` is the target
  // group it belongs to, `target` the server's index over all groups (its
  // stats slot). max_depth bounds the pipeline for the life of the
  // connection.
  LoadConnection(int fd, int group, int target, const Workload* workload, int max_depth);
  ~LoadConnection();
  LoadConnection(const LoadConnection&) = delete;
  LoadConnection& operator=(const LoadConnection&) = delete;

  // --tls: from now on the connection speaks through `ssl` (handshake
  // done; the connection owns it).
  void UseTls(ssl_st* ssl) { ssl_ = ssl; }

  int fd() const { return fd_; }
  int group() const { return group_; }
  int target() const { return target_; }
  bool dead() const { return fd_ < 0; }
  int inflight() const { return count_; }
  uint64_t oldest_sent_ns() const { return count_ ? ring_[head_].sent_ns : 0; }
  bool wants_write() const { return !out_.empty(); }
  // Whether the owning epoll set currently watches this socket for EPOLLOUT
  // (kept here so the event loop needs no side table).
  bool epoll_out = false;

  // Random mix: appends requests until `depth` are in flight or the
  // run's request budget is spent. A request the encoder refuses fails
  // the connection (counted in stats).
  void FillMix(int depth, Rng& rng, uint64_t now_ns, RequestBudget* budget, GroupStats* stats);
  // Preload: appends sets for the next keys of this connection's preload
  // range (every `stride`-th key starting at `first`) until `depth` are in
  // flight. Returns true once every key has been sent (false when the
  // connection failed).
  void SetPreloadRange(uint64_t first, uint64_t stride) {
    preload_next_ = first;
    preload_stride_ = stride;
  }
  bool FillPreload(int depth, uint64_t now_ns, GroupStats* stats);

  // Sends as much of the output buffer as the socket takes. Returns false if
  // the connection died (already counted in stats).
  bool Flush(GroupStats* stats);
  // Reads what is available and completes every full reply. Returns false
  // if the connection died.
  bool OnReadable(uint64_t now_ns, GroupStats* stats);
  // Fails the connection: counts one error of `kind` and closes the socket.
  void Fail(ErrorKind kind, const std::string& detail, GroupStats* stats);

 private:
  ssize_t Send(const char* data, size_t len);
  ssize_t Receive(char* buf, size_t len);
  ssize_t TlsFailed(int ret);

  struct Pending {
    uint64_t sent_ns;
    bool is_get;
    int nkeys;
    int next_key;  // gets: first key position a VALUE may still match
    int hits;
    bool errored;  // multi-key meta/binary get: an element failed, retire by Pop
  };

  Pending& Push(bool is_get, int nkeys, uint64_t now_ns);
  uint64_t* KeysOf(int slot) { return &keys_[static_cast<size_t>(slot) * multiget_]; }
  // Retires the front request: Complete() counts it as a success and
  // records its latency; Pop() just drops it (it was answered with an error).
  void Complete(uint64_t now_ns, GroupStats* stats);
  void Pop();
  // Parses one reply element at the front of in_; returns 1 if consumed
  // something, 0 if more bytes are needed, -1 if the connection failed.
  int ParseOne(uint64_t now_ns, GroupStats* stats);
  // Frames the reply line at the front of in_ (text and meta): 1 with
  // *line (without "\r\n") and *line_bytes (with it) set, 0 if more bytes
  // are needed, -1 if the connection failed.
  int FrontLine(GroupStats* stats, std::string_view* line, size_t* line_bytes);
  // The one-line reply to a set (text) or ms (meta): counts it, retires
  // the request and consumes the line; -1 if it is not a reply to a set.
  struct SetReplies {
    const char* verb;
    const char* stored;
    const char* not_stored;
  };
  int FinishSetLine(std::string_view line, size_t line_bytes, const SetReplies& words,
                    uint64_t now_ns, GroupStats* stats);
  int ParseText(uint64_t now_ns, GroupStats* stats);
  int ParseMeta(uint64_t now_ns, GroupStats* stats);
  int ParseBinary(uint64_t now_ns, GroupStats* stats);
  // Counts a finished get (hits/misses) and retires it.
  void FinishGet(uint64_t now_ns, GroupStats* stats);
  void Malformed(std::string_view why, std::string_view bytes, GroupStats* stats);
  // Fails the connection for a request the encoder refused.
  void Unencodable(const absl::Status& status, GroupStats* stats);

  int fd_;
  ssl_st* ssl_ = nullptr;  // --tls
  int group_;
  int target_;
  const Workload* workload_;
  int max_depth_;
  int multiget_;
  Protocol protocol_;
  std::vector<Pending> ring_;
  std::vector<uint64_t> keys_;
  int head_ = 0;
  int count_ = 0;
  RequestWriter writer_;
  SendBuffer out_;
  ByteBuffer in_;
  uint64_t preload_next_ = 0;
  uint64_t preload_stride_ = 1;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_LOAD_CONNECTION_H_
