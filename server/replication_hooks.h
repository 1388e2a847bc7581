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

class ReplicationHooks {
 public:
  virtual ~ReplicationHooks() = default;
  // Appends the `stats replication` fields. Thread-safe.
  virtual void ReplicationReport(protocol::StatList* out) = 0;

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
  // Whether an acknowledgement can come at all (a link is up).
  virtual bool PeerLinked() const { return false; }
  // Installs (or, with null, removes) the listener. Thread-safe.
  virtual void SetAckListener(AckListener* listener) { (void)listener; }
  // Counts a held reply as released by the peer's ack or without it.
  virtual void CountSyncReply(bool acked) { (void)acked; }
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_REPLICATION_HOOKS_H_
