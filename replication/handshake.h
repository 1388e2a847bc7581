// Handshake: what two nodes say once their connection is open, and what
// each decides from it.
//
// Trust comes from the transport, not from here: with --repl-secret or
// certificates the connection is TLS 1.3 (tls_context.h), so by the time a
// HELLO can be read the peer has proven it holds the secret or a
// certificate of the pair's CA, and every byte after is authenticated and
// encrypted. A relayed or reflected handshake fails inside TLS (the PSK
// binder and Finished messages cover the whole transcript). Without either,
// the link is unauthenticated and the only fence is the peer address check
// (peer_link.h).
//
// The exchange, inside the (TLS) connection:
//   1. the dialer sends HELLO: magic, protocol version, node id, epoch,
//      role, which peer stream it has applied and up to where, its own
//      stream end;
//   2. the acceptor checks it (DecideOnHello) and either answers with its
//      own HELLO or closes: never while it already has a live link (a new
//      connection never displaces one), and not when its own dial to the
//      peer is under way and its id is lower (then that dial is the one to
//      keep, so two simultaneous dials settle on one link without replacing
//      any; when its own dial fails, the peer's next one is taken);
//   3. with both HELLOs known, each side decides alone how to feed the
//      other (DecideSync): a partial resync when the peer last applied
//      *this process's* stream and the offset is still in the backlog, else
//      a full copy; a node that holds nothing says so instead of sending an
//      empty copy (SyncStart::nothing_to_copy, PeerLink::Authenticated).
#ifndef TANDEM_REPLICATION_HANDSHAKE_H_
#define TANDEM_REPLICATION_HANDSHAKE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "replication/record.h"

namespace tandem::replication {

// Parses the peer's HELLO payload into *peer. A malformed frame is
// DataLoss; a HELLO carrying our own node id (we dialed ourselves, or a
// frame reflected back at us) is FailedPrecondition.
absl::Status AcceptHello(std::string_view payload, uint64_t self_id, Hello* peer);

// What a node does with a connection whose peer HELLO it just accepted.
enum class HelloVerdict {
  kLink,           // this connection becomes the link
  kAlreadyLinked,  // a live link exists: refuse, never replace it
  kPeerShouldWait, // both dial and we have the lower id: our own dial is the link
};

struct LinkSituation {
  uint64_t self_id = 0;
  uint64_t peer_id = 0;
  bool we_dialed = false;          // this connection was opened by us
  bool our_dial_pending = false;   // another connection we dialed is still in its handshake
  bool have_live_link = false;
};

// The rule of step 2, pure so the handshake fuzzer and the tests run it.
HelloVerdict DecideOnHello(const LinkSituation& s);

// How to feed a peer that has applied `peer_applied_stream` up to
// `peer_applied_offset`: partial from that offset when it is this stream's
// and backlog_start <= offset <= stream_end; else a full copy, after which
// the stream resumes at stream_end.
SyncStart DecideSync(uint64_t own_stream_id, uint64_t backlog_start, uint64_t stream_end,
                     uint64_t peer_applied_stream, uint64_t peer_applied_offset);

// A random 64-bit node id, never 0, from OpenSSL's CSPRNG (RAND_bytes).
uint64_t RandomNodeId();

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_HANDSHAKE_H_
