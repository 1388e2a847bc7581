// Authentication on a replicated pair: clients of both nodes must
// authenticate (-Y), but the replication link and the commands a node
// forwards to the key's owner are node-to-node and never do. Every key's
// incr below is forwarded by one of the two nodes (forwarded_commands), so
// a forwarded request that met the pre-authentication gate on its owner
// would come back "CLIENT_ERROR unauthenticated" instead of a number.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/replication_harness.h"
#include "tests/support/raw_socket.h"

namespace tandem::testing {
namespace {

using repl::Pair;

constexpr char kAuth[] = "set auth 0 0 12\r\nalice secret\r\n";

// One request on a fresh connection that authenticates first; "" on failure.
std::string AuthedRequest(int port, const std::string& req, std::string_view until = "\r\n") {
  absl::StatusOr<RawSocket> s = RawSocket::Connect(port, absl::Seconds(5));
  if (!s.ok() || !s->Send(kAuth).ok()) return "";
  absl::StatusOr<std::string> stored = s->ReadUntil("\r\n", absl::Seconds(5));
  if (!stored.ok() || *stored != "STORED\r\n" || !s->Send(req).ok()) return "";
  absl::StatusOr<std::string> r = s->ReadUntil(until, absl::Seconds(15));
  return r.ok() ? *r : "";
}

std::string Stat(int port, const std::string& which, const std::string& name) {
  const std::string reply = AuthedRequest(port, absl::StrCat("stats ", which, "\r\n"), "END\r\n");
  const std::string key = absl::StrCat("STAT ", name, " ");
  const size_t at = reply.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return reply.substr(start, reply.find("\r\n", start) - start);
}

TEST(AuthPair, ForwardedCommandsAndTheLinkNeedNoClientAuthentication) {
  char dir_template[] = "/tmp/tandem-authpair-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string users = dir + "/users";
  std::ofstream(users) << "alice:secret\n";

  // repl::StartPair asks `stats replication` unauthenticated: linked here.
  Pair pair;
  pair.master = repl::StartNode({"-X", "{port1}", "-Y", users});
  ASSERT_NE(pair.master, nullptr);
  pair.slave = repl::StartNode(
      {"-x", absl::StrCat("127.0.0.1:", pair.master->extra_ports()[0]), "-X", "{port1}", "-Y", users});
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_TRUE(repl::WaitUntil([&] {
    return Stat(pair.m(), "replication", "link") == "up" && Stat(pair.s(), "replication", "link") == "up";
  })) << pair.Logs();
  // Unauthenticated clients are refused on both nodes.
  for (int port : {pair.m(), pair.s()}) {
    EXPECT_EQ(repl::Request(port, "get k\r\n"), "CLIENT_ERROR unauthenticated\r\n");
  }
  std::vector<std::string> keys;
  for (int k = 0; k < 8; ++k) keys.push_back(absl::StrCat("ctr:", k));  // some owned by each node
  for (const std::string& k : keys) {
    ASSERT_EQ(AuthedRequest(pair.m(), absl::StrCat("set ", k, " 0 0 1\r\n5\r\n")), "STORED\r\n");
  }
  // Wait until the slave holds every key, so its incrs find them.
  for (const std::string& k : keys) {
    EXPECT_TRUE(repl::WaitUntil([&] {
      return AuthedRequest(pair.s(), absl::StrCat("get ", k, "\r\n"), "END\r\n") ==
             absl::StrCat("VALUE ", k, " 0 1\r\n5\r\nEND\r\n");
    })) << k << "\n" << pair.Logs();
  }
  for (const std::string& k : keys) {
    EXPECT_EQ(AuthedRequest(pair.m(), absl::StrCat("incr ", k, " 1\r\n")), "6\r\n") << k;
    EXPECT_EQ(AuthedRequest(pair.s(), absl::StrCat("incr ", k, " 1\r\n")), "7\r\n") << k;
  }
  const int forwarded = std::atoi(Stat(pair.m(), "replication", "forwarded_commands").c_str()) +
                        std::atoi(Stat(pair.s(), "replication", "forwarded_commands").c_str());
  EXPECT_GE(forwarded, 8);  // each key's incr on its non-owner
  for (const std::string& k : keys) {
    EXPECT_TRUE(repl::WaitUntil([&] {
      return AuthedRequest(pair.s(), absl::StrCat("get ", k, "\r\n"), "END\r\n") ==
             absl::StrCat("VALUE ", k, " 0 1\r\n7\r\nEND\r\n");
    })) << k;
  }
  EXPECT_EQ(Stat(pair.m(), "replication", "link"), "up");

  unlink(users.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace tandem::testing
