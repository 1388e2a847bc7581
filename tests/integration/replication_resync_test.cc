// Replication after a break between the same two processes: a node frozen
// with SIGSTOP past --repl-timeout-ms loses its link, writes continue on the
// other node, and on SIGCONT the pair reconnects by itself and resends only
// the missed part of the stream from the backlog (a partial resync, not a
// second full copy). Also: SIGTERM hands the last writes over before exit.
//
// Waits are bounded polls (see replication_pair_test.cc).
#include <signal.h>

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
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"

namespace tandem::testing {
namespace {

bool WaitFor(const std::function<bool()>& cond, absl::Duration timeout = absl::Seconds(15)) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (cond()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return cond();
}

std::string Ask(int port, const std::string& req, std::string_view until) {
  absl::StatusOr<RawSocket> s = RawSocket::Connect(port, absl::Seconds(5));
  if (!s.ok() || !s->Send(req).ok()) return "";
  absl::StatusOr<std::string> r = s->ReadUntil(until, absl::Seconds(10));
  return r.ok() ? *r : "";
}

std::string Stat(int port, const std::string& name) {
  std::string reply = Ask(port, "stats replication\r\n", "END\r\n");
  for (absl::string_view line : absl::StrSplit(reply, "\r\n", absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts.size() == 3 && parts[1] == name) return parts[2];
  }
  return "";
}

std::unique_ptr<ServerProcess> Node(std::vector<std::string> args) {
  ServerOptions o;
  o.binary = TandemdPath();
  o.args = std::move(args);
  for (const char* a : {"--repl-heartbeat-ms=100", "--repl-timeout-ms=1000"}) o.args.push_back(a);
  o.extra_port_count = 1;
  absl::StatusOr<std::unique_ptr<ServerProcess>> p = ServerProcess::Start(o);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::move(*p) : nullptr;
}

TEST(ReplicationResync, PartialResyncAfterSigstop) {
  std::unique_ptr<ServerProcess> master = Node({"-X", "{port1}"});
  ASSERT_NE(master, nullptr);
  std::unique_ptr<ServerProcess> slave =
      Node({"-x", absl::StrCat("127.0.0.1:", master->extra_ports()[0]), "-X", "{port1}"});
  ASSERT_NE(slave, nullptr);
  const int m = master->port(), s = slave->port();
  ASSERT_TRUE(WaitFor([&] { return Stat(m, "link") == "up" && Stat(s, "link") == "up"; }));
  ASSERT_EQ(Ask(m, "set early 0 0 1\r\ne\r\n", "\r\n"), "STORED\r\n");
  ASSERT_TRUE(WaitFor([&] { return Ask(s, "get early\r\n", "END\r\n").find("VALUE") != std::string::npos; }));
  const std::string full_before = Stat(s, "full_syncs");

  ASSERT_EQ(kill(slave->pid(), SIGSTOP), 0);
  EXPECT_TRUE(WaitFor([&] { return Stat(m, "link") == "down"; }));
  std::string batch;
  for (int i = 0; i < 200; ++i) absl::StrAppend(&batch, "set gap:", i, " 0 0 5 noreply\r\nv", 1000 + i, "\r\n");
  absl::StrAppend(&batch, "get gap:199\r\n");
  std::string got = Ask(m, batch, "END\r\n");
  ASSERT_EQ(kill(slave->pid(), SIGCONT), 0);
  EXPECT_THAT(got, ::testing::HasSubstr("v1199"));

  EXPECT_TRUE(WaitFor([&] {
    return Ask(s, "get gap:0 gap:199\r\n", "END\r\n").find("v1199") != std::string::npos;
  })) << slave->CapturedOutput();
  EXPECT_TRUE(WaitFor([&] { return Stat(m, "link") == "up" && Stat(s, "link") == "up"; }));
  EXPECT_EQ(Stat(s, "full_syncs"), full_before) << slave->CapturedOutput();
  EXPECT_NE(Stat(s, "partial_syncs"), "0") << slave->CapturedOutput();
  EXPECT_THAT(Ask(s, "get gap:0\r\n", "END\r\n"), ::testing::HasSubstr("v1000"));
}

TEST(ReplicationResync, SigtermDrainsToThePeer) {
  std::unique_ptr<ServerProcess> master = Node({"-X", "{port1}"});
  ASSERT_NE(master, nullptr);
  std::unique_ptr<ServerProcess> slave =
      Node({"-x", absl::StrCat("127.0.0.1:", master->extra_ports()[0]), "-X", "{port1}"});
  ASSERT_NE(slave, nullptr);
  ASSERT_TRUE(WaitFor([&] { return Stat(master->port(), "link") == "up" && Stat(slave->port(), "link") == "up"; }));
  std::string batch;
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&batch, "set last:", i, " 0 0 3 noreply\r\nabc\r\n");
  absl::StrAppend(&batch, "version\r\n");
  ASSERT_THAT(Ask(master->port(), batch, "VERSION"), ::testing::HasSubstr("VERSION"));
  ExitStatus st = master->Stop(absl::Seconds(10));
  EXPECT_TRUE(st.exited) << st.ToString();
  EXPECT_THAT(Ask(slave->port(), "get last:1999\r\n", "END\r\n"), ::testing::HasSubstr("abc"));
}

}  // namespace
}  // namespace tandem::testing
