// A real network partition between the two nodes of a pair: each tandemd
// runs in its own network namespace, the namespaces joined by a veth pair.
// Cutting the link (both ways, then one way with a blackhole route) makes each node
// serve alone; writes on both sides, including a delete, converge once the
// link is healed. A second test impairs the link instead (delay and loss
// with netem where the kernel has it, else random drops with iptables and a
// rate limit) and checks that in sync mode no acknowledged write is lost when
// the node that took it is killed. Needs root and a kernel that allows `ip netns add`;
// otherwise the test skips, saying why. Namespaces and veths are named
// tandem_<pid>_* / tdm<pid>* and deleted in TearDown, even after a failure.
//
// The test's own client connections reach each node from a helper thread
// that has entered the node's namespace (setns applies per thread); the
// node is also started from that thread, which stays alive for the test
// (the child's parent-death signal follows the forking thread).
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/delay_relay.h"
#include "tests/integration/replication_harness.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;

bool Sh(const std::string& cmd) { return std::system(absl::StrCat(cmd, " >/dev/null 2>&1").c_str()) == 0; }

// What `cmd` prints on stdout ("" when it cannot run).
std::string ShOutput(const std::string& cmd) {
  std::string out;
  FILE* f = popen(absl::StrCat(cmd, " 2>/dev/null").c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  pclose(f);
  return out;
}

// A thread living in one network namespace, running closures on request.
class NamespaceThread {
 public:
  explicit NamespaceThread(const std::string& ns) {
    thread_ = std::thread([this, ns] {
      int fd = open(absl::StrCat("/var/run/netns/", ns).c_str(), O_RDONLY | O_CLOEXEC);
      const bool ok = fd >= 0 && setns(fd, CLONE_NEWNET) == 0;
      if (fd >= 0) close(fd);
      std::unique_lock<std::mutex> lock(mu_);
      entered_ = ok;
      started_ = true;
      cv_.notify_all();
      while (true) {
        cv_.wait(lock, [this] { return task_ != nullptr || quit_; });
        if (task_ == nullptr) return;
        std::function<void()> task = std::move(task_);
        task_ = nullptr;
        lock.unlock();
        task();
        lock.lock();
        done_ = true;
        cv_.notify_all();
      }
    });
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return started_; });
  }
  ~NamespaceThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
      cv_.notify_all();
    }
    thread_.join();
  }
  bool entered() const { return entered_; }
  void Run(std::function<void()> fn) {
    std::unique_lock<std::mutex> lock(mu_);
    done_ = false;
    task_ = std::move(fn);
    cv_.notify_all();
    cv_.wait(lock, [this] { return done_; });
  }
  std::string Request(int port, const std::string& req, std::string_view until = "\r\n") {
    std::string out;
    Run([&] { out = repl::Request(port, req, until); });
    return out;
  }
  std::string Get(int port, const std::string& key) { return Request(port, absl::StrCat("gets ", key, "\r\n"), "END\r\n"); }
  std::string ReplStat(int port, const std::string& name) {
    std::string out;
    Run([&] { out = repl::ReplStat(port, name); });
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> task_;
  bool started_ = false, entered_ = false, done_ = false, quit_ = false;
  std::thread thread_;
};

class ReplicationPartitionTest : public ::testing::Test {
 protected:
  static constexpr const char* kAddrA = "10.213.77.1";
  static constexpr const char* kAddrB = "10.213.77.2";

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "partition test skipped: needs root for ip netns";
    const std::string id = absl::StrCat(getpid());
    ns_a_ = absl::StrCat("tandem_", id, "_a");
    ns_b_ = absl::StrCat("tandem_", id, "_b");
    veth_a_ = absl::StrCat("tdm", id, "a");
    veth_b_ = absl::StrCat("tdm", id, "b");
    if (!Sh(absl::StrCat("ip netns add ", ns_a_))) GTEST_SKIP() << "partition test skipped: `ip netns add` failed";
    created_a_ = true;
    created_b_ = Sh(absl::StrCat("ip netns add ", ns_b_));
    const bool ok =
        created_b_ &&
        Sh(absl::StrCat("ip link add ", veth_a_, " netns ", ns_a_, " type veth peer name ", veth_b_, " netns ", ns_b_)) &&
        Sh(absl::StrCat("ip -n ", ns_a_, " addr add ", kAddrA, "/24 dev ", veth_a_)) &&
        Sh(absl::StrCat("ip -n ", ns_b_, " addr add ", kAddrB, "/24 dev ", veth_b_)) &&
        Sh(absl::StrCat("ip -n ", ns_a_, " link set lo up")) && Sh(absl::StrCat("ip -n ", ns_b_, " link set lo up")) &&
        Sh(absl::StrCat("ip -n ", ns_a_, " link set ", veth_a_, " up")) &&
        Sh(absl::StrCat("ip -n ", ns_b_, " link set ", veth_b_, " up"));
    if (!ok) GTEST_SKIP() << "partition test skipped: could not set up the veth pair between namespaces";
    in_a_ = std::make_unique<NamespaceThread>(ns_a_);
    in_b_ = std::make_unique<NamespaceThread>(ns_b_);
    if (!in_a_->entered() || !in_b_->entered()) GTEST_SKIP() << "partition test skipped: setns failed";
  }

  void TearDown() override {
    // Processes first (by PID), then the threads they were forked from,
    // then the namespaces (which takes the veth pair with them).
    if (in_a_ != nullptr) in_a_->Run([this] { a_.reset(); });
    if (in_b_ != nullptr) in_b_->Run([this] { b_.reset(); });
    relay_.reset();
    in_a_.reset();
    in_b_.reset();
    if (created_a_) Sh(absl::StrCat("ip netns del ", ns_a_));
    if (created_b_) Sh(absl::StrCat("ip netns del ", ns_b_));
  }

  // Starts a node inside `ns`; `fixed_ports` restarts one on the ports it had.
  std::unique_ptr<ServerProcess> StartIn(NamespaceThread& ns, const char* addr, std::vector<std::string> extra,
                                         std::vector<int> fixed_ports = {}) {
    std::unique_ptr<ServerProcess> p;
    ns.Run([&] {
      ServerOptions o;
      o.fixed_ports = fixed_ports;
      o.binary = TandemdPath();
      o.add_listen_args = false;
      o.args = {"-p", "{port}", "-l", absl::StrCat("127.0.0.1,", addr), "-U", "0", "-u", "root", "-X", "{port1}",
                "--repl-heartbeat-ms=100", "--repl-timeout-ms=1000"};
      o.args.insert(o.args.end(), extra.begin(), extra.end());
      o.extra_port_count = 1;
      absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(o);
      EXPECT_TRUE(started.ok()) << started.status();
      if (started.ok()) p = std::move(*started);
    });
    return p;
  }

  // Delay and loss on both directions of the veth link with netem, when the
  // kernel has it.
  bool ImpairWithNetem() {
    const std::string netem = " root netem delay 15ms 5ms loss 5%";
    return Sh(absl::StrCat("ip netns exec ", ns_a_, " tc qdisc add dev ", veth_a_, netem)) &&
           Sh(absl::StrCat("ip netns exec ", ns_b_, " tc qdisc add dev ", veth_b_, netem));
  }
  // Without netem: iptables drops 5% of the packets each way at random.
  bool DropWithIptables() {
    const std::string drop = " -m statistic --mode random --probability 0.05 -j DROP";
    return Sh(absl::StrCat("ip netns exec ", ns_a_, " iptables -A OUTPUT -o ", veth_a_, drop)) &&
           Sh(absl::StrCat("ip netns exec ", ns_b_, " iptables -A OUTPUT -o ", veth_b_, drop));
  }
  // Packets the DropWithIptables rules dropped, both ways.
  uint64_t PacketsDroppedByIptables() {
    uint64_t total = 0;
    for (const std::string& ns : {ns_a_, ns_b_}) {
      // `-v -x -n` rows: pkts bytes target ...; the rule's row ends the output.
      const std::string rows = ShOutput(absl::StrCat("ip netns exec ", ns, " iptables -L OUTPUT -v -x -n"));
      for (absl::string_view row : absl::StrSplit(rows, '\n', absl::SkipEmpty())) {
        std::vector<absl::string_view> cols = absl::StrSplit(row, ' ', absl::SkipEmpty());
        uint64_t pkts = 0;
        if (cols.size() > 2 && cols[2] == "DROP" && absl::SimpleAtoi(cols[0], &pkts)) total += pkts;
      }
    }
    return total;
  }

  bool Linked() {
    return in_a_->ReplStat(a_->port(), "link") == "up" && in_b_->ReplStat(b_->port(), "link") == "up";
  }
  bool BothDown() {
    return in_a_->ReplStat(a_->port(), "link") == "down" && in_b_->ReplStat(b_->port(), "link") == "down";
  }
  // Waits until `gets keys` answers alike on both nodes; returns it.
  std::string Converged(const std::string& keys) {
    std::string ra, rb;
    repl::WaitUntil([&] {
      ra = in_a_->Get(a_->port(), keys);
      rb = in_b_->Get(b_->port(), keys);
      return !ra.empty() && ra == rb;
    });
    EXPECT_EQ(ra, rb) << keys << "\n" << Logs();
    return ra;
  }
  std::string Logs() { return absl::StrCat("--- a:\n", a_->CapturedOutput(), "--- b:\n", b_->CapturedOutput()); }
  std::string SetCmd(const std::string& key, const std::string& value) {
    return absl::StrCat("set ", key, " 0 0 ", value.size(), "\r\n", value, "\r\n");
  }

  // A sync-mode write on `port` through `ns`: whether its reply was
  // released by the peer's acknowledgement (sync_acked moved and
  // sync_timeouts did not; the test is the node's only writer).
  bool AcknowledgedSet(NamespaceThread& ns, int port, const std::string& key, const std::string& value) {
    const std::string timeouts = ns.ReplStat(port, "sync_timeouts"), acked = ns.ReplStat(port, "sync_acked");
    if (ns.Request(port, SetCmd(key, value)) != "STORED\r\n") return false;
    return ns.ReplStat(port, "sync_timeouts") == timeouts && ns.ReplStat(port, "sync_acked") != acked;
  }

  std::string ns_a_, ns_b_, veth_a_, veth_b_;
  bool created_a_ = false, created_b_ = false;
  std::unique_ptr<NamespaceThread> in_a_, in_b_;
  std::unique_ptr<ServerProcess> a_, b_;
  std::unique_ptr<DelayRelay> relay_;  // in b's namespace, when the test needs one
};

TEST_F(ReplicationPartitionTest, WritesOnBothSidesOfAPartitionConverge) {
  a_ = StartIn(*in_a_, kAddrA, {});
  ASSERT_NE(a_, nullptr);
  b_ = StartIn(*in_b_, kAddrB, {"-x", absl::StrCat(kAddrA, ":", a_->extra_ports()[0])});
  ASSERT_NE(b_, nullptr);
  ASSERT_TRUE(repl::WaitUntil([&] { return Linked(); })) << Logs();
  const int pa = a_->port(), pb = b_->port();
  ASSERT_EQ(in_a_->Request(pa, SetCmd("doomed", "x")), "STORED\r\n");
  ASSERT_EQ(in_a_->Request(pa, SetCmd("shared", "before")), "STORED\r\n");
  ASSERT_THAT(Converged("doomed shared"), HasSubstr("before"));

  // Both ways: the veth goes down; each side serves alone, the slave promotes.
  ASSERT_TRUE(Sh(absl::StrCat("ip -n ", ns_a_, " link set ", veth_a_, " down")));
  ASSERT_TRUE(repl::WaitUntil([&] { return BothDown(); })) << Logs();
  EXPECT_TRUE(repl::WaitUntil([&] { return in_b_->ReplStat(pb, "role") == "master"; })) << Logs();
  EXPECT_EQ(in_a_->Request(pa, SetCmd("only:a", "1")), "STORED\r\n");
  EXPECT_EQ(in_a_->Request(pa, "delete doomed\r\n"), "DELETED\r\n");
  EXPECT_EQ(in_a_->Request(pa, SetCmd("shared", "from-a")), "STORED\r\n");
  absl::SleepFor(absl::Milliseconds(5));  // b's write is the later one by the clock
  EXPECT_EQ(in_b_->Request(pb, SetCmd("only:b", "2")), "STORED\r\n");
  EXPECT_EQ(in_b_->Request(pb, SetCmd("shared", "from-b")), "STORED\r\n");
  ASSERT_TRUE(Sh(absl::StrCat("ip -n ", ns_a_, " link set ", veth_a_, " up")));
  ASSERT_TRUE(repl::WaitUntil([&] { return Linked(); })) << Logs();
  EXPECT_THAT(Converged("only:a"), HasSubstr("\r\n1\r\n"));
  EXPECT_THAT(Converged("only:b"), HasSubstr("\r\n2\r\n"));
  EXPECT_EQ(Converged("doomed"), "END\r\n");
  EXPECT_THAT(Converged("shared"), HasSubstr("from-b"));

  // One way: a blackhole route drops everything a sends to b; b's packets
  // still arrive at a.
  const std::string blackhole = absl::StrCat("ip -n ", ns_a_, " route %s blackhole ", kAddrB, "/32");
  if (!Sh(absl::StrReplaceAll(blackhole, {{"%s", "add"}}))) {
    std::fprintf(stderr, "one-way partition skipped: cannot add a blackhole route\n");
    return;
  }
  ASSERT_TRUE(repl::WaitUntil([&] { return in_b_->ReplStat(pb, "link") == "down"; })) << Logs();
  EXPECT_EQ(in_a_->Request(pa, SetCmd("oneway:a", "3")), "STORED\r\n");
  EXPECT_EQ(in_b_->Request(pb, SetCmd("oneway:b", "4")), "STORED\r\n");
  EXPECT_EQ(in_b_->Request(pb, "delete only:a\r\n"), "DELETED\r\n");
  ASSERT_TRUE(Sh(absl::StrReplaceAll(blackhole, {{"%s", "del"}})));
  ASSERT_TRUE(repl::WaitUntil([&] { return Linked(); })) << Logs();
  EXPECT_THAT(Converged("oneway:a"), HasSubstr("\r\n3\r\n"));
  EXPECT_THAT(Converged("oneway:b"), HasSubstr("\r\n4\r\n"));
  EXPECT_EQ(Converged("only:a"), "END\r\n");
}

// Sync mode over a lossy, slow link: every write acknowledged by the peer
// survives a kill -9 of the node that took it, and the killed node, restarted
// on the same impaired link, rejoins with everything both sides wrote.
// netem impairs the veth where the kernel has it; otherwise iptables drops
// packets and b dials a through a relay that delays every byte.
TEST_F(ReplicationPartitionTest, SyncWritesOverALossyLinkSurviveKillingTheirNode) {
  const std::vector<std::string> sync = {"--repl-sync", "--repl-sync-timeout=5000", "--repl-timeout-ms=5000"};
  a_ = StartIn(*in_a_, kAddrA, sync);
  ASSERT_NE(a_, nullptr);
  std::string dial = absl::StrCat(kAddrA, ":", a_->extra_ports()[0]);
  std::string impaired = "netem: 15 ms +- 5 ms delay and 5% loss each way";
  const bool netem = ImpairWithNetem();
  if (!netem) {
    impaired = DropWithIptables() ? "iptables: 5% random loss each way" : "no loss (iptables failed)";
    const int target = a_->extra_ports()[0];
    in_b_->Run([&] { relay_ = std::make_unique<DelayRelay>(kAddrB, kAddrA, target, absl::Milliseconds(20)); });
    ASSERT_NE(relay_->port(), 0);
    dial = absl::StrCat(kAddrB, ":", relay_->port());
    absl::StrAppend(&impaired, "; a relay delaying every byte 20 ms each way (no netem)");
  }
  std::fprintf(stderr, "impaired link: %s\n", impaired.c_str());
  std::vector<std::string> slave = sync;
  slave.insert(slave.end(), {"-x", dial});
  b_ = StartIn(*in_b_, kAddrB, slave);
  ASSERT_NE(b_, nullptr);
  ASSERT_TRUE(repl::WaitUntil([&] { return Linked(); })) << Logs();

  const int pa = a_->port(), pb = b_->port();
  std::vector<std::string> acked_on_a;
  std::string all_keys;
  int acked_on_b = 0;
  constexpr int kWrites = 120;  // every 4th on b; the last one on a
  const absl::Time start = absl::Now();
  for (int i = 0; i < kWrites && absl::Now() < start + absl::Seconds(60); ++i) {
    const bool on_b = i % 4 == 1;
    const std::string key = absl::StrCat(on_b ? "lossy:b:" : "lossy:a:", i);
    absl::StrAppend(&all_keys, all_keys.empty() ? "" : " ", key);
    if (!AcknowledgedSet(on_b ? *in_b_ : *in_a_, on_b ? pb : pa, key, absl::StrCat("v", i))) continue;
    if (on_b) {
      ++acked_on_b;
    } else {
      acked_on_a.push_back(key);
    }
  }
  // Killed at once: a reply released before the peer applied the write
  // would leave the last records in flight on the delayed link.
  const std::vector<int> ports_a = {pa, a_->extra_ports()[0]};
  in_a_->Run([this] { a_->Kill(); });
  std::fprintf(stderr, "acknowledged: %zu of %d writes on a, %d of %d on b in %.1f s; iptables dropped %llu packets\n",
               acked_on_a.size(), kWrites * 3 / 4, acked_on_b, kWrites / 4,
               absl::ToDoubleSeconds(absl::Now() - start), static_cast<unsigned long long>(PacketsDroppedByIptables()));
  // A 5 s bound on a link that loses 5% of its packets: nearly all are acked.
  ASSERT_GE(acked_on_a.size(), static_cast<size_t>(kWrites / 2)) << Logs();
  for (const std::string& key : acked_on_a) {
    EXPECT_THAT(in_b_->Get(pb, key), HasSubstr(absl::StrCat("\r\nv", key.substr(key.rfind(':') + 1), "\r\n")))
        << "acknowledged write lost: " << key << "\n" << Logs();
  }

  // The killed node comes back empty over the impaired link and rejoins.
  in_a_->Run([this] { a_.reset(); });
  a_ = StartIn(*in_a_, kAddrA, sync, ports_a);
  ASSERT_NE(a_, nullptr);
  ASSERT_TRUE(repl::WaitUntil([&] { return Linked(); }, absl::Seconds(60))) << Logs();
  const std::string both = Converged(all_keys);
  for (const std::string& key : acked_on_a) EXPECT_THAT(both, HasSubstr(absl::StrCat("VALUE ", key, " ")));
  ASSERT_EQ(in_a_->Request(pa, SetCmd("after", "h")), "STORED\r\n");
  EXPECT_THAT(Converged("after"), HasSubstr("\r\nh\r\n"));
}

}  // namespace
}  // namespace tandem::testing
