// RecordCodec (see record_codec.h for the frame layout). Payloads are fixed
// little-endian fields in the order of the structs in record.h; a mutation
// is kind:u8 flags:u32 origin_ms:i64 ttl_ms:i64 cas:u64 version:u64
// flush_delay_ms:i64 key_len:u16 key value_len:u32 value.
//
// Times never travel as a unix time for the peer to read on its own clock
// (kProtocolVersion 2; version 1 sent expires_at and a flush delay in
// seconds). origin_ms is the sender's wall clock when the record was made;
// ttl_ms is the expiry as time remaining after origin_ms (0: never, -1:
// already expired); flush_delay_ms is a flush's delay after origin_ms. The
// receiver (applier.h) translates origin_ms by the measured clock offset,
// so a record delayed in a backlog still expires when it would have. A
// heartbeat carries the sender's wall clock, from which that offset is
// measured.
//
// Encoding appends in one pass: Begin reserves the 8-byte header and writes
// the type, the payload is appended, and Finish fills in the body length
// and the CRC-32C of the body (crc32c.h: the CPU's crc32 instruction where it
// has one). Decoding
// checks, in order: a whole header, the length against the caller's bound
// (before waiting for the body, so the bound also limits buffering), a whole
// body, the checksum, then the type. The Parse* functions demand the exact
// payload size (no trailing bytes) and range-check enums and lengths (a key
// is at most 255 bytes, memcached's limit), so a frame that passes its CRC
// but was written by a different layout is still refused.
#include "replication/record_codec.h"

#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace tandem::replication {
namespace {

using server::storage::Mutation;

template <typename T>
void Put(std::string* out, T v) {
  char b[sizeof(T)];
  uint64_t u = static_cast<uint64_t>(v);
  for (size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<char>((u >> (8 * i)) & 0xff);
  out->append(b, sizeof(T));
}

// Reserves the header, returns its position; Finish fills it in.
size_t Begin(FrameType type, std::string* out) {
  size_t at = out->size();
  out->append(kFrameHeaderSize, '\0');
  out->push_back(static_cast<char>(type));
  return at;
}

void PutHeader(size_t at, uint32_t len, uint32_t crc, std::string* out) {
  for (int i = 0; i < 4; ++i) {
    (*out)[at + i] = static_cast<char>((len >> (8 * i)) & 0xff);
    (*out)[at + 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  }
}

void Finish(size_t at, std::string* out) {
  std::string_view body(out->data() + at + kFrameHeaderSize, out->size() - at - kFrameHeaderSize);
  PutHeader(at, static_cast<uint32_t>(body.size()), Crc32c(body), out);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  bool Get(T* v) {
    if (in_.size() < sizeof(T)) return false;
    uint64_t u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) u |= uint64_t{static_cast<uint8_t>(in_[i])} << (8 * i);
    *v = static_cast<T>(u);
    in_.remove_prefix(sizeof(T));
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (in_.size() < n) return false;
    *out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

absl::Status Malformed(const char* what) {
  return absl::DataLossError(absl::StrCat("malformed replication frame: ", what));
}

}  // namespace

void EncodeFrame(FrameType type, std::string_view payload, std::string* out) {
  const size_t at = Begin(type, out);
  out->append(payload);
  Finish(at, out);
}

void EncodeHello(const Hello& hello, std::string* out) {
  size_t at = Begin(FrameType::kHello, out);
  Put<uint32_t>(out, kHelloMagic);
  Put<uint16_t>(out, kProtocolVersion);
  Put<uint64_t>(out, hello.node_id);
  Put<uint64_t>(out, hello.epoch);
  Put<uint8_t>(out, static_cast<uint8_t>(hello.role));
  Put<uint64_t>(out, hello.applied_stream);
  Put<uint64_t>(out, hello.applied_offset);
  Put<uint64_t>(out, hello.stream_end);
  Put<uint32_t>(out, hello.item_size_max);
  Put<uint8_t>(out, hello.evict_to_free ? 1 : 0);
  Put<uint64_t>(out, hello.master_for_ms);
  Put<uint16_t>(out, hello.listen_port);
  Put<uint8_t>(out, hello.wants_prompt_acks ? 1 : 0);
  Finish(at, out);
}

void EncodeSyncStart(const SyncStart& start, std::string* out) {
  size_t at = Begin(FrameType::kSyncStart, out);
  Put<uint8_t>(out, !start.full ? 0 : start.nothing_to_copy ? 2 : 1);
  Put<uint64_t>(out, start.offset);
  Put<uint64_t>(out, start.items);
  Finish(at, out);
}

namespace {
// expires_at 1 is "already expired" (Mutation), as is any expiry not after
// origin_ms; a live expiry is a whole second on the origin's clock.
int64_t TtlMs(const Mutation& m) {
  if (m.expires_at == 0) return 0;
  const int64_t left = m.expires_at * 1000 - m.origin_ms;
  return m.expires_at == 1 || left <= 0 ? -1 : left;
}

// The inverse of TtlMs; false for a ttl no sender writes (below -1, or an
// expiry that is not a whole second after 1970-01-01T00:00:01), so that a
// decoded record re-encodes to its own bytes.
bool ExpiresAt(int64_t origin_ms, int64_t ttl_ms, int64_t* out) {
  if (ttl_ms == 0 || ttl_ms == -1) {
    *out = ttl_ms == 0 ? 0 : 1;
    return true;
  }
  const int64_t at_ms = origin_ms + ttl_ms;
  if (ttl_ms < 0 || at_ms % 1000 != 0 || at_ms <= 1000) return false;
  *out = at_ms / 1000;
  return true;
}
}  // namespace

size_t MutationFrameSize(const Mutation& m) {
  return kFrameHeaderSize + 1 + 1 + 4 + 8 + 8 + 8 + 8 + 8 + 2 + m.key.size() + 4 + m.value.size();
}

namespace {
// A mutation frame up to its value's bytes, header unfilled; returns where
// the frame starts.
size_t BeginMutation(FrameType type, const Mutation& m, std::string* out) {
  size_t at = Begin(type, out);
  Put<uint8_t>(out, static_cast<uint8_t>(m.kind));
  Put<uint32_t>(out, m.flags);
  Put<int64_t>(out, m.origin_ms);
  Put<int64_t>(out, TtlMs(m));
  Put<uint64_t>(out, m.cas);
  Put<uint64_t>(out, m.version);
  Put<int64_t>(out, m.flush_delay_ms);
  Put<uint16_t>(out, static_cast<uint16_t>(m.key.size()));
  out->append(m.key);
  Put<uint32_t>(out, static_cast<uint32_t>(m.value.size()));
  return at;
}
}  // namespace

void EncodeMutation(FrameType type, const Mutation& m, std::string* out) {
  out->reserve(out->size() + MutationFrameSize(m));
  const size_t at = BeginMutation(type, m, out);
  out->append(m.value);
  Finish(at, out);
}

void EncodeMutationHead(FrameType type, const Mutation& m, std::string* out) {
  const size_t at = BeginMutation(type, m, out);
  const std::string_view head_body(out->data() + at + kFrameHeaderSize, out->size() - at - kFrameHeaderSize);
  PutHeader(at, static_cast<uint32_t>(head_body.size() + m.value.size()), Crc32c(m.value, Crc32c(head_body)), out);
}

void EncodeSnapshotEnd(std::string* out) { Finish(Begin(FrameType::kSnapshotEnd, out), out); }

void EncodeAck(uint64_t offset, std::string* out) {
  size_t at = Begin(FrameType::kAck, out);
  Put<uint64_t>(out, offset);
  Finish(at, out);
}

void EncodeHeartbeat(const Heartbeat& hb, std::string* out) {
  size_t at = Begin(FrameType::kHeartbeat, out);
  Put<uint64_t>(out, hb.epoch);
  Put<uint8_t>(out, static_cast<uint8_t>(hb.role));
  Put<uint64_t>(out, hb.stream_end);
  Put<uint64_t>(out, hb.applied_offset);
  Put<int64_t>(out, hb.wall_ms);
  Finish(at, out);
}

void EncodeNack(const Nack& nack, std::string* out) {
  size_t at = Begin(FrameType::kNack, out);
  Put<uint64_t>(out, nack.offset);
  Put<uint8_t>(out, static_cast<uint8_t>(nack.reason));
  Finish(at, out);
}

void EncodeGoodbye(std::string* out) { Finish(Begin(FrameType::kGoodbye, out), out); }

absl::Status DecodeFrame(std::string_view in, size_t max_body, Frame* frame, size_t* consumed) {
  *consumed = 0;
  if (in.size() < kFrameHeaderSize) return absl::OkStatus();
  const size_t len = FrameBodySize(in);
  uint32_t crc = 0;
  Reader(in.substr(sizeof(uint32_t))).Get(&crc);  // the checksum follows the length
  if (len == 0) return Malformed("empty body");
  if (len > max_body) return Malformed("frame too long");
  if (in.size() < kFrameHeaderSize + len) return absl::OkStatus();
  std::string_view body = in.substr(kFrameHeaderSize, len);
  if (Crc32c(body) != crc) return Malformed("checksum mismatch");
  uint8_t type = static_cast<uint8_t>(body[0]);
  if (type < static_cast<uint8_t>(FrameType::kHello) || type > static_cast<uint8_t>(kLastFrameType)) {
    return Malformed("unknown frame type");
  }
  frame->type = static_cast<FrameType>(type);
  frame->payload = body.substr(1);
  *consumed = kFrameHeaderSize + len;
  return absl::OkStatus();
}

size_t FrameBodySize(std::string_view header) {
  uint32_t len = 0;
  Reader(header).Get(&len);
  return len;
}

size_t FrameSizeAt(std::string_view in) {
  if (in.size() < kFrameHeaderSize) return 0;
  return kFrameHeaderSize + FrameBodySize(in);
}

size_t WholeFramesPrefix(std::string_view in) {
  size_t pos = 0;
  while (true) {
    const size_t frame = FrameSizeAt(in.substr(pos));
    if (frame == 0 || frame > in.size() - pos) return pos;
    pos += frame;
  }
}

absl::Status ParseHello(std::string_view payload, Hello* out) {
  Reader r(payload);
  uint32_t magic = 0;
  uint16_t version = 0;
  uint8_t role = 0;
  uint8_t evict = 0;
  uint8_t prompt_acks = 0;
  if (!r.Get(&magic) || magic != kHelloMagic) return Malformed("bad hello magic");
  if (!r.Get(&version) || version != kProtocolVersion) return Malformed("unsupported protocol version");
  if (!r.Get(&out->node_id) || !r.Get(&out->epoch) || !r.Get(&role) || role > 2 || !r.Get(&out->applied_stream) ||
      !r.Get(&out->applied_offset) || !r.Get(&out->stream_end) || !r.Get(&out->item_size_max) ||
      !r.Get(&evict) || evict > 1 || !r.Get(&out->master_for_ms) || !r.Get(&out->listen_port) ||
      !r.Get(&prompt_acks) || prompt_acks > 1 || !r.done()) {
    return Malformed("hello");
  }
  out->role = static_cast<Role>(role);
  out->evict_to_free = evict == 1;
  out->wants_prompt_acks = prompt_acks == 1;
  return absl::OkStatus();
}

absl::Status ParseSyncStart(std::string_view payload, SyncStart* out) {
  Reader r(payload);
  uint8_t full = 0;
  if (!r.Get(&full) || full > 2 || !r.Get(&out->offset) || !r.Get(&out->items) || !r.done()) {
    return Malformed("sync start");
  }
  out->full = full != 0;
  out->nothing_to_copy = full == 2;
  return absl::OkStatus();
}

absl::Status ParseMutation(std::string_view payload, Mutation* out) {
  Reader r(payload);
  uint8_t kind = 0;
  uint16_t key_len = 0;
  uint32_t value_len = 0;
  if (!r.Get(&kind) || kind > static_cast<uint8_t>(Mutation::Kind::kFlushAll)) return Malformed("mutation kind");
  out->kind = static_cast<Mutation::Kind>(kind);
  int64_t ttl_ms = 0;
  if (!r.Get(&out->flags) || !r.Get(&out->origin_ms) || !r.Get(&ttl_ms) || !r.Get(&out->cas) ||
      !r.Get(&out->version) || !r.Get(&out->flush_delay_ms) || !r.Get(&key_len) || key_len > 255 ||
      !r.Bytes(key_len, &out->key) || !r.Get(&value_len) || !r.Bytes(value_len, &out->value) || !r.done()) {
    return Malformed("mutation");
  }
  // Times past 2^50 ms (35,000 years) are garbage, and refusing them keeps
  // the arithmetic here and in the applier far from overflow.
  constexpr int64_t kMaxMs = int64_t{1} << 50;
  if (out->origin_ms < 0 || out->origin_ms > kMaxMs || ttl_ms > kMaxMs || out->flush_delay_ms < 0 ||
      out->flush_delay_ms > kMaxMs) {
    return Malformed("mutation time");
  }
  if (!ExpiresAt(out->origin_ms, ttl_ms, &out->expires_at)) return Malformed("mutation expiry");
  if (out->kind != Mutation::Kind::kFlushAll && out->key.empty()) return Malformed("mutation without key");
  return absl::OkStatus();
}

absl::Status ParseSnapshotEnd(std::string_view payload) {
  if (!payload.empty()) return Malformed("snapshot end");
  return absl::OkStatus();
}

absl::Status ParseAck(std::string_view payload, uint64_t* offset) {
  Reader r(payload);
  if (!r.Get(offset) || !r.done()) return Malformed("ack");
  return absl::OkStatus();
}

absl::Status ParseHeartbeat(std::string_view payload, Heartbeat* out) {
  Reader r(payload);
  uint8_t role = 0;
  if (!r.Get(&out->epoch) || !r.Get(&role) || role > 2 || !r.Get(&out->stream_end) ||
      !r.Get(&out->applied_offset) || !r.Get(&out->wall_ms) || !r.done()) {
    return Malformed("heartbeat");
  }
  out->role = static_cast<Role>(role);
  return absl::OkStatus();
}

absl::Status ParseNack(std::string_view payload, Nack* out) {
  Reader r(payload);
  uint8_t reason = 0;
  if (!r.Get(&out->offset) || !r.Get(&reason) || reason < static_cast<uint8_t>(NackReason::kTooLarge) ||
      reason > static_cast<uint8_t>(NackReason::kOutOfMemory) || !r.done()) {
    return Malformed("nack");
  }
  out->reason = static_cast<NackReason>(reason);
  return absl::OkStatus();
}

absl::Status ParseGoodbye(std::string_view payload) {
  if (!payload.empty()) return Malformed("goodbye");
  return absl::OkStatus();
}

}  // namespace tandem::replication
