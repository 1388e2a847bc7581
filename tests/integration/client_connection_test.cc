// client::Connection against a real tandemd: pipelined requests come back
// in order, a pipeline bigger than the socket buffers does not deadlock,
// and every failure (refused, silent server, server gone) is a bounded,
// typed error.
#include "client/connection.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/connection_pool.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "tests/support/status_helpers.h"

namespace tandem::testing {
namespace {

using client::Connection;
using client::ConnectionOptions;
using client::ConnectionPool;
using client::NodeAddress;
using protocol::ReplyKind;

std::unique_ptr<ServerProcess> StartTandemd() {
  ServerOptions options;
  options.binary = TandemdPath();
  options.args = {"-t", "2"};
  auto server = ServerProcess::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

NodeAddress Loopback(int port) { return NodeAddress{"127.0.0.1", static_cast<uint16_t>(port)}; }

TEST(ClientConnectionTest, PipelinedRepliesComeBackInOrder) {
  std::unique_ptr<ServerProcess> server = StartTandemd();
  ASSERT_NE(server, nullptr);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Connection> connection,
                       Connection::Connect(Loopback(server->port()), ConnectionOptions{}));
  connection->Enqueue("set a 5 0 1\r\nx\r\n");
  connection->Enqueue("get a b\r\n");
  connection->Enqueue("incr a 1\r\n");
  connection->Enqueue("set n 0 0 1 noreply\r\n7\r\n", 0);
  connection->Enqueue("incr n 1\r\n");
  connection->Enqueue("version\r\n");
  EXPECT_EQ(connection->in_flight(), 5u);
  ASSERT_OK_AND_ASSIGN(protocol::Reply stored, connection->ReadReply());
  EXPECT_EQ(stored.kind, ReplyKind::kStored);
  ASSERT_OK_AND_ASSIGN(protocol::Reply values, connection->ReadReply());
  ASSERT_EQ(values.kind, ReplyKind::kValues);
  ASSERT_EQ(values.values.size(), 1u);
  EXPECT_EQ(values.values[0].key, "a");
  EXPECT_EQ(values.values[0].flags, 5u);
  ASSERT_OK_AND_ASSIGN(protocol::Reply not_number, connection->ReadReply());
  EXPECT_EQ(not_number.kind, ReplyKind::kClientError);
  EXPECT_EQ(not_number.text, "cannot increment or decrement non-numeric value");
  ASSERT_OK_AND_ASSIGN(protocol::Reply eight, connection->ReadReply());
  EXPECT_EQ(eight.kind, ReplyKind::kNumber);
  EXPECT_EQ(eight.number, 8u);
  ASSERT_OK_AND_ASSIGN(protocol::Reply version, connection->ReadReply());
  EXPECT_EQ(version.kind, ReplyKind::kVersion);
  EXPECT_EQ(connection->in_flight(), 0u);
  EXPECT_TRUE(connection->LooksReusable());
  EXPECT_TRUE(absl::IsFailedPrecondition(connection->ReadReply().status()));
}

TEST(ClientConnectionTest, LargePipelineDoesNotDeadlock) {
  std::unique_ptr<ServerProcess> server = StartTandemd();
  ASSERT_NE(server, nullptr);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Connection> connection,
                       Connection::Connect(Loopback(server->port()), ConnectionOptions{}));
  // ~4 MB of requests and ~4 MB of replies in flight at once.
  const std::string value(4000, 'v');
  constexpr int kRequests = 1000;
  for (int i = 0; i < kRequests; ++i) {
    connection->Enqueue(absl::StrCat("set k", i, " 0 0 ", value.size(), "\r\n", value, "\r\n"));
    connection->Enqueue(absl::StrCat("get k", i, "\r\n"));
  }
  ASSERT_OK(connection->Flush());
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_OK_AND_ASSIGN(protocol::Reply stored, connection->ReadReply());
    ASSERT_EQ(stored.kind, ReplyKind::kStored);
    ASSERT_OK_AND_ASSIGN(protocol::Reply got, connection->ReadReply());
    ASSERT_EQ(got.values.size(), 1u);
    ASSERT_EQ(got.values[0].data, value);
  }
}

TEST(ClientConnectionTest, FailuresAreTypedAndBounded) {
  // Refused: a port nobody listens on.
  ASSERT_OK_AND_ASSIGN(int free_port, PickFreePort());
  absl::StatusOr<std::unique_ptr<Connection>> refused = Connection::Connect(Loopback(free_port), ConnectionOptions{});
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();

  // Silent: a listening socket nobody accepts from (the kernel completes
  // the handshake; nothing ever answers).
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ConnectionOptions quick;
  quick.receive_timeout = absl::Milliseconds(150);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Connection> silent,
                         Connection::Connect(Loopback(ntohs(addr.sin_port)), quick));
    absl::Time start = absl::Now();
    absl::StatusOr<protocol::Reply> reply = silent->Call("version\r\n");
    EXPECT_TRUE(absl::IsDeadlineExceeded(reply.status())) << reply.status();
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(140));
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
    EXPECT_FALSE(silent->healthy());
  }
  ::close(listener);

  // Gone: the server is killed while the connection is idle.
  std::unique_ptr<ServerProcess> server = StartTandemd();
  ASSERT_NE(server, nullptr);
  ConnectionPool pool(Loopback(server->port()), ConnectionOptions{}, 2);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Connection> connection, pool.Checkout());
    ASSERT_OK(connection->Call("version\r\n").status());
    pool.Return(std::move(connection));
  }
  EXPECT_EQ(pool.idle_count(), 1u);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Connection> again, pool.Checkout());
  EXPECT_EQ(pool.idle_count(), 0u);
  server->Kill();
  absl::StatusOr<protocol::Reply> reply = again->Call("version\r\n");
  EXPECT_TRUE(absl::IsUnavailable(reply.status())) << reply.status();
  pool.Return(std::move(again));  // broken: not kept
  EXPECT_EQ(pool.idle_count(), 0u);
  EXPECT_TRUE(absl::IsUnavailable(pool.Checkout().status()));
}

}  // namespace
}  // namespace tandem::testing
