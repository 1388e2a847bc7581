// Replication between real tandemd processes on loopback: a pair started
// repcached-style (-X on the master, -x on the slave) or symmetrically,
// and what happens to it: every text mutation streams across byte for byte
// (same value, flags and CAS), writes on either node reach the other, a
// late joiner gets a full copy, the slave takes over when the master is
// killed and the old master rejoins as slave, a peer without the secret is
// refused, and garbage on the replication port is shut out.
//
// Every wait polls with a generous deadline and returns as soon as the
// condition holds, so the suite is fast on an idle machine and still passes
// on a loaded one. Processes are owned by ServerProcess (stopped by PID).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/replication_harness.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;

// Fast heartbeats keep the failover test short; the timeout stays at the
// default so a loaded CI machine does not see spurious silences.
const std::vector<std::string> kTuning = {"--repl-heartbeat-ms=100", "--repl-timeout-ms=1000"};

using repl::Request;
using repl::ReplStat;
using repl::WaitUntil;

std::map<std::string, std::string> ReplStats(int port) { return repl::StatsOf(port, "replication"); }

uint64_t GeneralStat(int port, const std::string& name) {
  std::string reply = Request(port, "stats\r\n", "END\r\n");
  std::string prefix = absl::StrCat("STAT ", name, " ");
  size_t at = reply.find(prefix);
  if (at == std::string::npos) return 0;
  uint64_t v = 0;
  size_t end = reply.find("\r\n", at);
  (void)absl::SimpleAtoi(reply.substr(at + prefix.size(), end - at - prefix.size()), &v);
  return v;
}

std::string Gets(int port, const std::string& key) { return repl::Get(port, key); }

struct Pair {
  std::unique_ptr<ServerProcess> master;
  std::unique_ptr<ServerProcess> slave;
  int master_repl() const { return master->extra_ports()[0]; }
};

std::unique_ptr<ServerProcess> StartNode(std::vector<std::string> args, std::vector<int> fixed_ports = {}) {
  ServerOptions o;
  o.binary = TandemdPath();
  o.args = std::move(args);
  o.args.insert(o.args.end(), kTuning.begin(), kTuning.end());
  o.extra_port_count = 1;
  o.fixed_ports = std::move(fixed_ports);
  absl::StatusOr<std::unique_ptr<ServerProcess>> p = ServerProcess::Start(o);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::move(*p) : nullptr;
}

std::unique_ptr<ServerProcess> StartMaster(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"-X", "{port1}"};
  args.insert(args.end(), extra.begin(), extra.end());
  return StartNode(args);
}

std::unique_ptr<ServerProcess> StartSlave(int master_repl_port, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"-x", absl::StrCat("127.0.0.1:", master_repl_port), "-X", "{port1}"};
  args.insert(args.end(), extra.begin(), extra.end());
  return StartNode(args);
}

bool LinkUp(ServerProcess& p) { return ReplStat(p.port(), "link") == "up"; }

Pair StartPair() {
  Pair pair;
  pair.master = StartMaster();
  if (pair.master == nullptr) return pair;
  pair.slave = StartSlave(pair.master_repl());
  if (pair.slave == nullptr) return pair;
  EXPECT_TRUE(WaitUntil([&] { return LinkUp(*pair.master) && LinkUp(*pair.slave); }))
      << pair.master->CapturedOutput() << pair.slave->CapturedOutput();
  return pair;
}

// Waits until `gets key` answers the same on both nodes; returns that answer.
std::string Converged(int a, int b, const std::string& key) {
  std::string ra, rb;
  WaitUntil([&] {
    ra = Gets(a, key);
    rb = Gets(b, key);
    return !ra.empty() && ra == rb;
  });
  EXPECT_EQ(ra, rb) << "key " << key;
  return ra;
}

// ---------------------------------------------------------------------------

TEST(ReplicationPair, StatsReplicationHasEveryContractField) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  std::map<std::string, std::string> m = ReplStats(pair.master->port());
  for (const char* f : {"role", "peer", "link", "epoch", "repl_offset", "peer_acked_offset", "lag_bytes",
                        "full_syncs", "partial_syncs", "promotions", "conflicts_resolved", "last_heartbeat_ms",
                        "forwarded_commands", "sync_nacked"}) {
    EXPECT_TRUE(m.count(f)) << f;
  }
  EXPECT_EQ(m["role"], "master");
  EXPECT_EQ(ReplStat(pair.slave->port(), "role"), "slave");
  // A node without -x/-X reports role none.
  std::unique_ptr<ServerProcess> plain = StartNode({});
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(ReplStat(plain->port(), "role"), "none");
  EXPECT_EQ(ReplStat(plain->port(), "link"), "down");
}

TEST(ReplicationPair, SetOnMasterAppearsOnSlaveByteForByte) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.master->port(), s = pair.slave->port();
  std::string value = "bin\x01\x02\xff value";
  ASSERT_EQ(Request(m, absl::StrCat("set k1 4294967295 1000 ", value.size(), "\r\n", value, "\r\n"), "\r\n"),
            "STORED\r\n");
  std::string on_master = Gets(m, "k1");
  EXPECT_THAT(on_master, HasSubstr("VALUE k1 4294967295 "));
  EXPECT_EQ(Converged(m, s, "k1"), on_master);  // same flags, value and CAS
  // And the other way round: a write on the slave reaches the master.
  ASSERT_EQ(Request(s, "set k2 7 0 5\r\nhello\r\n", "\r\n"), "STORED\r\n");
  std::string on_slave = Gets(s, "k2");
  EXPECT_EQ(Converged(m, s, "k2"), on_slave);
  // gets on one node, cas on the other.
  uint64_t cas = 0;
  std::vector<std::string> parts = absl::StrSplit(on_master.substr(0, on_master.find("\r\n")), ' ');
  ASSERT_EQ(parts.size(), 5u);
  ASSERT_TRUE(absl::SimpleAtoi(parts[4], &cas));
  EXPECT_EQ(Request(s, absl::StrCat("cas k1 0 0 3 ", cas, "\r\nnew\r\n"), "\r\n"), "STORED\r\n");
  EXPECT_THAT(Converged(m, s, "k1"), HasSubstr("\r\nnew\r\n"));
}

TEST(ReplicationPair, EveryTextMutationReplicates) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.master->port(), s = pair.slave->port();
  auto run = [&](const std::string& req) { return Request(m, req, "\r\n"); };
  EXPECT_EQ(run("set a 1 0 1\r\nA\r\n"), "STORED\r\n");
  EXPECT_EQ(run("add b 2 0 1\r\nB\r\n"), "STORED\r\n");
  EXPECT_EQ(run("set c 3 0 1\r\nC\r\n"), "STORED\r\n");
  EXPECT_EQ(run("replace c 33 0 2\r\nCC\r\n"), "STORED\r\n");
  EXPECT_EQ(run("append a 0 0 2\r\n-x\r\n"), "STORED\r\n");
  EXPECT_EQ(run("prepend a 0 0 2\r\ny-\r\n"), "STORED\r\n");
  EXPECT_EQ(run("set n 0 0 2\r\n10\r\n"), "STORED\r\n");
  EXPECT_EQ(run("incr n 5\r\n"), "15\r\n");
  EXPECT_EQ(run("decr n 3\r\n"), "12\r\n");
  EXPECT_EQ(run("set d 0 0 1\r\nD\r\n"), "STORED\r\n");
  EXPECT_EQ(run("set t 9 0 1\r\nT\r\n"), "STORED\r\n");
  EXPECT_EQ(run("touch t 1000\r\n"), "TOUCHED\r\n");
  EXPECT_THAT(Request(m, "gat 2000 t\r\n", "END\r\n"), HasSubstr("VALUE t 9 1"));
  std::string g = Gets(m, "b");
  std::string cas = g.substr(0, g.find("\r\n"));
  cas = cas.substr(cas.rfind(' ') + 1);
  EXPECT_EQ(run(absl::StrCat("cas b 22 0 2 ", cas, "\r\nBB\r\n")), "STORED\r\n");
  for (const char* key : {"a", "b", "c", "n", "d", "t"}) Converged(m, s, key);
  EXPECT_THAT(Gets(s, "a"), HasSubstr("VALUE a 1 5 "));
  EXPECT_THAT(Gets(s, "a"), HasSubstr("\r\ny-A-x\r\n"));
  EXPECT_THAT(Gets(s, "b"), HasSubstr("VALUE b 22 2 "));
  EXPECT_THAT(Gets(s, "c"), HasSubstr("VALUE c 33 2 "));
  EXPECT_THAT(Gets(s, "n"), HasSubstr("\r\n12\r\n"));
  EXPECT_EQ(run("delete d\r\n"), "DELETED\r\n");
  EXPECT_TRUE(WaitUntil([&] { return Gets(s, "d") == "END\r\n"; }));
  // Touch with a past time expires the item on both.
  EXPECT_EQ(run("touch t -1\r\n"), "TOUCHED\r\n");
  EXPECT_TRUE(WaitUntil([&] { return Gets(s, "t") == "END\r\n"; }));
  EXPECT_EQ(run("flush_all\r\n"), "OK\r\n");
  EXPECT_TRUE(WaitUntil([&] { return Gets(s, "a") == "END\r\n" && Gets(s, "c") == "END\r\n"; }));
  // The stream is acknowledged: nothing left in flight.
  EXPECT_TRUE(WaitUntil([&] { return ReplStat(m, "lag_bytes") == "0"; }));
}

TEST(ReplicationPair, MetaMutationsReplicateWithFlagsTtlAndCas) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.master->port(), s = pair.slave->port();
  ASSERT_EQ(Request(m, "ms mk 2 F5 T100\r\nhi\r\n", "\r\n"), "HD\r\n");
  ASSERT_EQ(Request(m, "ma cnt N0 J7\r\n", "\r\n"), "HD\r\n");
  ASSERT_EQ(Request(m, "ms gone 1\r\nx\r\n", "\r\n"), "HD\r\n");
  ASSERT_EQ(Request(m, "md gone\r\n", "\r\n"), "HD\r\n");
  std::string on_master = Request(m, "mg mk v f c\r\n", "hi\r\n");
  // A replicating node's CAS comes from its hybrid clock (unique across the
  // pair), not memcached's counter; the slave must show the same token.
  EXPECT_EQ(on_master.rfind("VA 2 f5 c", 0), 0u) << on_master;
  EXPECT_NE(on_master, "VA 2 f5 c1\r\nhi\r\n");
  std::string on_slave;
  EXPECT_TRUE(WaitUntil([&] {
    on_slave = Request(s, "mg mk v f c\r\n", "\r\n");
    return on_slave.rfind("VA", 0) == 0;
  }));
  EXPECT_EQ(Request(s, "mg mk v f c\r\n", "hi\r\n"), on_master);
  // The remaining TTL travels as an absolute time: equal up to the second boundary.
  std::string ttl = Request(s, "mg mk t\r\n", "\r\n");
  EXPECT_TRUE(ttl == "HD t100\r\n" || ttl == "HD t99\r\n") << ttl;
  EXPECT_TRUE(WaitUntil([&] { return Request(s, "mg cnt v\r\n", "\r\n") == "VA 1\r\n"; }));
  EXPECT_EQ(Request(s, "mg gone v\r\n", "\r\n"), "EN\r\n");
}

TEST(ReplicationPair, LateSlaveGetsAFullCopy) {
  std::unique_ptr<ServerProcess> master = StartMaster();
  ASSERT_NE(master, nullptr);
  const int kItems = 10000;
  std::string batch;
  for (int i = 0; i < kItems; ++i) {
    std::string v = absl::StrCat("value-", i, "-", std::string(i % 50, 'z'));
    absl::StrAppend(&batch, "set key:", i, " ", i, " 0 ", v.size(), " noreply\r\n", v, "\r\n");
  }
  absl::StrAppend(&batch, "mn\r\nversion\r\n");
  ASSERT_THAT(Request(master->port(), batch, "VERSION"), HasSubstr("VERSION"));
  ASSERT_EQ(GeneralStat(master->port(), "curr_items"), static_cast<uint64_t>(kItems));
  absl::Time start = absl::Now();
  std::unique_ptr<ServerProcess> slave = StartSlave(master->extra_ports()[0]);
  ASSERT_NE(slave, nullptr);
  EXPECT_TRUE(WaitUntil([&] { return GeneralStat(slave->port(), "curr_items") == kItems; }))
      << GeneralStat(slave->port(), "curr_items");
  std::fprintf(stderr, "full copy of %d items: %.0f ms\n", kItems, absl::ToDoubleMilliseconds(absl::Now() - start));
  for (int i : {0, 1, 4999, 9999}) {
    std::string key = absl::StrCat("key:", i);
    EXPECT_EQ(Gets(slave->port(), key), Gets(master->port(), key)) << key;
  }
  EXPECT_TRUE(WaitUntil([&] { return ReplStat(slave->port(), "link") == "up"; }));
  EXPECT_EQ(ReplStat(slave->port(), "full_syncs"), "1");
  // The other way there is nothing to copy: the joiner held nothing, so the
  // master got no full copy, and the joiner's stream still reaches it.
  EXPECT_EQ(ReplStat(master->port(), "full_syncs"), "0");
  EXPECT_THAT(slave->CapturedOutput(), HasSubstr("this node holds nothing: no full copy"));
  EXPECT_THAT(master->CapturedOutput(), HasSubstr("holds nothing: no full copy to receive"));
  ASSERT_EQ(Request(slave->port(), "set from_joiner 0 0 2\r\nhi\r\n", "\r\n"), "STORED\r\n");
  EXPECT_TRUE(WaitUntil([&] { return Gets(master->port(), "from_joiner") == Gets(slave->port(), "from_joiner"); }));
  EXPECT_THAT(Gets(master->port(), "from_joiner"), HasSubstr("hi"));
}

TEST(ReplicationPair, SlavePromotesWhenMasterDiesAndOldMasterRejoins) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.master->port(), s = pair.slave->port();
  const std::vector<int> master_ports = {m, pair.master_repl()};
  ASSERT_EQ(Request(m, "set before 0 0 3\r\nold\r\n", "\r\n"), "STORED\r\n");
  Converged(m, s, "before");

  absl::Time killed = absl::Now();
  pair.master->Kill();
  ASSERT_TRUE(WaitUntil([&] { return ReplStat(s, "role") == "master"; }, absl::Seconds(10)))
      << pair.slave->CapturedOutput();
  std::fprintf(stderr, "promotion %.0f ms after kill -9\n", absl::ToDoubleMilliseconds(absl::Now() - killed));
  EXPECT_EQ(ReplStat(s, "epoch"), "1");
  EXPECT_EQ(ReplStat(s, "promotions"), "1");
  // The survivor keeps serving reads and writes.
  EXPECT_THAT(Gets(s, "before"), HasSubstr("\r\nold\r\n"));
  ASSERT_EQ(Request(s, "set after 0 0 3\r\nnew\r\n", "\r\n"), "STORED\r\n");

  // The old master, restarted with its original command line, joins as slave.
  std::unique_ptr<ServerProcess> back = StartNode({"-X", "{port1}"}, master_ports);
  ASSERT_NE(back, nullptr);
  EXPECT_TRUE(WaitUntil([&] { return ReplStat(m, "role") == "slave" && ReplStat(m, "link") == "up"; }))
      << back->CapturedOutput() << pair.slave->CapturedOutput();
  EXPECT_EQ(ReplStat(m, "epoch"), "1");
  EXPECT_EQ(Converged(m, s, "before"), Gets(s, "before"));
  EXPECT_EQ(Converged(m, s, "after"), Gets(s, "after"));
  // And it streams again, both ways.
  ASSERT_EQ(Request(m, "set again 0 0 1\r\nz\r\n", "\r\n"), "STORED\r\n");
  Converged(m, s, "again");
}

TEST(ReplicationPair, SymmetricStartAgreesOnRoles) {
  absl::StatusOr<int> pa = PickFreePort(), ra = PickFreePort(), pb = PickFreePort(), rb = PickFreePort();
  ASSERT_TRUE(pa.ok() && ra.ok() && pb.ok() && rb.ok());
  std::unique_ptr<ServerProcess> a =
      StartNode({"-x", absl::StrCat("127.0.0.1:", *rb), "-X", "{port1}"}, {*pa, *ra});
  std::unique_ptr<ServerProcess> b =
      StartNode({"-x", absl::StrCat("127.0.0.1:", *ra), "-X", "{port1}"}, {*pb, *rb});
  ASSERT_TRUE(a != nullptr && b != nullptr);
  ASSERT_TRUE(WaitUntil([&] { return LinkUp(*a) && LinkUp(*b); })) << a->CapturedOutput() << b->CapturedOutput();
  std::string roles = absl::StrCat(ReplStat(*pa, "role"), "/", ReplStat(*pb, "role"));
  EXPECT_TRUE(roles == "master/slave" || roles == "slave/master") << roles;
  ASSERT_EQ(Request(*pa, "set from_a 0 0 1\r\na\r\n", "\r\n"), "STORED\r\n");
  ASSERT_EQ(Request(*pb, "set from_b 0 0 1\r\nb\r\n", "\r\n"), "STORED\r\n");
  Converged(*pa, *pb, "from_a");
  Converged(*pa, *pb, "from_b");
}

TEST(ReplicationPair, WrongSecretIsRefusedAndGetsNoData) {
  std::string dir = absl::StrCat(::testing::TempDir(), "/repl-secret-", getpid());
  std::filesystem::create_directories(dir);
  std::string good = dir + "/good", bad = dir + "/bad";
  std::ofstream(good) << "correct horse battery staple\n";
  std::ofstream(bad) << "wrong secret\n";
  // Secret files must be private (tandemd refuses one others can read).
  std::filesystem::permissions(good, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::permissions(bad, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::unique_ptr<ServerProcess> master = StartMaster({absl::StrCat("--repl-secret=", good)});
  ASSERT_NE(master, nullptr);
  ASSERT_EQ(Request(master->port(), "set secret 0 0 4\r\ndata\r\n", "\r\n"), "STORED\r\n");
  std::unique_ptr<ServerProcess> slave = StartSlave(master->extra_ports()[0], {absl::StrCat("--repl-secret=", bad)});
  ASSERT_NE(slave, nullptr);
  // Each node refuses the other's proof. Which one checks first is a race
  // (the first to refuse closes, and the other may only see the close), so
  // the refusal is logged and counted on at least one side; the node holding
  // the data never authenticates the stranger, so it gives it nothing.
  auto refused = [](ServerProcess& p) {
    return p.CapturedOutput().find("failed authentication") != std::string::npos;
  };
  EXPECT_TRUE(WaitUntil([&] { return refused(*master) || refused(*slave); }))
      << master->CapturedOutput() << slave->CapturedOutput();
  EXPECT_TRUE(ReplStat(master->port(), "auth_failures") != "0" || ReplStat(slave->port(), "auth_failures") != "0");
  EXPECT_EQ(Gets(slave->port(), "secret"), "END\r\n");
  EXPECT_EQ(ReplStat(master->port(), "link"), "down");
  // The right secret works.
  std::unique_ptr<ServerProcess> good_slave =
      StartSlave(master->extra_ports()[0], {absl::StrCat("--repl-secret=", good)});
  ASSERT_NE(good_slave, nullptr);
  slave->Kill();
  EXPECT_TRUE(WaitUntil([&] { return Gets(good_slave->port(), "secret").find("data") != std::string::npos; }));
  std::filesystem::remove_all(dir);
}

TEST(ReplicationPair, GarbageOnTheReplicationPortIsClosed) {
  std::unique_ptr<ServerProcess> master = StartMaster();
  ASSERT_NE(master, nullptr);
  const int repl = master->extra_ports()[0];
  for (std::string junk : {std::string("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"), std::string("stats\r\n"),
                           std::string(4096, '\xff'), std::string("\x10\x00\x00\x00garbagegarbage", 18)}) {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(repl);
    ASSERT_TRUE(s.ok());
    (void)s->Send(junk);
    // Short junk waits for more bytes until the handshake timeout (2 s).
    EXPECT_TRUE(s->IsClosedByPeer(absl::Seconds(10))) << EscapeBytes(junk);
  }
  EXPECT_TRUE(master->IsRunning());
  EXPECT_EQ(Request(master->port(), "set ok 0 0 1\r\n1\r\n", "\r\n"), "STORED\r\n");
  EXPECT_EQ(ReplStat(master->port(), "link"), "down");
}

// ---------------------------------------------------------------------------
// What roles decide (role.h): who takes over, and who keeps the title.
// ---------------------------------------------------------------------------

// A master and its slave through the shared harness (no kTuning appended),
// each given `flags`; waits for the link.
repl::Pair TunedPair(const std::vector<std::string>& flags) { return repl::StartPair(flags); }

TEST(ReplicationRoles, ASlavePausedPastTheTimeoutDoesNotDemoteTheMaster) {
  repl::Pair pair = TunedPair({"--repl-heartbeat-ms=100", "--repl-timeout-ms=1000"});
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.m(), s = pair.s();
  ASSERT_TRUE(repl::Freeze(*pair.slave));
  // The master notices the silence, drops the link and keeps serving.
  ASSERT_TRUE(WaitUntil([&] { return ReplStat(m, "link") == "down"; }, absl::Seconds(10))) << pair.Logs();
  ASSERT_EQ(Request(m, "set while_away 0 0 1\r\nw\r\n", "\r\n"), "STORED\r\n");
  absl::SleepFor(absl::Seconds(3));
  ASSERT_EQ(kill(pair.slave->pid(), SIGCONT), 0);
  ASSERT_TRUE(WaitUntil([&] { return repl::LinkUp(m) && repl::LinkUp(s); })) << pair.Logs();
  // Give a wrongly promoted slave time to show it.
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(ReplStat(m, "role"), "master") << pair.Logs();
  EXPECT_EQ(ReplStat(s, "role"), "slave") << pair.Logs();
  EXPECT_EQ(ReplStat(m, "promotions"), "0");
  EXPECT_EQ(ReplStat(m, "epoch"), ReplStat(s, "epoch"));
  EXPECT_THAT(pair.Logs(), HasSubstr("did not run for")) << "the woken slave should know it was away";
  // Both converge, both ways.
  Converged(m, s, "while_away");
  ASSERT_EQ(Request(s, "set after_wake 0 0 1\r\na\r\n", "\r\n"), "STORED\r\n");
  Converged(m, s, "after_wake");
  EXPECT_THAT(Gets(m, "after_wake"), HasSubstr("\r\na\r\n"));
}

TEST(ReplicationRoles, AMasterPausedPastTheTimeoutDefersToTheSlaveThatTookOver) {
  repl::Pair pair = TunedPair({"--repl-heartbeat-ms=100", "--repl-timeout-ms=1000"});
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.m(), s = pair.s();
  ASSERT_TRUE(repl::Freeze(*pair.master));
  ASSERT_TRUE(WaitUntil([&] { return ReplStat(s, "role") == "master"; }, absl::Seconds(10))) << pair.Logs();
  ASSERT_EQ(Request(s, "set took_over 0 0 1\r\nt\r\n", "\r\n"), "STORED\r\n");
  absl::SleepFor(absl::Seconds(1));
  ASSERT_EQ(kill(pair.master->pid(), SIGCONT), 0);
  ASSERT_TRUE(WaitUntil([&] { return repl::LinkUp(m) && repl::LinkUp(s); })) << pair.Logs();
  // The node that was away defers to the one that kept serving.
  EXPECT_EQ(ReplStat(s, "role"), "master") << pair.Logs();
  EXPECT_EQ(ReplStat(m, "role"), "slave") << pair.Logs();
  EXPECT_EQ(ReplStat(m, "epoch"), "1");
  EXPECT_EQ(ReplStat(s, "epoch"), "1");
  Converged(m, s, "took_over");
}

TEST(ReplicationRoles, AfterACleanSigtermTheSurvivorPromotesAtOnce) {
  repl::Pair pair = TunedPair({"--repl-heartbeat-ms=100", "--repl-timeout-ms=5000"});
  ASSERT_NE(pair.slave, nullptr);
  const int s = pair.s();
  ASSERT_EQ(Request(pair.m(), "set parting 0 0 1\r\np\r\n", "\r\n"), "STORED\r\n");
  const absl::Time sent = absl::Now();
  ASSERT_EQ(kill(pair.master->pid(), SIGTERM), 0);
  ASSERT_TRUE(WaitUntil([&] { return ReplStat(s, "role") == "master"; }, absl::Seconds(10))) << pair.Logs();
  const absl::Duration took = absl::Now() - sent;
  std::fprintf(stderr, "promotion %.0f ms after SIGTERM (timeout 5000 ms)\n", absl::ToDoubleMilliseconds(took));
  EXPECT_LT(took, absl::Milliseconds(1000)) << pair.Logs();
  EXPECT_EQ(ReplStat(s, "promotions"), "1");
  EXPECT_EQ(ReplStat(s, "epoch"), "1");
  EXPECT_THAT(Gets(s, "parting"), HasSubstr("\r\np\r\n"));
  ExitStatus st = pair.master->Stop(absl::Seconds(10));
  EXPECT_TRUE(st.exited) << st.ToString();
  EXPECT_THAT(pair.slave->CapturedOutput(), HasSubstr("goodbye"));
}

TEST(ReplicationPair, ForwardedCommandsAreCounted) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.master->port(), s = pair.slave->port();
  EXPECT_EQ(ReplStat(m, "forwarded_commands"), "0");
  EXPECT_EQ(ReplStat(s, "forwarded_commands"), "0");
  // Each key has one owner, so of the two adds of a key exactly one is
  // forwarded: the two counts add up to the number of keys.
  constexpr int kKeys = 20;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(Request(m, absl::StrCat("add fwd:", i, " 0 0 1\r\nm\r\n"), "\r\n"), "STORED\r\n") << i;
    ASSERT_EQ(Request(s, absl::StrCat("add fwd:", i, " 0 0 1\r\ns\r\n"), "\r\n"), "NOT_STORED\r\n") << i;
  }
  uint64_t on_m = 0, on_s = 0;
  ASSERT_TRUE(absl::SimpleAtoi(ReplStat(m, "forwarded_commands"), &on_m));
  ASSERT_TRUE(absl::SimpleAtoi(ReplStat(s, "forwarded_commands"), &on_s));
  EXPECT_EQ(on_m + on_s, static_cast<uint64_t>(kKeys));
  EXPECT_GT(on_m, 0u);
  EXPECT_GT(on_s, 0u);
}

// Without --repl-sync the slave acks at most every few ms rather than after
// every read (HELLO's wants_prompt_acks), but once writes stop its acks
// still reach the master's stream end: lag_bytes goes back to 0.
TEST(ReplicationPair, LazyAcksStillCatchUpWithTheStreamEnd) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.master->port();
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(Request(m, absl::StrCat("set lazy", i, " 0 0 5\r\nvalue\r\n"), "\r\n"), "STORED\r\n");
  }
  std::map<std::string, std::string> st;
  EXPECT_TRUE(WaitUntil([&] {
    st = ReplStats(m);
    return st["repl_offset"] != "0" && st["peer_acked_offset"] == st["repl_offset"];
  })) << st["peer_acked_offset"] << " vs " << st["repl_offset"];
  EXPECT_EQ(st["lag_bytes"], "0");
}

}  // namespace
}  // namespace tandem::testing
