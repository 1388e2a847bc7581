// Record: what travels on a replication link, as values.
//
// A link carries frames. Most are records of the replication stream: one
// applied mutation each (storage::Mutation, state-based: the full resulting
// value), addressed by the byte offset of its frame in the sender's stream,
// so "apply from offset N" is all a partial resync needs to say. The other
// frames run the link itself: the handshake (hello), the start of a
// sync (partial from an offset, or a full copy), snapshot items, acks (and
// nacks: a record the receiver could not hold), heartbeats, a goodbye on a
// clean stop, and anti-entropy's digests, differing ranges and re-sent items.
// record_codec turns frames into bytes and back.
#ifndef TANDEM_REPLICATION_RECORD_H_
#define TANDEM_REPLICATION_RECORD_H_

#include <cstdint>

#include "server/storage/mutation.h"

namespace tandem::replication {

enum class FrameType : uint8_t {
  kHello = 1,         // first frame each way, inside TLS: node id and replication state
  kAuth = 2,          // protocol v1's HMAC proof: retired (TLS authenticates), refused on arrival
  kSyncStart = 3,     // sender -> receiver: partial from an offset, or full copy
  kRecord = 4,        // one stream record (a mutation)
  kSnapshotItem = 5,  // one item of a full copy
  kSnapshotEnd = 6,   // the full copy is complete; the stream continues
  kAck = 7,           // receiver -> sender: applied up to this stream offset
  kHeartbeat = 8,     // both ways, every --repl-heartbeat-ms
  kForwardRequest = 9,  // a client request for a key the receiver owns (forward_codec.h)
  kForwardAnswer = 10,  // the owner's reply bytes for one kForwardRequest
  kNack = 11,           // receiver -> sender: the record ending at this offset was not applied (and why)
  kGoodbye = 12,        // sender is stopping cleanly (SIGTERM/SIGUSR1): the survivor need not wait
  kAeDigest = 13,       // anti-entropy: the sender's digest of each hash range (anti_entropy.h)
  kAeRanges = 14,       // anti-entropy: the ranges that differ, answering kAeDigest
  kAeItem = 15,         // anti-entropy: an item or tombstone of a range that differed (a mutation)
};
constexpr FrameType kLastFrameType = FrameType::kAeItem;

enum class Role : uint8_t { kNone = 0, kMaster = 1, kSlave = 2 };

constexpr uint32_t kHelloMagic = 0x4d444e54;  // "TNDM" little-endian
constexpr uint16_t kProtocolVersion = 7;  // 2: the link is TLS 1.3 and HELLO carries the state;
                                          // 3: also times relative to origin_ms (record_codec.cc);
                                          // 4: HELLO carries -I, -M and time as master; NACK, GOODBYE
                                          // 5: anti-entropy (AE_DIGEST, AE_RANGES, AE_ITEM)
                                          // 6: SYNC_START's "nothing to copy" form (full = 2);
                                          //    HELLO carries the sender's replication listen port
                                          // 7: HELLO says whether the sender wants prompt acks;
                                          //    SYNC_START carries the sender's item count

// A node's identity and replication state, its first frame on a link. It
// travels inside TLS, so only a peer holding the secret (or a certificate
// of the pair's CA) ever sends or reads one.
struct Hello {
  uint64_t node_id = 0;
  uint64_t epoch = 0;
  Role role = Role::kNone;
  uint64_t applied_stream = 0;  // node id of the peer stream this node has applied (0: none)
  uint64_t applied_offset = 0;  // ...up to this offset
  uint64_t stream_end = 0;      // this node's own stream length
  uint32_t item_size_max = 0;   // -I: the largest item this node holds
  bool evict_to_free = true;    // false with -M: a full node refuses stores instead of evicting
  uint64_t master_for_ms = 0;   // how long this node has been master without a break (0: not master)
  uint16_t listen_port = 0;     // -X: where this node accepts its peer (0: it does not listen)
  // --repl-sync: this node holds replies until the peer acks, so the peer
  // acks after every read; otherwise the peer acks at most every few ms (v7).
  bool wants_prompt_acks = true;
};

// Why the receiver did not apply a stream record (NACK).
enum class NackReason : uint8_t { kTooLarge = 1, kOutOfMemory = 2 };

struct Nack {
  uint64_t offset = 0;  // the end offset of the record in the sender's stream
  NackReason reason = NackReason::kTooLarge;
};

struct SyncStart {
  bool full = false;
  uint64_t offset = 0;  // partial: first offset sent; full: where the stream resumes after the copy
  // With full: the sender holds nothing (Engine::HoldsNothing), so no copy
  // follows; the receiver takes the stream from `offset` at once (v6).
  bool nothing_to_copy = false;
  // With full: about how many items the copy carries (the sender's count
  // when it began), so the receiver sizes its hash table once (v7).
  uint64_t items = 0;
};

struct Heartbeat {
  uint64_t epoch = 0;
  Role role = Role::kNone;
  uint64_t stream_end = 0;
  uint64_t applied_offset = 0;
  int64_t wall_ms = 0;  // the sender's wall clock: the peer measures the clock offset from it
};

// A stream record or a snapshot item. The views point into the decoded
// bytes; `offset` is filled by the receiver from its position in the stream.
struct Record {
  uint64_t offset = 0;
  server::storage::Mutation mutation{};
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_RECORD_H_
