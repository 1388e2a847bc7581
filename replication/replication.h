// Replication: one node's replication, assembled from its parts for
// main.cc: the mutation log (the engine's observer), the role, the stats and
// the peer link with its thread. Created for every tandemd so `stats
// replication` always answers (role none when -x/-X are not given); only
// started when replication is enabled.
#ifndef TANDEM_REPLICATION_REPLICATION_H_
#define TANDEM_REPLICATION_REPLICATION_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "replication/forwarder.h"
#include "replication/mutation_log.h"
#include "replication/nack_log.h"
#include "replication/peer_link.h"
#include "replication/repl_stats.h"
#include "replication/role.h"
#include "replication/tls_context.h"
#include "server/replication_hooks.h"
#include "server/settings.h"
#include "server/storage/engine.h"
#include "server/storage/warm_state.h"

namespace tandem::replication {

class Replication : public server::ReplicationHooks {
 public:
  // Reads the secret or certificate files and checks the peer address;
  // errors are start-up errors.
  // `warm`: the state a graceful stop saved (-e), when the engine took it
  // back; this node then keeps its node id, its stream's end and the peer
  // stream position, so the pair resyncs partially (see SaveWarm).
  static absl::StatusOr<std::unique_ptr<Replication>> Create(
      const server::Settings& settings, server::storage::Engine& engine,
      const server::storage::WarmState* warm = nullptr);
  ~Replication() override;

  bool enabled() const { return link_ != nullptr; }
  // One phrase for the start-up log line: "replication off", or the port,
  // the peer it dials, the authentication and the starting role.
  std::string Summary() const;
  // Binds the replication port (before privileges are dropped).
  absl::Status Listen();
  // Installs the engine observer and starts the link thread.
  void Start();
  // Drains to the peer (bounded by `drain`) and stops.
  void Stop(absl::Duration drain);
  // After Stop: the node id, this node's stream end and the peer stream
  // position applied, for the next start's Create (a replicating node only).
  void SaveWarm(server::storage::WarmState* state) const;

  void ReplicationReport(protocol::StatList* out) override;
  void GeneralReport(protocol::StatList* out) override;
  bool PeerHasApplied(uint64_t offset) const override {
    return stats_.peer_acked_offset.load() >= offset;
  }
  bool PeerRefused(uint64_t first, uint64_t last) const override { return nacks_.AnyIn(first, last); }
  bool PeerLinked() const override { return stats_.link.load() != LinkState::kDown; }
  void SetAckListener(server::AckListener* listener) override { ack_listener_.store(listener); }
  void CountSyncReply(server::SyncRelease how) override;
  uint64_t node_id() const { return node_id_; }
  // Forwarding (forwarder.h): the server sends conditional commands for the
  // peer's keys through this (null without replication), and this runs
  // those the peer sends with `runner`. Both before Start().
  server::Forwarder* forwarder() { return forwarder_.get(); }
  void SetForwardedRunner(server::ForwardedRunner* runner) {
    if (forwarder_ != nullptr) forwarder_->SetRunner(runner);
  }

 private:
  // node_id 0: a fresh random one.
  Replication(server::storage::Engine& engine, size_t backlog_bytes, uint64_t node_id);
  static void WarnUnauthenticated(const PeerLinkConfig& c);

  server::storage::Engine& engine_;
  uint64_t node_id_;
  int port_ = 0;          // Summary()
  std::string peer_;      // Summary(): host:port it dials, empty when it only accepts
  MutationLog log_;
  RoleState role_;
  ReplStats stats_;
  NackLog nacks_;
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<TlsContext> tls_;  // before link_: the link uses it until it is gone
  std::unique_ptr<PeerLink> link_;
  std::atomic<server::AckListener*> ack_listener_{nullptr};
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_REPLICATION_H_
