// libFuzzer target for the replication record decoder (record_codec). Feeds
// the bytes as a link's receive stream, the way PeerLink reads it (decode a
// frame, drop it, decode the next; stop at the first error), once whole and
// once in pieces, and checks:
//   - the two feeds decode the same frames and stop at the same error, at
//     the same offset (the decoder must not depend on how TCP split bytes);
//   - every frame stays inside its input and has a body;
//   - every frame whose payload parses re-encodes to exactly its bytes (the
//     encoder and the parsers agree on every field, and a parser accepts no
//     slack such as trailing bytes);
//   - WholeFramesPrefix, which the backlog reader uses to cut its own stream
//     by the length fields alone, ends where the decoder stopped (or, after
//     an error, no earlier than the bad frame).
// Input: mode byte, 4-byte chunking seed, chunk-size selector, then the
// stream. Mode bit 0 repairs each frame's length and checksum first, so the
// fuzzer reaches the payload parsers instead of stopping at the CRC; bit 1
// picks the handshake body bound instead of the authenticated one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "replication/record.h"
#include "replication/record_codec.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace r = tandem::replication;
using tandem::fuzz::Check;

struct Decoded {
  std::vector<std::string> frames;
  bool failed = false;
  size_t failed_at = 0;
  std::string error;
};

void PutLe32(std::string* s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*s)[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Rewrites each frame header so its length fits the input and its checksum
// matches, keeping the fuzzer's type byte and payload.
void RepairFrames(std::string* s) {
  size_t pos = 0;
  while (s->size() - pos > r::kFrameHeaderSize) {
    const size_t left = s->size() - pos - r::kFrameHeaderSize;
    uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len |= uint32_t{static_cast<uint8_t>((*s)[pos + i])} << (8 * i);
    if (len == 0) return;
    if (len > left) len = static_cast<uint32_t>(left);
    PutLe32(s, pos, len);
    PutLe32(s, pos + 4, r::Crc32c(std::string_view(*s).substr(pos + r::kFrameHeaderSize, len)));
    pos += r::kFrameHeaderSize + len;
  }
}

// Re-encodes a frame whose payload parses and compares it with the bytes it
// was decoded from.
void CheckRoundTrip(const r::Frame& frame, std::string_view bytes) {
  std::string again;
  switch (frame.type) {
    case r::FrameType::kHello: {
      r::Hello h;
      if (!r::ParseHello(frame.payload, &h).ok()) return;
      r::EncodeHello(h, &again);
      break;
    }
    case r::FrameType::kAuth:  // retired (protocol v1): no parser, refused by the link
      return;
    case r::FrameType::kSyncStart: {
      r::SyncStart s;
      if (!r::ParseSyncStart(frame.payload, &s).ok()) return;
      r::EncodeSyncStart(s, &again);
      break;
    }
    case r::FrameType::kRecord:
    case r::FrameType::kSnapshotItem:
    case r::FrameType::kAeItem: {
      tandem::server::storage::Mutation m{};
      if (!r::ParseMutation(frame.payload, &m).ok()) return;
      Check(r::MutationFrameSize(m) == bytes.size(), "MutationFrameSize matches the decoded frame");
      r::EncodeMutation(frame.type, m, &again);
      break;
    }
    case r::FrameType::kSnapshotEnd:
      if (!r::ParseSnapshotEnd(frame.payload).ok()) return;
      r::EncodeSnapshotEnd(&again);
      break;
    case r::FrameType::kAck: {
      uint64_t offset = 0;
      if (!r::ParseAck(frame.payload, &offset).ok()) return;
      r::EncodeAck(offset, &again);
      break;
    }
    case r::FrameType::kHeartbeat: {
      r::Heartbeat hb;
      if (!r::ParseHeartbeat(frame.payload, &hb).ok()) return;
      r::EncodeHeartbeat(hb, &again);
      break;
    }
    case r::FrameType::kForwardRequest:
    case r::FrameType::kForwardAnswer:
    case r::FrameType::kAeDigest:  // opaque here: anti_entropy.cc checks the size
    case r::FrameType::kAeRanges:
      r::EncodeFrame(frame.type, frame.payload, &again);
      break;
    case r::FrameType::kNack: {
      r::Nack nack;
      if (!r::ParseNack(frame.payload, &nack).ok()) return;
      r::EncodeNack(nack, &again);
      break;
    }
    case r::FrameType::kGoodbye:
      if (!r::ParseGoodbye(frame.payload).ok()) return;
      r::EncodeGoodbye(&again);
      break;
  }
  Check(again == bytes, "a parsed frame re-encodes to its own bytes");
}

// Decodes every whole frame at the front of `buffer` (which starts at
// stream offset `base`), records them, and returns the bytes used; sets
// out->failed on an error.
size_t DecodeAvailable(std::string_view buffer, size_t base, size_t max_body, Decoded* out) {
  size_t pos = 0;
  while (true) {
    std::string_view rest = buffer.substr(pos);
    r::Frame frame;
    size_t consumed = 0;
    absl::Status st = r::DecodeFrame(rest, max_body, &frame, &consumed);
    if (!st.ok()) {
      out->failed = true;
      out->failed_at = base + pos;
      out->error = std::string(st.message());
      return pos;
    }
    if (consumed == 0) return pos;
    Check(consumed > r::kFrameHeaderSize && consumed <= rest.size(), "a frame has a body and fits its input");
    Check(frame.payload.data() == rest.data() + r::kFrameHeaderSize + 1 &&
              frame.payload.size() == consumed - r::kFrameHeaderSize - 1,
          "the payload is the frame's body after the type byte");
    std::string_view bytes = rest.substr(0, consumed);
    CheckRoundTrip(frame, bytes);
    out->frames.emplace_back(bytes);
    pos += consumed;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tandem::fuzz::ByteReader in(data, size);
  const uint8_t mode = in.Byte();
  tandem::fuzz::Chunker chunker(in.U32(), tandem::fuzz::MaxChunkFor(in.Byte()));
  std::string stream(in.rest());
  if (mode & 1) RepairFrames(&stream);
  const size_t max_body = (mode & 2) ? r::kMaxHandshakeBody : r::kMaxBody;

  Decoded whole;
  const size_t decoded = DecodeAvailable(stream, 0, max_body, &whole);
  const size_t framed = r::WholeFramesPrefix(stream);
  if (whole.failed) {
    Check(framed >= whole.failed_at, "WholeFramesPrefix reaches the first bad frame");
  } else {
    Check(framed == decoded, "WholeFramesPrefix ends where decoding ends");
  }

  // In pieces, through a receive buffer that drops what was decoded.
  Decoded pieces;
  std::string buffer;
  size_t base = 0;
  for (size_t fed = 0; fed < stream.size() && !pieces.failed;) {
    size_t n = std::min(chunker.Next(), stream.size() - fed);
    buffer.append(stream, fed, n);
    fed += n;
    size_t used = DecodeAvailable(buffer, base, max_body, &pieces);
    buffer.erase(0, used);
    base += used;
  }

  Check(whole.frames == pieces.frames, "whole and chunked feeds decode the same frames");
  Check(whole.failed == pieces.failed && whole.failed_at == pieces.failed_at && whole.error == pieces.error,
        "whole and chunked feeds fail alike");
  return 0;
}
