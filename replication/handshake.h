// Handshake: how two nodes meeting on the replication port agree to trust
// each other and where each one's stream resumes.
//
// Both sides speak at once (there is no client and server at this level):
//   1. each sends HELLO: magic, protocol version, its node id and a fresh
//      random 16-byte challenge nonce;
//   2. on the peer's HELLO, each answers AUTH: HMAC-SHA256(secret, "tandem
//      repl v1" | peer's nonce | own node id | own nonce) plus its state
//      (epoch, role, which peer stream it has applied and up to where);
//   3. on the peer's AUTH, each checks the MAC (constant time). A wrong MAC
//      closes the connection and is logged; nothing else is ever sent before
//      this point, so a peer without the secret gets no data. Each side then
//      decides alone how to feed the other (DecideSync): a partial resync
//      when the peer last applied *this process's* stream and the offset is
//      still in the backlog, else a full copy.
// The nonce makes every proof single-use (a recorded AUTH is worthless on
// the next connection); HMAC rather than a bare hash of secret|nonce because
// SHA-256 is length-extendable. Without --repl-secret both sides use the
// empty secret, which still catches a stray peer speaking another protocol.
// SHA-256 is implemented here (FIPS 180-4) to avoid a crypto dependency for
// one MAC per connection.
#ifndef TANDEM_REPLICATION_HANDSHAKE_H_
#define TANDEM_REPLICATION_HANDSHAKE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "replication/record.h"

namespace tandem::replication {

std::array<uint8_t, 32> Sha256(std::string_view data);
std::array<uint8_t, 32> HmacSha256(std::string_view key, std::string_view data);

// The MAC a node with `node_id` and `own_nonce` sends in answer to `peer_nonce`.
std::array<uint8_t, kMacSize> MakeProof(std::string_view secret, const Hello& self, const Hello& peer);
// Checks the MAC `peer` sent us in answer to our own `self` hello.
bool VerifyProof(std::string_view secret, const Hello& self, const Hello& peer,
                 const std::array<uint8_t, kMacSize>& mac);

// The checks on the peer's two handshake frames, in one place so the peer
// link and the handshake fuzz target run the same code.
//   AcceptHello parses the peer's HELLO payload into *peer and refuses one
//   carrying our own node id: answering it would let a stranger reflect our
//   proof (open two connections, hand each one the other's nonce as its own,
//   and return our AUTH from the second as its AUTH on the first).
//   AcceptAuth parses the peer's AUTH payload into *auth and checks its MAC
//   against our challenge; a wrong MAC is PermissionDenied, a malformed
//   frame DataLoss.
absl::Status AcceptHello(std::string_view payload, const Hello& self, Hello* peer);
absl::Status AcceptAuth(std::string_view payload, std::string_view secret, const Hello& self, const Hello& peer,
                        Auth* auth);

// How to feed a peer that has applied `peer_applied_stream` up to
// `peer_applied_offset`: partial from that offset when it is this stream's
// and backlog_start <= offset <= stream_end; else a full copy, after which
// the stream resumes at stream_end.
SyncStart DecideSync(uint64_t own_stream_id, uint64_t backlog_start, uint64_t stream_end,
                     uint64_t peer_applied_stream, uint64_t peer_applied_offset);

// Reads --repl-secret's file; surrounding whitespace (a trailing newline) is dropped.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// Random 64-bit node id (never 0) and nonce.
uint64_t RandomNodeId();
std::array<uint8_t, kNonceSize> RandomNonce();

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_HANDSHAKE_H_
