// Handshake: the HELLO checks, the keep-or-refuse rule for a new connection
// and the partial-or-full decision. See handshake.h for the exchange.
#include "replication/handshake.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

#include "replication/record_codec.h"

namespace tandem::replication {

absl::Status AcceptHello(std::string_view payload, uint64_t self_id, Hello* peer) {
  if (absl::Status st = ParseHello(payload, peer); !st.ok()) return st;
  if (peer->node_id == self_id) return absl::FailedPreconditionError("connected to itself");
  return absl::OkStatus();
}

HelloVerdict DecideOnHello(const LinkSituation& s) {
  if (s.have_live_link) return HelloVerdict::kAlreadyLinked;
  // The dialer learns the verdict from the acceptor's HELLO (or the close),
  // so only the acceptor applies the tie-break.
  if (!s.we_dialed && s.our_dial_pending && s.self_id < s.peer_id) return HelloVerdict::kPeerShouldWait;
  return HelloVerdict::kLink;
}

SyncStart DecideSync(uint64_t own_stream_id, uint64_t backlog_start, uint64_t stream_end,
                     uint64_t peer_applied_stream, uint64_t peer_applied_offset) {
  if (peer_applied_stream == own_stream_id && peer_applied_offset >= backlog_start &&
      peer_applied_offset <= stream_end) {
    return SyncStart{false, peer_applied_offset};
  }
  return SyncStart{true, stream_end};
}

uint64_t RandomNodeId() {
  uint64_t id = 0;
  while (id == 0) {
    unsigned char bytes[sizeof(id)];
    // RAND_bytes fails only when the OS cannot seed it; a node id from a
    // weaker source would make ids guessable, so there is no fallback.
    if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();
    std::memcpy(&id, bytes, sizeof(id));
  }
  return id;
}

}  // namespace tandem::replication
