// Integration tests for the classic text protocol: a real server process on
// a free loopback port, driven over raw sockets, replies compared byte for
// byte. The expected bytes are memcached 1.6's; set TANDEM_TEST_SERVER=
// /usr/bin/memcached to check the tests themselves against it.
#include <signal.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"
#include "tests/support/status_helpers.h"

namespace tandem::testing {
namespace {

class TextProtocolTest : public ::testing::Test {
 protected:
  // Starts the server under test with `args`; fails the test on error.
  void Start(std::vector<std::string> args = {}) {
    ServerOptions options;
    options.binary = ServerUnderTestPath();
    options.args = std::move(args);
    auto server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  absl::StatusOr<RawSocket> Connect() { return RawSocket::Connect(server_->port()); }

  // Sends `request` on a new connection and reads exactly expected.size()
  // bytes (or fewer, if the server goes quiet or closes).
  std::string Exchange(RawSocket& sock, std::string_view request, size_t expected_size,
                       absl::Duration timeout = absl::Seconds(5)) {
    absl::Status sent = sock.Send(request, timeout);
    if (!sent.ok()) return "<send failed: " + sent.ToString() + ">";
    auto got = sock.ReadExactly(expected_size, timeout);
    if (got.ok()) return *got;
    return sock.ReadAvailable(absl::Milliseconds(50)) + "<" + got.status().ToString() + ">";
  }

  void ExpectExchange(RawSocket& sock, std::string_view request, std::string_view expected) {
    std::string got = Exchange(sock, request, expected.size());
    EXPECT_EQ(EscapeBytes(expected), EscapeBytes(got)) << "request: " << EscapeBytes(request.substr(0, 500));
  }

  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TextProtocolTest, SetGetRoundTripExactBytes) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  ExpectExchange(sock, "set greeting 42 0 11\r\nhello world\r\n", "STORED\r\n");
  ExpectExchange(sock, "get greeting\r\n", "VALUE greeting 42 11\r\nhello world\r\nEND\r\n");
  ExpectExchange(sock, "get missing\r\n", "END\r\n");
  // Binary-safe values: NUL, CR, LF, high bytes.
  std::string value("a\0b\r\nc\xff", 7);
  ExpectExchange(sock, absl::StrCat("set bin 0 0 7\r\n", value, "\r\n"), "STORED\r\n");
  ExpectExchange(sock, "get bin\r\n", absl::StrCat("VALUE bin 0 7\r\n", value, "\r\nEND\r\n"));
}

TEST_F(TextProtocolTest, GetsReturnsDistinctCasThatCasCommandHonours) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  ExpectExchange(sock, "set k 0 0 1\r\nx\r\n", "STORED\r\n");
  ASSERT_OK(sock.Send("gets k\r\n"));
  ASSERT_OK_AND_ASSIGN(std::string reply, sock.ReadUntil("END\r\n"));
  // "VALUE k 0 1 <cas>\r\nx\r\nEND\r\n"
  ASSERT_TRUE(reply.starts_with("VALUE k 0 1 ")) << EscapeBytes(reply);
  std::string cas = reply.substr(12, reply.find("\r\n") - 12);
  ASSERT_FALSE(cas.empty());
  ExpectExchange(sock, absl::StrCat("cas k 0 0 1 ", cas, "0\r\ny\r\n"), "EXISTS\r\n");
  ExpectExchange(sock, absl::StrCat("cas k 0 0 1 ", cas, "\r\ny\r\n"), "STORED\r\n");
  ExpectExchange(sock, absl::StrCat("cas k 0 0 1 ", cas, "\r\nz\r\n"), "EXISTS\r\n");
  ExpectExchange(sock, "cas nope 0 0 1 1\r\nz\r\n", "NOT_FOUND\r\n");
  ExpectExchange(sock, "get k\r\n", "VALUE k 0 1\r\ny\r\nEND\r\n");
}

TEST_F(TextProtocolTest, HundredPipelinedSetsAndGetsInOneSend) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  std::string request, expected;
  for (int i = 0; i < 100; ++i) {
    std::string value = absl::StrCat("value-", i, "-", std::string(i, 'v'));
    absl::StrAppend(&request, "set key", i, " ", i, " 0 ", value.size(), "\r\n", value, "\r\n");
    absl::StrAppend(&expected, "STORED\r\n");
  }
  for (int i = 0; i < 100; ++i) {
    std::string value = absl::StrCat("value-", i, "-", std::string(i, 'v'));
    absl::StrAppend(&request, "get key", i, "\r\n");
    absl::StrAppend(&expected, "VALUE key", i, " ", i, " ", value.size(), "\r\n", value, "\r\nEND\r\n");
  }
  ExpectExchange(sock, request, expected);
}

TEST_F(TextProtocolTest, ByteAtATimeInput) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  std::string request = "set slow 3 0 5\r\nhello\r\nget slow\r\nincr nope 1\r\nbogus\r\ndelete slow\r\n";
  ASSERT_OK(sock.SendByteAtATime(request, absl::Microseconds(200)));
  std::string expected = "STORED\r\nVALUE slow 3 5\r\nhello\r\nEND\r\nNOT_FOUND\r\nERROR\r\nDELETED\r\n";
  auto got = sock.ReadExactly(expected.size());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(EscapeBytes(expected), EscapeBytes(*got));
}

TEST_F(TextProtocolTest, LargeValueRoundTrip) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  std::string value(500 * 1024, '\0');
  std::mt19937 rng(42);
  for (char& c : value) c = static_cast<char>(rng());
  ExpectExchange(sock, absl::StrCat("set large 0 0 ", value.size(), "\r\n", value, "\r\n"), "STORED\r\n");
  std::string expected = absl::StrCat("VALUE large 0 ", value.size(), "\r\n", value, "\r\nEND\r\n");
  std::string got = Exchange(sock, "get large\r\n", expected.size());
  EXPECT_TRUE(got == expected) << "500 KB value differs; got " << got.size() << " bytes, starting "
                               << EscapeBytes(got.substr(0, 100));
}

// memcached's largest value is -I minus the item overhead: a 48-byte header,
// 8 bytes of CAS, the key plus a NUL, and the value's own "\r\n". For key
// "k" and the default -I 1m that is 1048576 - 60 = 1048516 bytes.
TEST_F(TextProtocolTest, ValueAtItemSizeLimitEdge) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  constexpr size_t kMax = 1048576 - 60;
  std::string fits(kMax, 'f');
  ExpectExchange(sock, absl::StrCat("set k 0 0 ", fits.size(), "\r\n", fits, "\r\n"), "STORED\r\n");
  std::string expected = absl::StrCat("VALUE k 0 ", fits.size(), "\r\n", fits, "\r\nEND\r\n");
  std::string got = Exchange(sock, "get k\r\n", expected.size());
  EXPECT_TRUE(got == expected) << "edge value differs; got " << got.size() << " bytes";
  std::string too_big(kMax + 1, 't');
  // The failed store also removes the old value, and the data is swallowed.
  ExpectExchange(sock, absl::StrCat("set k 0 0 ", too_big.size(), "\r\n", too_big, "\r\n"),
                 "SERVER_ERROR object too large for cache\r\n");
  ExpectExchange(sock, "get k\r\n", "END\r\n");
}

TEST_F(TextProtocolTest, ValueAtSmallItemSizeLimitEdge) {
  // memcached refuses -I below slab_chunk_max (512 KB by default), hence
  // the -o option.
  ASSERT_NO_FATAL_FAILURE(Start({"-I", "1k", "-o", "slab_chunk_max=1024"}));
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  ExpectExchange(sock, absl::StrCat("set k 0 0 964\r\n", std::string(964, 'a'), "\r\n"), "STORED\r\n");
  ExpectExchange(sock, absl::StrCat("set k 0 0 965\r\n", std::string(965, 'a'), "\r\n"),
                 "SERVER_ERROR object too large for cache\r\n");
  ExpectExchange(sock, "get k\r\n", "END\r\n");
}

TEST_F(TextProtocolTest, MultiGetOfHundredKeys) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  std::string sets, expected_sets, get = "get", expected_get;
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(&get, " mk", i);
    if (i % 3 == 0) continue;  // every third key is a miss
    absl::StrAppend(&sets, "set mk", i, " ", i, " 0 ", std::to_string(i * i).size(), "\r\n", i * i, "\r\n");
    absl::StrAppend(&expected_sets, "STORED\r\n");
    absl::StrAppend(&expected_get, "VALUE mk", i, " ", i, " ", std::to_string(i * i).size(), "\r\n", i * i, "\r\n");
  }
  absl::StrAppend(&get, "\r\n");
  absl::StrAppend(&expected_get, "END\r\n");
  ExpectExchange(sock, sets, expected_sets);
  ExpectExchange(sock, get, expected_get);
}

TEST_F(TextProtocolTest, NoreplySendsNothing) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  ASSERT_OK(sock.Send(
      "set a 0 0 1 noreply\r\n1\r\n"
      "add a 0 0 1 noreply\r\n2\r\n"
      "add b 0 0 1 noreply\r\n2\r\n"
      "replace b 0 0 1 noreply\r\n3\r\n"
      "append b 0 0 1 noreply\r\n4\r\n"
      "prepend b 0 0 1 noreply\r\n5\r\n"
      "incr a 10 noreply\r\n"
      "decr a 1 noreply\r\n"
      "touch a 100 noreply\r\n"
      "delete nope noreply\r\n"
      "cas b 0 0 1 1 noreply\r\n6\r\n"
      "flush_all 100 noreply\r\n"
      "verbosity 0 noreply\r\n"));
  // Nothing may arrive before the reply to the next plain command.
  std::string expected = "VALUE a 0 2\r\n10\r\nVALUE b 0 3\r\n534\r\nEND\r\n";
  ExpectExchange(sock, "get a b\r\n", expected);
}

TEST_F(TextProtocolTest, QuitClosesTheConnection) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  ExpectExchange(sock, "set q 0 0 1\r\nq\r\nget q\r\n", "STORED\r\nVALUE q 0 1\r\nq\r\nEND\r\n");
  ASSERT_OK(sock.Send("quit\r\n"));
  EXPECT_TRUE(sock.IsClosedByPeer(absl::Seconds(2)));
  EXPECT_EQ(sock.ReadAvailable(absl::Milliseconds(10)), "");
  // The server itself is fine.
  ASSERT_OK_AND_ASSIGN(RawSocket other, Connect());
  ExpectExchange(other, "get q\r\n", "VALUE q 0 1\r\nq\r\nEND\r\n");
}

// memcached (maxconns_fast, the default) answers a connection over the -c
// limit with "ERROR Too many open connections\r\n" and closes it. The limit
// counts file descriptors, so fewer than -c clients fit: memcached 1.6.18
// with 4 threads and -c 32 serves 7 or 8 clients. (With -c 10 or 16 it cannot
// even start: its own descriptors exceed the limit.)
TEST_F(TextProtocolTest, ConnectionLimitRejectsWithErrorAndClose) {
  ASSERT_NO_FATAL_FAILURE(Start({"-c", "32"}));
  std::vector<RawSocket> open;
  std::string rejection;
  bool rejected = false;
  for (int i = 0; i < 40 && !rejected; ++i) {
    ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
    ASSERT_OK(sock.Send("version\r\n"));
    RawSocket::ReadResult r = sock.ReadUntilOrClose("\r\n", absl::Seconds(2));
    if (r.found && r.data.starts_with("VERSION ")) {
      open.push_back(std::move(sock));
      continue;
    }
    rejected = true;
    rejection = r.data;
    EXPECT_TRUE(sock.IsClosedByPeer(absl::Seconds(2))) << "rejected connection was left open";
  }
  ASSERT_TRUE(rejected) << "40 connections accepted despite -c 32";
  EXPECT_EQ(rejection, "ERROR Too many open connections\r\n");
  EXPECT_GE(open.size(), 1u);
  // memcached counts descriptors (7-8 clients fit); counting clients, so
  // that exactly -c fit, is also within the documented meaning of -c.
  EXPECT_LE(open.size(), 32u);
  std::cerr << "served " << open.size() << " clients with -c 32 before rejecting (memcached 1.6.18: 7-8)\n";

  // Accepted connections keep working; freeing one makes room again.
  ASSERT_OK(open.front().Send("get x\r\n"));
  EXPECT_TRUE(open.front().ReadUntil("END\r\n").ok());
  open.pop_back();
  bool readmitted = false;
  for (int attempt = 0; attempt < 50 && !readmitted; ++attempt) {
    auto sock = Connect();
    if (!sock.ok()) break;
    if (!sock->Send("version\r\n").ok()) continue;
    RawSocket::ReadResult r = sock->ReadUntilOrClose("\r\n", absl::Seconds(2));
    readmitted = r.found && r.data.starts_with("VERSION ");
    if (!readmitted) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(readmitted) << "closing a connection did not make room for a new one";
}

TEST_F(TextProtocolTest, ManyConcurrentClients) {
  ASSERT_NO_FATAL_FAILURE(Start());
  constexpr int kThreads = 8;
  constexpr int kRounds = 150;
  std::atomic<int> failures{0};
  std::vector<std::string> first_error(kThreads);
  std::vector<std::thread> threads;
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto sock = RawSocket::Connect(server_->port());
      if (!sock.ok()) {
        first_error[t] = sock.status().ToString();
        ++failures;
        return;
      }
      std::string counter = absl::StrCat("counter", t);
      for (int i = 0; i < kRounds && absl::Now() < deadline; ++i) {
        std::string key = absl::StrCat("t", t, "_", i);
        std::string value = absl::StrCat("v", t, "-", i, std::string(i % 37, 'x'));
        std::string request = absl::StrCat("set ", key, " ", t, " 0 ", value.size(), "\r\n", value, "\r\nget ", key,
                                           "\r\n", i == 0 ? absl::StrCat("set ", counter, " 0 0 1\r\n0\r\n") : "",
                                           "incr ", counter, " 1\r\nincr shared 1\r\n");
        std::string expected = absl::StrCat("STORED\r\nVALUE ", key, " ", t, " ", value.size(), "\r\n", value,
                                            "\r\nEND\r\n", i == 0 ? "STORED\r\n" : "", i + 1, "\r\n");
        if (!sock->Send(request).ok()) {
          ++failures;
          return;
        }
        auto got = sock->ReadExactly(expected.size());
        // "incr shared" races with other threads: NOT_FOUND or a number.
        auto shared = sock->ReadUntil("\r\n");
        if (!got.ok() || *got != expected || !shared.ok()) {
          if (first_error[t].empty()) {
            first_error[t] = got.ok() ? EscapeBytes(*got) : got.status().ToString();
          }
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(first_error[t], "") << "thread " << t;
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  ExpectExchange(sock, "get counter0 counter7\r\n",
                 absl::StrCat("VALUE counter0 0 3\r\n", kRounds, "\r\nVALUE counter7 0 3\r\n", kRounds, "\r\nEND\r\n"));
}

TEST_F(TextProtocolTest, BinaryGarbageDoesNotHurtOtherConnections) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket bystander, Connect());
  ExpectExchange(bystander, "set safe 0 0 4\r\nsafe\r\n", "STORED\r\n");
  std::mt19937 rng(1234);
  for (int round = 0; round < 20; ++round) {
    auto sock = Connect();
    ASSERT_TRUE(sock.ok()) << "round " << round << ": " << sock.status();
    std::string garbage(1 + rng() % 4096, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    if (round % 2 == 1) garbage[0] = static_cast<char>(0x80);  // binary-protocol magic
    (void)sock->Send(garbage, absl::Seconds(2));
    (void)sock->ReadAvailable(absl::Milliseconds(20), absl::Milliseconds(200));
  }
  EXPECT_TRUE(server_->IsRunning()) << server_->CapturedOutput();
  ExpectExchange(bystander, "get safe\r\n", "VALUE safe 0 4\r\nsafe\r\nEND\r\n");
  ASSERT_OK_AND_ASSIGN(RawSocket fresh, Connect());
  ExpectExchange(fresh, "get safe\r\n", "VALUE safe 0 4\r\nsafe\r\nEND\r\n");
}

TEST_F(TextProtocolTest, OverlongLineWithoutNewlineClosesOnlyThatConnection) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket bystander, Connect());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  // memcached closes a connection whose line passes 2048 bytes without a
  // newline (unless it is a get/gets line), without sending anything.
  (void)sock.Send(std::string(8192, 'a'));
  EXPECT_TRUE(sock.IsClosedByPeer(absl::Seconds(3)));
  EXPECT_EQ(sock.ReadAvailable(absl::Milliseconds(10)), "");
  ExpectExchange(bystander, "get x\r\n", "END\r\n");
}

TEST_F(TextProtocolTest, SigtermStopsCleanlyWithExitCodeZero) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK_AND_ASSIGN(RawSocket idle, Connect());
  ASSERT_OK_AND_ASSIGN(RawSocket sock, Connect());
  ExpectExchange(sock, "set k 0 0 1\r\nx\r\n", "STORED\r\n");
  auto status = server_->SignalAndWait(SIGTERM, absl::Seconds(5));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(status->exited) << status->ToString();
  EXPECT_EQ(status->code, 0) << status->ToString() << "\n" << server_->CapturedOutput();
  EXPECT_TRUE(idle.IsClosedByPeer(absl::Seconds(2)));
}

}  // namespace
}  // namespace tandem::testing
