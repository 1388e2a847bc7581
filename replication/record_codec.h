// RecordCodec: frames <-> bytes for the replication link.
//
//   frame := body_len:u32le  crc32c(body):u32le  body
//   body  := type:u8  payload
//
// All integers are little-endian. The checksum covers the whole body, so a
// torn or corrupted frame is detected before anything is applied; the
// length prefix lets the receiver decode incrementally (NeedMore until the
// whole frame is there) and bound how much it buffers: before a peer has
// authenticated the bound is tiny (kMaxHandshakeBody), so a stranger that
// connects to the replication port and writes anything is refused after a
// few bytes instead of making the node allocate what the garbage claims.
// (With a secret or certificates the link is TLS, so only a peer that has
// authenticated sends frames at all; the bound stays as a second fence.)
//
// Decoding follows the project's parser convention: it takes bytes, never a
// socket, and answers "a frame of N bytes", "need more" (consumed = 0) or
// an error Status for broken input.
#ifndef TANDEM_REPLICATION_RECORD_CODEC_H_
#define TANDEM_REPLICATION_RECORD_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "replication/crc32c.h"
#include "replication/record.h"

namespace tandem::replication {

constexpr size_t kFrameHeaderSize = 8;
constexpr size_t kMaxHandshakeBody = 256;
// An item can be up to 1 GB (-I 1024m) plus its key and header fields.
constexpr size_t kMaxBody = (size_t{1} << 30) + 4096;


// ---- encoding: each appends one whole frame to *out ----------------------
// Any frame type around a payload its own codec built (forward_codec.h).
void EncodeFrame(FrameType type, std::string_view payload, std::string* out);
void EncodeHello(const Hello& hello, std::string* out);
void EncodeSyncStart(const SyncStart& start, std::string* out);
// type is kRecord, kSnapshotItem or kAeItem.
void EncodeMutation(FrameType type, const server::storage::Mutation& m, std::string* out);
void EncodeSnapshotEnd(std::string* out);
void EncodeAck(uint64_t offset, std::string* out);
void EncodeHeartbeat(const Heartbeat& hb, std::string* out);
void EncodeNack(const Nack& nack, std::string* out);
void EncodeGoodbye(std::string* out);
// The same frame without its value's bytes (its length and checksum already
// count them): the frame is these bytes followed by m.value, so a caller that
// writes both where they go (the backlog's ring) copies the value once.
void EncodeMutationHead(FrameType type, const server::storage::Mutation& m, std::string* out);
// Exact size of EncodeMutation's frame.
size_t MutationFrameSize(const server::storage::Mutation& m);

// ---- decoding -------------------------------------------------------------
struct Frame {
  FrameType type = FrameType::kHello;
  std::string_view payload;  // after the type byte; points into the input
};

// Decodes the frame at the start of `in`. OK with *consumed = frame size, or
// OK with *consumed = 0 when more bytes are needed; an error when the length
// exceeds max_body, the checksum does not match or the type is unknown.
absl::Status DecodeFrame(std::string_view in, size_t max_body, Frame* frame, size_t* consumed);

// The body length a frame header declares: the u32le at the start of
// `header`, which must hold at least kFrameHeaderSize bytes. The one place
// the length field is read; nothing is checked against a bound.
size_t FrameBodySize(std::string_view header);

// Length of the longest prefix of `in` made of whole frames, judged by their
// length fields only (`in` must start at a frame boundary). 0 when even the
// first frame is incomplete.
size_t WholeFramesPrefix(std::string_view in);
// Size of the frame starting `in` (header included), or 0 when `in` is
// shorter than a header.
size_t FrameSizeAt(std::string_view in);

absl::Status ParseHello(std::string_view payload, Hello* out);
absl::Status ParseSyncStart(std::string_view payload, SyncStart* out);
absl::Status ParseMutation(std::string_view payload, server::storage::Mutation* out);
// SNAPSHOT_END carries nothing: any payload is a malformed frame.
absl::Status ParseSnapshotEnd(std::string_view payload);
absl::Status ParseAck(std::string_view payload, uint64_t* offset);
absl::Status ParseHeartbeat(std::string_view payload, Heartbeat* out);
absl::Status ParseNack(std::string_view payload, Nack* out);
// GOODBYE carries nothing: any payload is a malformed frame.
absl::Status ParseGoodbye(std::string_view payload);

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_RECORD_CODEC_H_
