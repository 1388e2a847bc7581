// ReplicationHooks: what the server needs from replication, as an interface
// so the server never includes replication/ (dependencies point one way:
// protocol <- server <- replication). main.cc passes the implementation in.
#ifndef TANDEM_SERVER_REPLICATION_HOOKS_H_
#define TANDEM_SERVER_REPLICATION_HOOKS_H_

#include <cstdint>
#include <string>

#include "protocol/result.h"

namespace tandem::server {

// Told when a write held by --repl-sync may be released: the peer
// acknowledged more of this node's stream, or the link dropped. Called on
// the replication thread; must only wake the workers.
class AckListener {
 public:
  virtual ~AckListener() = default;
  virtual void OnAckProgress() = 0;
};

// How a reply held by --repl-sync was released: the peer acknowledged
// applying the write, said it could not apply it (NACK: too large for its
// -I, or out of memory), or neither came in time (or there was no link).
enum class SyncRelease : uint8_t { kAcked, kNacked, kTimedOut };

class ReplicationHooks {
 public:
  virtual ~ReplicationHooks() = default;
  // Appends the `stats replication` fields. Thread-safe.
  virtual void ReplicationReport(protocol::StatList* out) = 0;
  // Appends replication's health to plain `stats`, after memcached's own
  // fields (repl_role, repl_link, repl_lag_bytes), so exporters that read
  // `stats` by name can alert on it. Thread-safe.
  virtual void GeneralReport(protocol::StatList* out) { (void)out; }

  // ---- --repl-sync -------------------------------------------------------
  // A request that wrote reports where its records end in this node's
  // stream (HandleResult::stream_end, from the engine's WriteReceipt); its
  // reply waits until PeerHasApplied() that offset (or the timeout). The
  // defaults describe a node without replication: nothing ever waits.
  // Whether the peer has acknowledged applying the stream up to `offset`.
  virtual bool PeerHasApplied(uint64_t offset) const {
    (void)offset;
    return true;
  }
  // Whether the peer refused a record of this node's stream ending in
  // [first, last] (a NACK; it arrives before the ack that covers it).
  virtual bool PeerRefused(uint64_t first, uint64_t last) const {
    (void)first;
    (void)last;
    return false;
  }
  // Whether an acknowledgement can come at all (a link is up).
  virtual bool PeerLinked() const { return false; }
  // Installs (or, with null, removes) the listener. Thread-safe.
  virtual void SetAckListener(AckListener* listener) { (void)listener; }
  // Counts a held reply by how it was released.
  virtual void CountSyncReply(SyncRelease how) { (void)how; }
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_REPLICATION_HOOKS_H_
