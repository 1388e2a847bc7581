// Replication: see replication.h. Turns Settings into the link's
// configuration: -x HOST[:PORT] (the port defaults to -X), -l's addresses
// for the replication listener, and the TLS context from --repl-secret or
// --repl-tls-cert/key/ca. Without either it says, once on stderr, that the
// link is unauthenticated and what fences it.
#include "replication/replication.h"

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

#include <algorithm>
#include <cstdio>

#include "replication/handshake.h"

namespace tandem::replication {

Replication::Replication(server::storage::Engine& engine, size_t backlog_bytes, uint64_t node_id)
    : engine_(engine), node_id_(node_id != 0 ? node_id : RandomNodeId()), log_(backlog_bytes) {
  // Until a link orders the two node ids, the CAS node bit is a guess from
  // this node's own (random) id; see Start. A warm restart keeps the bit
  // its last link settled (engine_warm.cc).
  if (node_id == 0) engine_.SetCasNodeBit(static_cast<unsigned>(node_id_ & 1));
}

Replication::~Replication() {
  if (link_ != nullptr) Stop(absl::ZeroDuration());
  engine_.SetObserver(nullptr);
}

void Replication::WarnUnauthenticated(const PeerLinkConfig& c) {
  const std::string fence =
      c.peer_host.empty() ? std::string("any host that reaches the replication port")
                          : absl::StrCat("connections only from ", c.peer_host, "'s addresses (-x)");
  std::fprintf(stderr,
               "tandemd: WARNING: the replication link is unauthenticated and unencrypted (no --repl-secret or "
               "--repl-tls-cert/key/ca): it accepts %s, and whoever it accepts can read and write the cache\n",
               fence.c_str());
}

absl::StatusOr<std::unique_ptr<Replication>> Replication::Create(const server::Settings& s,
                                                                 server::storage::Engine& engine,
                                                                 const server::storage::WarmState* warm) {
  const bool resume = warm != nullptr && warm->replicating && s.replication_enabled();
  std::unique_ptr<Replication> r(new Replication(engine, s.replication_enabled() ? s.repl_backlog_bytes : 1,
                                                 resume ? warm->node_id : 0));
  if (!s.replication_enabled()) return r;
  // The stream goes on where it ended, with nothing before that in the
  // backlog: a peer that had applied all of it resumes, any other gets a
  // full copy (DecideSync).
  if (resume) r->log_.ResumeAt(warm->stream_end);
  PeerLinkConfig c;
  c.listen_port = s.repl_port;
  for (const std::string& l : s.listen) {
    for (absl::string_view host : absl::StrSplit(l, ',', absl::SkipEmpty())) {
      // -l may carry memcached's "addr:port"; the replication listener uses -X's port.
      std::string h(host);
      if (absl::ConsumePrefix(&host, "[")) {
        h = std::string(host.substr(0, host.find(']')));
      } else if (std::count(h.begin(), h.end(), ':') == 1) {
        h = h.substr(0, h.find(':'));
      }
      c.listen_hosts.push_back(h);
    }
  }
  if (!s.repl_peer.empty()) {
    absl::string_view peer = s.repl_peer;
    c.peer_port = s.repl_port;
    if (absl::ConsumePrefix(&peer, "[")) {
      size_t close = peer.find(']');
      if (close == absl::string_view::npos) return absl::InvalidArgumentError("bad -x address");
      absl::string_view rest = peer.substr(close + 1);
      peer = peer.substr(0, close);
      if (absl::ConsumePrefix(&rest, ":") && !absl::SimpleAtoi(rest, &c.peer_port)) {
        return absl::InvalidArgumentError("bad -x port");
      }
    } else if (size_t colon = peer.rfind(':'); colon != absl::string_view::npos &&
                                                peer.find(':') == colon) {
      if (!absl::SimpleAtoi(peer.substr(colon + 1), &c.peer_port)) return absl::InvalidArgumentError("bad -x port");
      peer = peer.substr(0, colon);
    }
    c.peer_host = std::string(peer);
  }
  TlsOptions tls;
  tls.secret_file = s.repl_secret_file;
  tls.cert_file = s.repl_tls_cert_file;
  tls.key_file = s.repl_tls_key_file;
  tls.ca_file = s.repl_tls_ca_file;
  absl::StatusOr<std::unique_ptr<TlsContext>> context = TlsContext::Create(tls);
  if (!context.ok()) return context.status();
  r->tls_ = std::move(*context);
  c.tls = r->tls_.get();
  if (r->tls_->mode() == AuthMode::kNone) WarnUnauthenticated(c);
  c.heartbeat_ms = s.repl_heartbeat_ms;
  c.timeout_ms = s.repl_timeout_ms;
  c.item_size_max = static_cast<uint32_t>(s.item_size_max);
  c.evict_to_free = s.evict_to_free;
  c.antientropy_s = s.repl_antientropy_s;
  // --repl-sync holds every reply for the peer's ack: no write may wait for a batch.
  c.stream_batch_us = s.repl_sync ? 0 : s.repl_stream_batch_us;
  // Without it nothing waits on the peer's acks: it may send fewer.
  c.wants_prompt_acks = s.repl_sync;
  r->port_ = s.repl_port;
  if (!c.peer_host.empty()) r->peer_ = absl::StrCat(c.peer_host, ":", c.peer_port);
  r->log_.DropNext(s.debug_drop_outgoing_records);
  r->role_.Start(c.peer_host.empty() ? Role::kMaster : Role::kSlave);
  r->forwarder_ = std::make_unique<Forwarder>(r->node_id_, c.timeout_ms);
  r->link_ = std::make_unique<PeerLink>(std::move(c), r->node_id_, engine, r->log_, r->role_, r->stats_, r->nacks_);
  r->link_->SetForwarder(r->forwarder_.get());
  if (resume) r->link_->ResumeApplied(warm->applied_stream, warm->applied_offset);
  return r;
}

std::string Replication::Summary() const {
  if (link_ == nullptr) return "replication off";
  return absl::StrCat("replication port ", port_, peer_.empty() ? ", accepting its peer" : ", peer " + peer_,
                      ", auth ", AuthModeName(tls_ == nullptr ? AuthMode::kNone : tls_->mode()), ", starting as ",
                      RoleName(role_.role()));
}

absl::Status Replication::Listen() { return link_ == nullptr ? absl::OkStatus() : link_->Listen(); }

void Replication::Start() {
  if (link_ == nullptr) return;
  engine_.SetObserver(&log_);
  // The node with the larger id hands out odd CAS values, the other even
  // ones: no token is ever handed out by both (engine.h, cas_from_version).
  link_->SetLinkUpCallback([this](uint64_t peer_id) { engine_.SetCasNodeBit(node_id_ > peer_id ? 1 : 0); });
  link_->SetAckCallback([this] {
    if (server::AckListener* l = ack_listener_.load()) l->OnAckProgress();
  });
  link_->Start();
}

void Replication::Stop(absl::Duration drain) {
  if (link_ != nullptr) link_->Stop(drain);
}

void Replication::SaveWarm(server::storage::WarmState* state) const {
  if (link_ == nullptr) return;
  state->node_id = node_id_;
  state->stream_end = log_.end();
  state->applied_stream = link_->applied_stream();
  state->applied_offset = link_->applied_offset();
}

void Replication::CountSyncReply(server::SyncRelease how) {
  std::atomic<uint64_t>* const counters[] = {&stats_.sync_acked, &stats_.sync_nacked, &stats_.sync_timeouts};
  counters[static_cast<size_t>(how)]->fetch_add(1, std::memory_order_relaxed);
}

void Replication::ReplicationReport(protocol::StatList* out) {
  ReplReport r;
  r.role = role_.role();
  r.epoch = role_.epoch();
  r.repl_offset = log_.end();
  r.promotions = role_.promotions();
  r.forwarded_commands = forwarder_ == nullptr ? 0 : forwarder_->forwarded();
  r.auth = AuthModeName(tls_ == nullptr ? AuthMode::kNone : tls_->mode());
  r.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  AppendReplStats(stats_, r, out);
  engine_.TombstoneStats(out);
}

void Replication::GeneralReport(protocol::StatList* out) {
  if (!enabled()) return;  // a lone memcached-like node: memcached's fields only
  const uint64_t end = log_.end();
  AppendReplHealth(stats_, role_.role(), end, out);
}

}  // namespace tandem::replication
