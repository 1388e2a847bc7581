// Adversarial connections against a real tandemd: half-open and slow
// clients with and without -o idle_timeout, a flood of connections past -c,
// and clients that never read their replies. Replies are memcached 1.6.18's
// (TANDEM_TEST_SERVER=/usr/bin/memcached runs the tests against it where
// its limits allow). Each test ends with the Adversary frame's recovery
// checks: a bystander served throughout, connections, descriptors and
// memory back within bounds.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/adversary.h"
#include "tests/support/raw_socket.h"
#include "tests/support/status_helpers.h"

namespace tandem::testing {
namespace {

class AdversarialConnectionsTest : public AdversarialTest {
 protected:
  // Connections that each send the start of a request and then nothing.
  std::vector<RawSocket> OpenHalfRequests(int count) {
    // Indexes i % 4: mid-value, mid-line, mid-value, mid-header.
    const std::vector<std::string> halves = {"set half 0 0 10\r\nabc", "get half", "ms half 5 T0\r\nab",
                                             std::string("\x80\x00\x00\x04", 4)};
    std::vector<RawSocket> open;
    for (int i = 0; i < count; ++i) {
      auto sock = Connect();
      EXPECT_TRUE(sock.ok()) << sock.status();
      if (!sock.ok()) break;
      EXPECT_OK(sock->Send(halves[i % halves.size()]));
      open.push_back(std::move(*sock));
    }
    return open;
  }
};

// memcached's idle_timeout measures silence, not progress: a client that
// trickles a byte every 100 ms is never idle (memcached 1.6.18 keeps it
// too), one that stops mid-request is closed.
TEST_F(AdversarialConnectionsTest, HalfOpenClientsAreClosedByIdleTimeoutSlowOnesServed) {
  ASSERT_NO_FATAL_FAILURE(Start({"-o", "idle_timeout=2"}));
  std::vector<RawSocket> half_open = OpenHalfRequests(20);
  ASSERT_OK_AND_ASSIGN(RawSocket slow, Connect());
  // 30 bytes at 100 ms: 3 s, longer than the idle timeout.
  ASSERT_OK(slow.SendByteAtATime("set slow 0 0 10\r\n0123456789\r\n", absl::Milliseconds(100), absl::Seconds(30)));
  RawSocket::ReadResult stored = slow.ReadUntilOrClose("\r\n", absl::Seconds(20));
  EXPECT_EQ(EscapeBytes(stored.data), EscapeBytes("STORED\r\n"));
  // memcached's idle check runs about once a second: closed within a few.
  // It skips connections in the middle of a data block (the set and ms
  // halves); tandemd closes every silent connection, a deliberate
  // difference: a client that stops mid-value is as stuck as one that
  // stops mid-line.
  for (size_t i = 0; i < half_open.size(); ++i) {
    const bool mid_value = i % 4 == 0 || i % 4 == 2;
    if (mid_value && ServerUnderTestPath() == MemcachedPath()) continue;
    EXPECT_TRUE(half_open[i].IsClosedByPeer(absl::Seconds(15))) << "half-open connection " << i;
    EXPECT_EQ(half_open[i].ReadAvailable(absl::Milliseconds(1)), "") << "half-open connection " << i;
  }
  // The slow client, silent now, goes the same way.
  EXPECT_TRUE(slow.IsClosedByPeer(absl::Seconds(15)));
  half_open.clear();
  ExpectRecovered("half-open and slow clients, idle_timeout=2");
}

TEST_F(AdversarialConnectionsTest, HalfOpenClientsStayWithoutIdleTimeoutAndHarmNoOne) {
  ASSERT_NO_FATAL_FAILURE(Start());
  std::vector<RawSocket> half_open = OpenHalfRequests(50);
  ASSERT_OK_AND_ASSIGN(RawSocket slow, Connect());
  ASSERT_OK(slow.SendByteAtATime("get slow half\r\n", absl::Milliseconds(100), absl::Seconds(30)));
  RawSocket::ReadResult reply = slow.ReadUntilOrClose("END\r\n", absl::Seconds(20));
  EXPECT_EQ(EscapeBytes(reply.data), EscapeBytes("END\r\n"));
  for (size_t i = 0; i < half_open.size(); i += 10) {
    EXPECT_FALSE(half_open[i].IsClosedByPeer(absl::Milliseconds(50))) << "half-open connection " << i;
  }
  // Finishing a half request still works after the wait.
  ASSERT_OK(half_open[0].Send("defghij\r\n"));
  RawSocket::ReadResult finished = half_open[0].ReadUntilOrClose("\r\n", absl::Seconds(20));
  EXPECT_EQ(EscapeBytes(finished.data), EscapeBytes("STORED\r\n"));
  half_open.clear();
  slow.Close();
  ExpectRecovered("half-open and slow clients, no idle timeout");
}

// memcached with -c 20 cannot start (its own descriptors exceed the limit),
// so the flood runs against tandemd only; the rejection line and the close
// are memcached's (see text_protocol_test's ConnectionLimit test).
TEST_F(AdversarialConnectionsTest, FloodPastMaxConnectionsIsRejectedAndCounted) {
  if (ServerUnderTestPath() == MemcachedPath()) GTEST_SKIP() << "memcached cannot start with -c 20";
  ASSERT_NO_FATAL_FAILURE(Start({"-c", "20"}));
  const int64_t rejected_before = StatOf(Stats(), "rejected_connections");
  ASSERT_GE(rejected_before, 0);
  constexpr int kFlood = 100;
  std::vector<RawSocket> flood;
  for (int i = 0; i < kFlood; ++i) {
    ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
    flood.push_back(std::move(sock));
  }
  // Every connection is decided once the stats account for all of them.
  int64_t accepted = -1, rejected = -1;
  EXPECT_TRUE(WaitUntil(
      [&] {
        const std::string stats = Stats();
        accepted = StatOf(stats, "curr_connections") - baseline_connections_;
        rejected = StatOf(stats, "rejected_connections") - rejected_before;
        return accepted + rejected >= kFlood;
      },
      absl::Seconds(20)))
      << accepted << " accepted, " << rejected << " rejected";
  int seen_rejected = 0;
  std::vector<RawSocket> admitted;
  for (RawSocket& sock : flood) {
    RawSocket::ReadResult r = sock.ReadUntilOrClose("\r\n", absl::Milliseconds(50));
    if (r.found || r.closed) {
      EXPECT_EQ(EscapeBytes(r.data), EscapeBytes("ERROR Too many open connections\r\n"));
      EXPECT_TRUE(sock.IsClosedByPeer(absl::Seconds(20)));
      ++seen_rejected;
    } else {
      admitted.push_back(std::move(sock));
    }
  }
  flood.clear();
  std::cerr << "[flood] -c 20: " << admitted.size() << " admitted, " << seen_rejected << " rejected of " << kFlood
            << "\n";
  EXPECT_EQ(seen_rejected, rejected);
  EXPECT_GE(seen_rejected, kFlood - 20);
  EXPECT_GE(admitted.size(), 1u);
  for (RawSocket& sock : admitted) ExpectReply(sock, "get k\r\n", "END\r\n");
  const size_t capacity = admitted.size();
  admitted.clear();
  // Once they are gone, as many new clients fit again.
  EXPECT_TRUE(WaitUntil([&] { return StatOf(Stats(), "curr_connections") <= baseline_connections_; },
                        absl::Seconds(20)));
  for (size_t i = 0; i < capacity; ++i) {
    ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
    ExpectReply(sock, "get k\r\n", "END\r\n");
    admitted.push_back(std::move(sock));
  }
  admitted.clear();
  ExpectRecovered("flood of 100 connections past -c 20");
}

// The server copies values into its replies; clients that send requests
// for a 1 MB value and never read must not make it queue them: a
// connection stops executing requests while 512 KB of its replies are
// unread, and a get naming many keys is answered 256 KB at a time.
TEST_F(AdversarialConnectionsTest, ClientsThatNeverReadStayWithinMemory) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket setup, Connect());
  ExpectReply(setup, absl::StrCat("set big 0 0 1000000\r\n", std::string(1000000, 'B'), "\r\n"), "STORED\r\n");
  const std::string medium_value(100000, 'M');
  ExpectReply(setup, absl::StrCat("set medium 0 0 100000\r\n", medium_value, "\r\n"), "STORED\r\n");
  setup.Close();

  std::vector<RawSocket> attackers;
  std::string pipelined_gets, pipelined_meta, one_line = "get";
  for (int i = 0; i < 3000; ++i) {
    pipelined_gets.append("get big\r\n");
    pipelined_meta.append("mg big v\r\n");
  }
  // 3000 gigabytes of replies if queued.
  for (int i = 0; i < 3000; ++i) one_line.append(" big");
  one_line.append("\r\n");
  for (const std::string* request : {&pipelined_gets, &pipelined_meta, &one_line}) {
    ASSERT_OK_AND_ASSIGN(RawSocket attacker, Connect());
    // The send may block once the server stops reading; that is the point.
    (void)attacker.Send(*request, absl::Seconds(2));
    attackers.push_back(std::move(attacker));
  }
  // A client that reads late gets every byte: 300 copies of 100 KB.
  ASSERT_OK_AND_ASSIGN(RawSocket late_reader, Connect());
  std::string line = "get";
  std::string expected;
  for (int i = 0; i < 300; ++i) {
    line.append(" medium");
    absl::StrAppend(&expected, "VALUE medium 0 100000\r\n", medium_value, "\r\n");
  }
  expected.append("END\r\n");
  ASSERT_OK(late_reader.Send(line + "\r\n"));
  absl::SleepFor(absl::Seconds(1));  // let the server fill what it will
  const int64_t rss_during_kb = ProcStatusKb(server_->pid(), "VmRSS");
  std::cerr << "[never-read] RSS with 3 non-reading clients: " << rss_during_kb / 1024 << " MB\n";
  ASSERT_OK_AND_ASSIGN(std::string reply, late_reader.ReadExactly(expected.size(), absl::Seconds(60)));
  EXPECT_TRUE(reply == expected) << "late reader: reply of " << reply.size() << " bytes differs";
  ExpectReply(late_reader, "get medium\r\n", absl::StrCat("VALUE medium 0 100000\r\n", medium_value, "\r\nEND\r\n"));
  attackers.clear();
  late_reader.Close();
  ExpectRecovered("clients that never read 1 MB replies");
}

}  // namespace
}  // namespace tandem::testing
