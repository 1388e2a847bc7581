// Convergence: both nodes of a pair take writes to the same keys at the
// same time, then every key must end identical on both (value, flags and
// CAS), decided by the items' versions (hybrid logical clock; exact ties go
// to the same item on both sides). Bounded polls as in the other
// replication tests.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"

namespace tandem::testing {
namespace {

std::string Query(int port, const std::string& req, std::string_view until) {
  absl::StatusOr<RawSocket> s = RawSocket::Connect(port, absl::Seconds(5));
  if (!s.ok() || !s->Send(req).ok()) return "";
  absl::StatusOr<std::string> r = s->ReadUntil(until, absl::Seconds(10));
  return r.ok() ? *r : "";
}

std::unique_ptr<ServerProcess> Launch(std::vector<std::string> args) {
  ServerOptions o;
  o.binary = TandemdPath();
  o.args = std::move(args);
  o.extra_port_count = 1;
  absl::StatusOr<std::unique_ptr<ServerProcess>> p = ServerProcess::Start(o);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::move(*p) : nullptr;
}

TEST(ReplicationConvergence, ConcurrentWritersEndIdentical) {
  std::unique_ptr<ServerProcess> a = Launch({"-X", "{port1}"});
  ASSERT_NE(a, nullptr);
  std::unique_ptr<ServerProcess> b = Launch({"-x", absl::StrCat("127.0.0.1:", a->extra_ports()[0]), "-X", "{port1}"});
  ASSERT_NE(b, nullptr);
  auto linked = [&] {
    return Query(a->port(), "stats replication\r\n", "END\r\n").find("STAT link up") != std::string::npos &&
           Query(b->port(), "stats replication\r\n", "END\r\n").find("STAT link up") != std::string::npos;
  };
  absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (!linked() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_TRUE(linked());

  constexpr int kKeys = 20;
  auto writer = [](int port, char tag, int flags) {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(port);
    if (!s.ok()) return;
    absl::Time until = absl::Now() + absl::Milliseconds(1500);
    for (int round = 0; absl::Now() < until; ++round) {
      std::string batch;
      for (int k = 0; k < kKeys; ++k) {
        std::string v = absl::StrCat(std::string(1, tag), "-", round, "-", k);
        absl::StrAppend(&batch, "set conv:", k, " ", flags, " 0 ", v.size(), " noreply\r\n", v, "\r\n");
      }
      absl::StrAppend(&batch, "incr counter 1\r\n");
      if (!s->Send(batch).ok() || !s->ReadUntil("\r\n").ok()) return;
    }
  };
  ASSERT_EQ(Query(a->port(), "set counter 0 0 1\r\n0\r\n", "\r\n"), "STORED\r\n");
  std::thread ta(writer, a->port(), 'A', 1);
  std::thread tb(writer, b->port(), 'B', 2);
  ta.join();
  tb.join();

  std::string keys;
  for (int k = 0; k < kKeys; ++k) absl::StrAppend(&keys, " conv:", k);
  std::string ra, rb;
  deadline = absl::Now() + absl::Seconds(20);
  do {
    ra = Query(a->port(), absl::StrCat("gets", keys, " counter\r\n"), "END\r\n");
    rb = Query(b->port(), absl::StrCat("gets", keys, " counter\r\n"), "END\r\n");
    if (!ra.empty() && ra == rb) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < deadline);
  EXPECT_EQ(ra, rb) << "the nodes did not converge";
  EXPECT_NE(ra.find("VALUE conv:0 "), std::string::npos);
}

}  // namespace
}  // namespace tandem::testing
