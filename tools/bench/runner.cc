// Runner: client threads, their epoll loops, preload and the phase schedule.
#include "tools/bench/runner.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tools/bench/clock.h"
#include "tools/bench/load_connection.h"
#include "tools/bench/progress.h"
#include "tools/bench/request_budget.h"
#include "tools/bench/tls_client.h"

namespace tandem::bench {

namespace {

// ---------------------------------------------------------------------------
// ClientThread: one epoll set, a share of every group's connections.
// ---------------------------------------------------------------------------
class ClientThread {
 public:
  // targets_of_group[g] lists the stats slots (servers) of group g.
  ClientThread(const BenchConfig& config, int index,
               const std::vector<std::vector<int>>& targets_of_group, int num_targets,
               RequestBudget* budget)
      : config_(config),
        targets_of_group_(targets_of_group),
        budget_(budget),
        rng_(config.seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(index) + 1),
        by_group_(config.groups.size()),
        stats_(num_targets),
        preload_stats_(num_targets),
        lost_(num_targets, 0) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
  }
  ~ClientThread() {
    if (epfd_ >= 0) close(epfd_);
  }

  bool AddConnection(std::unique_ptr<LoadConnection> conn, std::string* error) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = conn.get();
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, conn->fd(), &ev) != 0) {
      *error = absl::StrCat("epoll_ctl: ", strerror(errno));
      return false;
    }
    by_group_[conn->group()].push_back(conn.get());
    conns_.push_back(std::move(conn));
    return true;
  }

  // Sets every key on every connection's server; returns false on timeout.
  bool Preload(uint64_t deadline_ns) {
    int depth = std::max(config_.pipeline, 32);
    std::vector<LoadConnection*> pending;
    uint64_t now = NowNs();
    for (auto& c : conns_) {
      c->FillPreload(depth, now, &preload_stats_[c->target()]);
      Flush(c.get(), &preload_stats_[c->target()]);
      pending.push_back(c.get());
    }
    epoll_event events[256];
    uint64_t next_publish = now + kPublishNs;
    while (true) {
      // A connection is done once every key in its range is sent and answered.
      pending.erase(std::remove_if(pending.begin(), pending.end(),
                                   [&](LoadConnection* c) {
                                     return c->dead() ||
                                            (c->inflight() == 0 && c->FillPreload(0, 0, &preload_stats_[c->target()]));
                                   }),
                    pending.end());
      if (pending.empty()) {
        PublishLive(true);
        return true;
      }
      now = NowNs();
      if (now >= next_publish) {
        next_publish = now + kPublishNs;
        PublishLive(true);
      }
      if (now >= deadline_ns) {
        for (LoadConnection* c : pending) {
          c->Fail(ErrorKind::kTimeout, "preload did not finish in time",
                  &preload_stats_[c->target()]);
        }
        return false;
      }
      int n = epoll_wait(epfd_, events, 256, 10);
      now = NowNs();
      for (int i = 0; i < n; ++i) {
        auto* c = static_cast<LoadConnection*>(events[i].data.ptr);
        if (c->dead()) continue;
        GroupStats* s = &preload_stats_[c->target()];
        if (!c->OnReadable(now, s)) continue;
        c->FillPreload(depth, now, s);
        Flush(c, s);
      }
    }
  }

  void RunPhases(const std::vector<Phase>& phases, uint64_t t0) {
    phase_requests_.assign(phases.size(), 0);
    phase_ns_.assign(phases.size(), 0);
    bool reset_done = false;
    for (size_t p = 0; p < phases.size(); ++p) {
      const Phase& phase = phases[p];
      if (!phase.warmup && !reset_done) {
        for (GroupStats& s : stats_) s.ResetCounters();
        reset_done = true;
      }
      SleepUntil(t0 + phase.start_offset_ns);
      uint64_t start = NowNs();
      uint64_t before = GroupRequests(phase.group);
      RunOnePhase(phase.group, t0 + phase.end_offset_ns);
      phase_ns_[p] = NowNs() - start;
      phase_requests_[p] = GroupRequests(phase.group) - before;
    }
    for (auto& c : conns_) lost_[c->target()] += c->dead() ? 1 : 0;
    PublishLive(false);
  }

  bool HasGroup(int g) const { return !by_group_[g].empty(); }
  const std::vector<GroupStats>& stats() const { return stats_; }
  const std::vector<GroupStats>& preload_stats() const { return preload_stats_; }
  const std::vector<int>& lost() const { return lost_; }
  const std::vector<uint64_t>& phase_requests() const { return phase_requests_; }
  const std::vector<uint64_t>& phase_ns() const { return phase_ns_; }
  const LiveCounters* live() const { return &live_; }

 private:
  static constexpr uint64_t kPublishNs = 10000000ULL;  // 10 ms

  // Copies this thread's totals where the progress reporter reads them.
  void PublishLive(bool preloading) {
    uint64_t preload = 0, requests = 0, hits = 0, errors = 0;
    for (size_t t = 0; t < stats_.size(); ++t) {
      preload += preload_stats_[t].requests;
      requests += stats_[t].requests;
      hits += stats_[t].hits;
      errors += preloading ? preload_stats_[t].TotalErrors() : stats_[t].TotalErrors();
    }
    live_.preload_sets.store(preload, std::memory_order_relaxed);
    live_.requests.store(requests, std::memory_order_relaxed);
    live_.hits.store(hits, std::memory_order_relaxed);
    live_.errors.store(errors, std::memory_order_relaxed);
    live_.running.store(!preloading, std::memory_order_relaxed);
  }

  uint64_t GroupRequests(int group) const {
    uint64_t n = 0;
    for (int t : targets_of_group_[group]) n += stats_[t].requests;
    return n;
  }

  void Flush(LoadConnection* c, GroupStats* s) {
    if (!c->Flush(s)) return;
    bool want = c->wants_write();
    if (want != c->epoll_out) {
      epoll_event ev{};
      ev.events = want ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
      ev.data.ptr = c;
      epoll_ctl(epfd_, EPOLL_CTL_MOD, c->fd(), &ev);
      c->epoll_out = want;
    }
  }

  void RunOnePhase(int group, uint64_t end_ns) {
    const int depth = config_.pipeline;
    const uint64_t timeout_ns = static_cast<uint64_t>(config_.timeout_ms) * 1000000ULL;
    std::vector<LoadConnection*>& conns = by_group_[group];
    uint64_t now = NowNs();
    for (LoadConnection* c : conns) {
      if (c->dead()) continue;
      c->FillMix(depth, rng_, now, budget_, &stats_[c->target()]);
      Flush(c, &stats_[c->target()]);
    }
    bool issuing = true;
    uint64_t drain_deadline = 0;
    uint64_t next_timeout_check = now + 10000000ULL;
    epoll_event events[256];
    while (true) {
      now = NowNs();
      if (issuing && (now >= end_ns || budget_->exhausted())) {
        issuing = false;
        drain_deadline = now + timeout_ns;
      }
      if (!issuing) {
        bool idle = true;
        for (LoadConnection* c : conns) idle = idle && (c->dead() || c->inflight() == 0);
        if (idle) return;
        if (now >= drain_deadline) {
          for (LoadConnection* c : conns) {
            if (!c->dead() && c->inflight() > 0) {
              c->Fail(ErrorKind::kTimeout, "no reply while draining at the end of a phase",
                      &stats_[c->target()]);
            }
          }
          return;
        }
      }
      if (now >= next_timeout_check) {
        next_timeout_check = now + kPublishNs;
        PublishLive(false);
        for (LoadConnection* c : conns) {
          if (!c->dead() && c->inflight() > 0 && now - c->oldest_sent_ns() > timeout_ns) {
            c->Fail(ErrorKind::kTimeout,
                    absl::StrCat("no reply within ", config_.timeout_ms, " ms"),
                    &stats_[c->target()]);
          }
        }
        bool any_alive = false;
        for (LoadConnection* c : conns) any_alive = any_alive || !c->dead();
        if (!any_alive) {
          // A comparison keeps its schedule; a plain run has nothing left to do.
          if (config_.compare) SleepUntil(end_ns);
          return;
        }
      }
      int wait_ms = 1;
      if (issuing && end_ns > now) {
        wait_ms = static_cast<int>(std::min<uint64_t>((end_ns - now) / 1000000ULL + 1, 10));
      }
      int n = epoll_wait(epfd_, events, 256, wait_ms);
      for (int i = 0; i < n; ++i) {
        auto* c = static_cast<LoadConnection*>(events[i].data.ptr);
        if (c->dead()) continue;
        // One clock read per socket (vDSO, ~20 ns): both the completions
        // and the new requests of this socket are stamped when it is
        // actually served, not when epoll_wait returned.
        now = NowNs();
        GroupStats* cs = &stats_[c->target()];
        if ((events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && !c->OnReadable(now, cs)) {
          continue;
        }
        if (issuing && c->group() == group) c->FillMix(depth, rng_, now, budget_, cs);
        Flush(c, cs);
      }
    }
  }

  const BenchConfig& config_;
  const std::vector<std::vector<int>>& targets_of_group_;
  RequestBudget* budget_;
  Rng rng_;
  int epfd_ = -1;
  std::vector<std::unique_ptr<LoadConnection>> conns_;
  std::vector<std::vector<LoadConnection*>> by_group_;
  std::vector<GroupStats> stats_;
  std::vector<GroupStats> preload_stats_;
  std::vector<int> lost_;
  std::vector<uint64_t> phase_requests_;
  std::vector<uint64_t> phase_ns_;
  LiveCounters live_;
};

}  // namespace

std::vector<Phase> BuildSchedule(const BenchConfig& config) {
  std::vector<Phase> phases;
  if (!config.compare) {
    Phase p;
    p.end_offset_ns = static_cast<uint64_t>(config.duration_s * 1e9);
    phases.push_back(p);
    return phases;
  }
  const uint64_t slot = static_cast<uint64_t>(config.slot_ms) * 1000000ULL;
  uint64_t t = 0;
  for (int r = 0; r < config.rounds; ++r) {
    for (int k = 0; k < 2; ++k) {
      Phase p;
      p.group = (r % 2 == 0) ? k : 1 - k;
      p.round = r;
      p.warmup = r < config.warmup_rounds;
      p.start_offset_ns = t;
      t += slot;
      p.end_offset_ns = t;
      phases.push_back(p);
    }
  }
  return phases;
}

BenchResult RunBench(const BenchConfig& config) {
  BenchResult result;
  const size_t ngroups = config.groups.size();
  Workload workload(config.workload);
  int nthreads = std::max(1, config.threads);
  // Targets: every server of every group, numbered in order.
  std::vector<std::vector<int>> targets_of_group(ngroups);
  int ntargets = 0;
  for (size_t g = 0; g < ngroups; ++g) {
    for (const Endpoint& e : config.groups[g]) {
      targets_of_group[g].push_back(ntargets++);
      result.target_group.push_back(static_cast<int>(g));
      result.target_label.push_back(e.label);
    }
  }
  RequestBudget budget(config.requests);
  std::vector<std::unique_ptr<ClientThread>> threads;
  std::vector<const LiveCounters*> live;
  for (int t = 0; t < nthreads; ++t) {
    threads.push_back(
        std::make_unique<ClientThread>(config, t, targets_of_group, ntargets, &budget));
    live.push_back(threads.back()->live());
  }

  // Connections: group g's i-th connection goes to server i % servers and
  // thread i % threads; its preload range is every n-th key of that server.
  // Setup is bounded too: every connection must be up within kConnectBudget.
  constexpr uint64_t kConnectBudgetNs = 10ULL * 1000000000ULL;
  const uint64_t connect_deadline = NowNs() + kConnectBudgetNs;
  int max_depth = std::max(config.pipeline, 32);
  std::unique_ptr<TlsClient> tls;
  if (config.tls) {
    absl::StatusOr<std::unique_ptr<TlsClient>> made = TlsClient::Create(config.tls_ca);
    if (!made.ok()) {
      result.fatal = std::string(made.status().message());
      return result;
    }
    tls = std::move(*made);
  }
  for (size_t g = 0; g < ngroups; ++g) {
    const auto& servers = config.groups[g];
    std::vector<int> per_server(servers.size(), 0);
    for (int i = 0; i < config.connections; ++i) per_server[i % servers.size()]++;
    std::vector<int> ordinal(servers.size(), 0);
    for (int i = 0; i < config.connections; ++i) {
      size_t s = static_cast<size_t>(i) % servers.size();
      std::string error;
      uint64_t now = NowNs();
      int budget_ms =
          now >= connect_deadline
              ? 0
              : static_cast<int>(std::min<uint64_t>((connect_deadline - now) / 1000000, 2000));
      if (budget_ms <= 0) {
        result.fatal =
            absl::StrCat("connecting took longer than ", kConnectBudgetNs / 1000000000, " s (", i,
                         " of ", config.connections, " to ", servers[s].label, ")");
        return result;
      }
      int fd = ConnectEndpoint(servers[s], budget_ms, &error);
      if (fd < 0) {
        result.fatal = error;
        return result;
      }
      ssl_st* ssl = nullptr;
      if (tls != nullptr && (ssl = tls->Handshake(fd, budget_ms, &error)) == nullptr) {
        close(fd);
        result.fatal = absl::StrCat(servers[s].label, ": ", error);
        return result;
      }
      auto conn = std::make_unique<LoadConnection>(fd, static_cast<int>(g), targets_of_group[g][s],
                                                   &workload, max_depth);
      if (ssl != nullptr) conn->UseTls(ssl);
      conn->SetPreloadRange(static_cast<uint64_t>(ordinal[s]++),
                            static_cast<uint64_t>(per_server[s]));
      if (!threads[i % nthreads]->AddConnection(std::move(conn), &error)) {
        result.fatal = error;
        return result;
      }
    }
  }

  result.phases = BuildSchedule(config);
  std::atomic<uint64_t> t0{0};
  std::atomic<bool> preload_ok{true};
  uint64_t preload_start = NowNs();
  std::barrier sync(nthreads, [&]() noexcept { t0.store(NowNs() + 1000000ULL); });
  std::optional<ProgressReporter> progress;
  if (config.progress) progress.emplace([&live] { return SumLive(live); }, config.progress_tty);
  std::vector<std::thread> workers;
  for (int t = 0; t < nthreads; ++t) {
    workers.emplace_back([&, t]() {
      ClientThread* ct = threads[t].get();
      if (config.preload || config.preload_only) {
        uint64_t deadline = preload_start + static_cast<uint64_t>(config.preload_timeout_s * 1e9);
        if (!ct->Preload(deadline)) preload_ok.store(false);
      }
      sync.arrive_and_wait();
      if (!config.preload_only && preload_ok.load()) ct->RunPhases(result.phases, t0.load());
    });
  }
  for (auto& w : workers) w.join();
  uint64_t end = NowNs();
  if (progress) progress->Stop();
  result.preload_complete = preload_ok.load();
  result.preload_seconds = (config.preload || config.preload_only)
                               ? static_cast<double>(t0.load() - preload_start) / 1e9
                               : 0;
  result.elapsed_s = static_cast<double>(end - t0.load()) / 1e9;

  result.targets.resize(ntargets);
  result.target_lost.assign(ntargets, 0);
  result.groups.resize(ngroups);
  result.preload.resize(ngroups);
  result.connections_lost.assign(ngroups, 0);
  result.phase_rate.assign(result.phases.size(), 0);
  result.phase_requests.assign(result.phases.size(), 0);
  for (auto& ct : threads) {
    for (int t = 0; t < ntargets; ++t) {
      int g = result.target_group[t];
      result.targets[t].Merge(ct->stats()[t]);
      result.groups[g].Merge(ct->stats()[t]);
      result.preload[g].Merge(ct->preload_stats()[t]);
      result.target_lost[t] += ct->lost()[t];
      result.connections_lost[g] += ct->lost()[t];
    }
    for (size_t p = 0; p < ct->phase_ns().size(); ++p) {
      result.phase_requests[p] += ct->phase_requests()[p];
      if (ct->phase_ns()[p] > 0 && ct->HasGroup(result.phases[p].group)) {
        result.phase_rate[p] += static_cast<double>(ct->phase_requests()[p]) * 1e9 /
                                static_cast<double>(ct->phase_ns()[p]);
      }
    }
  }
  return result;
}

}  // namespace tandem::bench
