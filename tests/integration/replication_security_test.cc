// What the replication link promises against someone who does not hold the
// secret, on real tandemd processes over loopback (README "Running a
// pair"): with --repl-secret the link is TLS 1.3 with a pre-shared key, so
// a stranger relaying one node's handshake to the other gets no data and
// cannot knock the live link off; a relay that changes a byte drops the
// link instead of changing a record; a wrong secret gets nothing either
// way; a secret file others can read stops start-up; certificates of the
// pair's CA work and others are refused; and without any of this the link
// says it is unauthenticated and accepts only -x's host.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/link_attacker.h"
#include "tests/integration/replication_harness.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_certificates.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;
using repl::Converged;
using repl::Get;
using repl::LinkUp;
using repl::ReplStat;
using repl::Request;
using repl::StartNode;
using repl::WaitUntil;

uint64_t Counter(int port, const std::string& name) {
  uint64_t v = 0;
  (void)absl::SimpleAtoi(ReplStat(port, name), &v);
  return v;
}

// A temp dir the test deletes, with files written at a given mode.
class TempDir {
 public:
  TempDir() : path_(absl::StrCat(::testing::TempDir(), "/repl-security-", getpid(), "-", counter_++)) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name, const std::string& text, mode_t mode = 0600) const {
    const std::string p = absl::StrCat(path_, "/", name);
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

// Short timeouts: the attacks below wait for links to drop.
std::vector<std::string> Tuned(std::vector<std::string> flags) {
  flags.insert(flags.end(), {"--repl-heartbeat-ms=100", "--repl-timeout-ms=600"});
  return flags;
}

// (a) The relay/reflection attack of protocol v1: the stranger gets each
// node's challenge, has the other node answer it, and presents that answer
// as its own, once while the link is up and once while it is down.
TEST(ReplicationSecurity, StrangerRelayingHandshakesGetsNothingAndCannotBreakTheLink) {
  TempDir dir;
  const std::string secret = dir.File("secret", "correct horse battery staple\n");
  repl::Pair pair = repl::StartPair(Tuned({absl::StrCat("--repl-secret=", secret)}));
  ASSERT_NE(pair.slave, nullptr);
  const int mr = pair.master->extra_ports()[0], sr = pair.slave->extra_ports()[0];
  ASSERT_EQ(Request(pair.m(), "set crown_jewel 0 0 16\r\nTOPSECRET-0xC0DE\r\n"), "STORED\r\n");
  Converged(pair.m(), pair.s(), "crown_jewel");
  EXPECT_EQ(ReplStat(pair.m(), "auth"), "tls-psk");
  const uint64_t full_m = Counter(pair.m(), "full_syncs"), full_s = Counter(pair.s(), "full_syncs");

  std::string seen;  // every byte the stranger received
  auto relay_attack = [&](int victim, int oracle, absl::Duration before_finish) {
    absl::StatusOr<RawSocket> v = RawSocket::Connect(victim);
    absl::StatusOr<RawSocket> o = RawSocket::Connect(oracle);
    if (!v.ok() || !o.ok()) return;
    std::optional<attack::V1Frame> victim_hello = attack::ReadV1Frame(*v, &seen, absl::Milliseconds(500));
    const std::string challenge = victim_hello ? victim_hello->payload.substr(14, 16) : std::string(16, 'n');
    (void)o->Send(attack::V1Hello(0x5eed, challenge));
    std::optional<attack::V1Frame> oracle_hello = attack::ReadV1Frame(*o, &seen, absl::Milliseconds(500));
    std::optional<attack::V1Frame> oracle_auth = attack::ReadV1Frame(*o, &seen, absl::Milliseconds(500));
    absl::SleepFor(before_finish);
    const uint64_t oracle_id = oracle_hello ? attack::Le(oracle_hello->payload, 6, 8) : 1;
    const std::string oracle_nonce = oracle_hello ? oracle_hello->payload.substr(14, 16) : std::string(16, 'o');
    const std::string mac = oracle_auth ? oracle_auth->payload.substr(0, 32) : std::string(32, 'm');
    (void)v->Send(attack::V1Hello(oracle_id, oracle_nonce) + attack::V1Auth(mac));
    seen += v->ReadAvailable(absl::Milliseconds(800), absl::Seconds(2));
    seen += o->ReadAvailable(absl::Milliseconds(100), absl::Milliseconds(300));
  };

  // While the link is up: both directions.
  relay_attack(sr, mr, absl::ZeroDuration());
  relay_attack(mr, sr, absl::ZeroDuration());
  EXPECT_TRUE(LinkUp(pair.m()) && LinkUp(pair.s())) << pair.Logs();
  EXPECT_EQ(Counter(pair.m(), "full_syncs"), full_m) << pair.Logs();
  EXPECT_EQ(Counter(pair.s(), "full_syncs"), full_s) << pair.Logs();

  // While the slave's link is down: the master answers first, then freezes.
  {
    absl::StatusOr<RawSocket> v = RawSocket::Connect(sr);
    absl::StatusOr<RawSocket> o = RawSocket::Connect(mr);
    ASSERT_TRUE(v.ok() && o.ok());
    std::optional<attack::V1Frame> victim_hello = attack::ReadV1Frame(*v, &seen, absl::Milliseconds(300));
    const std::string challenge = victim_hello ? victim_hello->payload.substr(14, 16) : std::string(16, 'n');
    (void)o->Send(attack::V1Hello(0x5eed, challenge));
    std::optional<attack::V1Frame> oracle_hello = attack::ReadV1Frame(*o, &seen, absl::Milliseconds(300));
    std::optional<attack::V1Frame> oracle_auth = attack::ReadV1Frame(*o, &seen, absl::Milliseconds(300));
    ASSERT_TRUE(repl::Freeze(*pair.master));
    const bool slave_alone = WaitUntil([&] { return !LinkUp(pair.s()); }, absl::Seconds(3));
    const uint64_t oracle_id = oracle_hello ? attack::Le(oracle_hello->payload, 6, 8) : 1;
    const std::string oracle_nonce = oracle_hello ? oracle_hello->payload.substr(14, 16) : std::string(16, 'o');
    const std::string mac = oracle_auth ? oracle_auth->payload.substr(0, 32) : std::string(32, 'm');
    (void)v->Send(attack::V1Hello(oracle_id, oracle_nonce) + attack::V1Auth(mac));
    seen += v->ReadAvailable(absl::Milliseconds(800), absl::Seconds(2));
    ::kill(pair.master->pid(), SIGCONT);
    EXPECT_TRUE(slave_alone);
  }
  EXPECT_EQ(seen.find("TOPSECRET"), std::string::npos) << EscapeBytes(seen);
  EXPECT_EQ(seen.find("crown_jewel"), std::string::npos) << EscapeBytes(seen);
  // The real pair links again and still holds the genuine value.
  EXPECT_TRUE(WaitUntil([&] { return LinkUp(pair.m()) && LinkUp(pair.s()); })) << pair.Logs();
  EXPECT_THAT(Converged(pair.m(), pair.s(), "crown_jewel"), HasSubstr("TOPSECRET-0xC0DE"));
}

// (b) A man in the middle changes one byte after the handshake.
TEST(ReplicationSecurity, TamperedStreamDropsTheLinkAndIsNeverApplied) {
  TempDir dir;
  const std::string secret = absl::StrCat("--repl-secret=", dir.File("secret", "s3cret-for-mitm\n"));
  std::unique_ptr<ServerProcess> master = StartNode(Tuned({"-X", "{port1}", secret}));
  ASSERT_NE(master, nullptr);
  const std::string original = "ORIGINAL-VALUE" + std::string(2000, 'v');
  attack::TamperRelay relay(master->extra_ports()[0], "ORIGINAL-VALUE", "FORGED!!-VALUE");
  ASSERT_NE(relay.port(), 0);
  std::unique_ptr<ServerProcess> slave =
      StartNode(Tuned({"-x", absl::StrCat("127.0.0.1:", relay.port()), "-X", "{port1}", secret}));
  ASSERT_NE(slave, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return LinkUp(master->port()) && LinkUp(slave->port()); }));
  const uint64_t syncs = Counter(slave->port(), "full_syncs") + Counter(slave->port(), "partial_syncs");
  relay.Arm();
  ASSERT_EQ(Request(master->port(), absl::StrCat("set jewel 0 0 ", original.size(), "\r\n", original, "\r\n")),
            "STORED\r\n");
  bool forged_seen = false;
  const bool arrived = WaitUntil([&] {
    const std::string v = Get(slave->port(), "jewel");
    forged_seen = forged_seen || v.find("FORGED") != std::string::npos;
    return v.find(original) != std::string::npos;
  });
  EXPECT_TRUE(relay.tampered());
  EXPECT_FALSE(relay.forged()) << "the relay could read the record in plaintext";
  EXPECT_FALSE(forged_seen);
  EXPECT_TRUE(arrived) << master->CapturedOutput() << slave->CapturedOutput();
  // The change dropped the link, and it came back.
  EXPECT_THAT(master->CapturedOutput() + slave->CapturedOutput(), HasSubstr("TLS error"));
  EXPECT_TRUE(WaitUntil([&] {
    return Counter(slave->port(), "full_syncs") + Counter(slave->port(), "partial_syncs") > syncs &&
           LinkUp(slave->port());
  }));
  EXPECT_EQ(relay.Seen().find("ORIGINAL-VALUE"), std::string::npos);
}

// Connections that never finish their handshake are bounded in number (8)
// and in age (2 s): a stranger cannot pile them up or keep them, and the
// live link is untouched.
TEST(ReplicationSecurity, PendingHandshakesAreBoundedInNumberAndAge) {
  TempDir dir;
  repl::Pair pair = repl::StartPair(Tuned({absl::StrCat("--repl-secret=", dir.File("secret", "bounded\n"))}));
  ASSERT_NE(pair.slave, nullptr);
  const int mr = pair.master->extra_ports()[0];
  std::vector<RawSocket> idle;
  for (int i = 0; i < 12; ++i) {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(mr);
    ASSERT_TRUE(s.ok());
    idle.push_back(std::move(*s));
  }
  EXPECT_TRUE(WaitUntil([&] { return Counter(pair.m(), "refused_connections") >= 4; }, absl::Seconds(5)))
      << ReplStat(pair.m(), "refused_connections");
  for (RawSocket& s : idle) EXPECT_TRUE(s.IsClosedByPeer(absl::Seconds(5)));
  EXPECT_TRUE(LinkUp(pair.m()) && LinkUp(pair.s()));
}

// (c) Each node has its own data and a different secret: nothing crosses.
TEST(ReplicationSecurity, WrongSecretGetsNoDataEitherWay) {
  TempDir dir;
  std::unique_ptr<ServerProcess> a =
      StartNode(Tuned({"-X", "{port1}", absl::StrCat("--repl-secret=", dir.File("a", "secret of a\n"))}));
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(Request(a->port(), "set only_a 0 0 1\r\na\r\n"), "STORED\r\n");
  std::unique_ptr<ServerProcess> b =
      StartNode(Tuned({"-x", absl::StrCat("127.0.0.1:", a->extra_ports()[0]), "-X", "{port1}",
                       absl::StrCat("--repl-secret=", dir.File("b", "secret of b\n"))}));
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(Request(b->port(), "set only_b 0 0 1\r\nb\r\n"), "STORED\r\n");
  EXPECT_TRUE(WaitUntil([&] { return Counter(a->port(), "auth_failures") > 0 && Counter(b->port(), "auth_failures") > 0; }))
      << a->CapturedOutput() << b->CapturedOutput();
  EXPECT_THAT(a->CapturedOutput(), HasSubstr("failed authentication"));
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(Get(a->port(), "only_b"), "END\r\n");
  EXPECT_EQ(Get(b->port(), "only_a"), "END\r\n");
  EXPECT_EQ(ReplStat(a->port(), "link"), "down");
  EXPECT_EQ(ReplStat(b->port(), "link"), "down");
  EXPECT_EQ(ReplStat(b->port(), "auth"), "tls-psk");
}

// (d) Start-up refuses a secret others can read, an empty one and a missing one.
TEST(ReplicationSecurity, SecretFileOthersCanReadIsRefusedAtStartup) {
  TempDir dir;
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok());
  auto run = [&](const std::string& secret_file) {
    std::vector<std::string> args = {"-p", "0", "-U", "0", "-l", "127.0.0.1", "-X", absl::StrCat(*port),
                                     absl::StrCat("--repl-secret=", secret_file)};
    if (geteuid() == 0) args.insert(args.end(), {"-u", "root"});
    return RunProgram(TandemdPath(), args, "", absl::Seconds(10));
  };
  ProgramResult open = run(dir.File("open", "s3cret\n", 0644));
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_THAT(open.err, HasSubstr("has permissions 0644: it must not be accessible by group or others"));
  ProgramResult empty = run(dir.File("empty", "\n"));
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_THAT(empty.err, HasSubstr("is empty"));
  ProgramResult missing = run(dir.path() + "/missing");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("cannot read --repl-secret file"));
}

// (e) Certificates: two nodes of one CA link; a node of another CA does not.
TEST(ReplicationSecurity, CertificatesOfThePairsCaLinkAndOthersAreRefused) {
  TestCertificates dir;
  ASSERT_TRUE(dir.MakeCa("pair-ca").ok());
  ASSERT_TRUE(dir.MakeCa("other-ca").ok());
  ASSERT_TRUE(dir.MakeCert("node-a", "pair-ca").ok());
  ASSERT_TRUE(dir.MakeCert("node-b", "pair-ca").ok());
  ASSERT_TRUE(dir.MakeCert("intruder", "other-ca").ok());
  auto cert_flags = [&](const std::string& name) {
    return std::vector<std::string>{absl::StrCat("--repl-tls-cert=", dir.path(), "/", name, ".pem"),
                                    absl::StrCat("--repl-tls-key=", dir.path(), "/", name, ".key"),
                                    absl::StrCat("--repl-tls-ca=", dir.path(), "/pair-ca.pem")};
  };
  std::vector<std::string> a_args = Tuned({"-X", "{port1}"});
  for (const std::string& f : cert_flags("node-a")) a_args.push_back(f);
  std::unique_ptr<ServerProcess> a = StartNode(a_args);
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(Request(a->port(), "set certified 0 0 2\r\nok\r\n"), "STORED\r\n");
  std::vector<std::string> b_args = Tuned({"-x", absl::StrCat("127.0.0.1:", a->extra_ports()[0]), "-X", "{port1}"});
  for (const std::string& f : cert_flags("node-b")) b_args.push_back(f);
  std::unique_ptr<ServerProcess> b = StartNode(b_args);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return LinkUp(a->port()) && LinkUp(b->port()); }))
      << a->CapturedOutput() << b->CapturedOutput();
  EXPECT_EQ(ReplStat(a->port(), "auth"), "tls-cert");
  EXPECT_EQ(ReplStat(b->port(), "auth"), "tls-cert");
  EXPECT_THAT(Converged(a->port(), b->port(), "certified"), HasSubstr("ok"));

  // The intruder trusts the pair's CA but holds a certificate of another.
  std::vector<std::string> x_args = Tuned({"-x", absl::StrCat("127.0.0.1:", a->extra_ports()[0]), "-X", "{port1}"});
  for (const std::string& f : cert_flags("intruder")) x_args.push_back(f);
  const uint64_t failures = Counter(a->port(), "auth_failures");
  std::unique_ptr<ServerProcess> x = StartNode(x_args);
  ASSERT_NE(x, nullptr);
  EXPECT_TRUE(WaitUntil([&] { return Counter(a->port(), "auth_failures") > failures; })) << a->CapturedOutput();
  EXPECT_EQ(Get(x->port(), "certified"), "END\r\n");
  EXPECT_TRUE(LinkUp(a->port()) && LinkUp(b->port()));
  EXPECT_EQ(ReplStat(x->port(), "link"), "down");
}

// (f) and (g) without a secret: stderr and `stats replication` say so, and a
// node whose -x names 127.0.0.2 refuses 127.0.0.1 while its peer links.
TEST(ReplicationSecurity, UnauthenticatedLinkAcceptsOnlyThePeerHost) {
  absl::StatusOr<int> pa = PickFreePort(), ra = PickFreePort(), pb = PickFreePort(), rb = PickFreePort();
  ASSERT_TRUE(pa.ok() && ra.ok() && pb.ok() && rb.ok());
  std::unique_ptr<ServerProcess> a = StartNode(Tuned({"-x", absl::StrCat("127.0.0.2:", *rb), "-X", "{port1}"}), {*pa, *ra});
  ASSERT_NE(a, nullptr);
  // A stranger on 127.0.0.1 gets no byte and is closed.
  {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(*ra);
    ASSERT_TRUE(s.ok());
    (void)s->Send(attack::V1Hello(0x5eed, std::string(16, 'n')));
    EXPECT_TRUE(s->IsClosedByPeer(absl::Seconds(3)));
    EXPECT_EQ(s->ReadAvailable(absl::Milliseconds(50), absl::Milliseconds(100)), "");
  }
  EXPECT_TRUE(WaitUntil([&] { return Counter(*pa, "refused_connections") > 0; }));
  // The peer listens on (and so dials from) 127.0.0.2 first.
  ServerOptions o;
  o.binary = TandemdPath();
  o.add_listen_args = false;
  o.args = Tuned({"-p", "{port}", "-l", "127.0.0.2,127.0.0.1", "-U", "0", "-x", absl::StrCat("127.0.0.1:", *ra), "-X",
                  "{port1}"});
  if (geteuid() == 0) o.args.insert(o.args.end(), {"-u", "root"});
  o.extra_port_count = 1;
  o.fixed_ports = {*pb, *rb};
  absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(o);
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<ServerProcess> b = std::move(*started);
  ASSERT_TRUE(WaitUntil([&] { return LinkUp(*pa) && LinkUp(*pb); })) << a->CapturedOutput() << b->CapturedOutput();
  ASSERT_EQ(Request(*pa, "set plain 0 0 1\r\np\r\n"), "STORED\r\n");
  EXPECT_THAT(Converged(*pa, *pb, "plain"), HasSubstr("VALUE plain"));
  EXPECT_EQ(ReplStat(*pa, "auth"), "none");
  EXPECT_THAT(a->CapturedOutput(), HasSubstr("replication link is unauthenticated"));
  EXPECT_THAT(a->CapturedOutput(), HasSubstr("connections only from 127.0.0.2"));
  EXPECT_THAT(a->CapturedOutput() + b->CapturedOutput(), HasSubstr("auth none"));
}

}  // namespace
}  // namespace tandem::testing
