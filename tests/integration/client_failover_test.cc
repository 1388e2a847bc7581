// Client failover against real tandemd processes: the preferred node of a
// pair killed while threads are busy (no error reaches the application), a
// frozen node (timeouts fail over too), and a pair with both nodes down
// ejected from the ring and re-added once its nodes are back.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/client.h"
#include "gtest/gtest.h"
#include "tests/integration/client_cluster.h"
#include "tests/support/status_helpers.h"

namespace tandem::testing {
namespace {

using client::Client;
using client::ClientOptions;
using client::Item;

// A key that the client maps to `shard`.
std::string KeyOnShard(Client& client, size_t shard, std::string_view prefix) {
  for (int i = 0; i < 10000; ++i) {
    std::string key = absl::StrCat(std::string(prefix), i);
    if (client.ShardFor(key) == shard) return key;
  }
  ADD_FAILURE() << "no key found for shard " << shard;
  return "";
}

TEST(ClientFailoverTest, PreferredNodeKilledMidRunIsInvisible) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2, 2}));
  ClientOptions options;
  options.retry_timeout = absl::Seconds(30);  // the dead node stays skipped for the whole test
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Config(), options));

  // Threads run until the node has been dead for a while: 200 operations
  // before the kill, at least 400 after it (bounded by rounds and time).
  constexpr int kThreads = 4;
  constexpr int kMaxRounds = 20000;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  std::atomic<int> done_ops{0};
  std::atomic<int> ops_at_kill{-1};
  std::atomic<int> errors{0};
  std::string first_error;
  absl::Mutex error_mu;
  auto finished = [&] {
    int at_kill = ops_at_kill.load();
    return (at_kill >= 0 && done_ops.load() >= at_kill + 400) || absl::Now() > deadline;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kMaxRounds && !finished(); ++r) {
        std::string key = absl::StrCat("k", t, ":", r % 25);
        absl::Status set = client->Set(key, "v");
        absl::Status get = client->Get(key).status();
        absl::Status multi = client->GetMulti({key, absl::StrCat("k", t, ":", (r + 7) % 25)}).status();
        for (const absl::Status& s : {set, get, multi}) {
          if (s.ok()) continue;
          ++errors;
          absl::MutexLock lock(&error_mu);
          if (first_error.empty()) first_error = s.ToString();
        }
        ++done_ops;
      }
    });
  }
  // Kill shard 0's preferred node mid-run.
  while (done_ops.load() < 200 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  cluster.Kill(0, 0);
  ops_at_kill = done_ops.load();
  for (std::thread& thread : threads) thread.join();
  EXPECT_GE(done_ops.load(), ops_at_kill.load() + 400) << "too few operations after the kill";
  EXPECT_EQ(errors.load(), 0) << first_error;
  EXPECT_FALSE(client->IsEjected(0));

  // Writes for shard 0 now land on its second node.
  std::string key = KeyOnShard(*client, 0, "after-kill:");
  ASSERT_OK(client->Set(key, "survivor"));
  EXPECT_EQ(cluster.Ask(0, 1, absl::StrCat("get ", key, "\r\n"), "END\r\n"),
            absl::StrCat("VALUE ", key, " 0 8\r\nsurvivor\r\nEND\r\n"));
  EXPECT_EQ(client->Get(key).value()->value, "survivor");
}

TEST(ClientFailoverTest, FrozenPreferredNodeTimesOutAndFailsOver) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2}));
  ClientOptions options;
  options.receive_timeout = absl::Milliseconds(200);
  options.retry_timeout = absl::Seconds(30);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Config(), options));
  ASSERT_OK(client->Set("warm", "up"));  // a pooled connection to node 0

  cluster.Freeze(0, 0);
  absl::Time start = absl::Now();
  absl::Status set = client->Set("k", "v");
  absl::Duration first = absl::Now() - start;
  EXPECT_OK(set);
  // One receive timeout, then the second node answers.
  EXPECT_GE(first, absl::Milliseconds(150));
  EXPECT_LT(first, absl::Seconds(2));
  // The frozen node is now skipped: no more timeouts.
  start = absl::Now();
  for (int i = 0; i < 20; ++i) EXPECT_OK(client->Set(absl::StrCat("k", i), "v"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));  // 20 timeouts would take 4 s
  EXPECT_EQ(cluster.Ask(0, 1, "get k\r\n", "END\r\n"), "VALUE k 0 1\r\nv\r\nEND\r\n");
  cluster.Thaw(0, 0);
}

// A hung node (SIGSTOP: it accepts connections, never answers) costs the
// request that finds it one receive timeout; the requests after it go to
// the partner at once, including after each retry_timeout, when the node
// is probed in the background of the requests instead of being handed a
// request. Once it answers again it takes the traffic back. Prints the
// measured latencies (the failover figure in the README).
TEST(ClientFailoverTest, HungNodeCostsOneReceiveTimeoutAndNeverAgain) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2}));
  ClientOptions options;
  options.receive_timeout = absl::Milliseconds(500);
  options.retry_timeout = absl::Milliseconds(100);  // several probes while hung
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Config(), options));
  ASSERT_OK(client->Set("warm", "up"));  // a pooled connection to node 0

  cluster.Freeze(0, 0);
  absl::Time start = absl::Now();
  ASSERT_OK(client->Set("k", "v0"));
  const absl::Duration first = absl::Now() - start;
  EXPECT_GE(first, absl::Milliseconds(450));
  EXPECT_LT(first, absl::Seconds(3));

  // 1 s of requests (ten retry_timeouts): none waits for the hung node.
  absl::Duration slowest;
  int requests = 0;
  const absl::Time until = absl::Now() + absl::Seconds(1);
  while (absl::Now() < until && requests < 100000) {
    start = absl::Now();
    ASSERT_OK(client->Set("k", absl::StrCat("v", ++requests)));
    slowest = std::max(slowest, absl::Now() - start);
  }
  // A request that waited for the hung node would take a receive timeout.
  EXPECT_LT(slowest, options.receive_timeout) << "a request waited for the hung node";
  std::printf("hung node: first request %.1f ms (receive_timeout 500 ms), then %d requests, slowest %.2f ms\n",
              absl::ToDoubleMilliseconds(first), requests, absl::ToDoubleMilliseconds(slowest));
  EXPECT_EQ(cluster.Ask(0, 1, "get k\r\n", "END\r\n"),
            absl::StrCat("VALUE k 0 ", absl::StrCat("v", requests).size(), "\r\nv", requests, "\r\nEND\r\n"));

  // Thawed: the next probe finds it, and it is preferred again.
  cluster.Thaw(0, 0);
  const absl::Time thawed = absl::Now();
  const absl::Time deadline = thawed + absl::Seconds(3);
  bool back = false;
  while (!back && absl::Now() < deadline) {
    ASSERT_OK(client->Set("back", "yes"));
    back = cluster.Ask(0, 0, "get back\r\n", "END\r\n") != "END\r\n";
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(back) << "the thawed node never took requests again";
  std::printf("hung node: preferred again %.0f ms after it was thawed (retry_timeout 100 ms)\n",
              absl::ToDoubleMilliseconds(absl::Now() - thawed));
}

TEST(ClientFailoverTest, PairWithBothNodesDownIsEjectedThenReAdded) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2, 2, 2}));
  ClientOptions options;
  options.retry_timeout = absl::Milliseconds(300);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Config(), options));

  const std::string key = KeyOnShard(*client, 1, "user:");
  std::vector<std::string> keys;
  for (int i = 0; i < 60; ++i) keys.push_back(absl::StrCat("many:", i));
  for (const std::string& k : keys) ASSERT_OK(client->Set(k, "v"));
  ASSERT_OK(client->Set(key, "before"));

  cluster.Kill(1, 0);
  cluster.Kill(1, 1);
  // The request that finds the pair dead ejects it and goes to the key's
  // new shard: the application sees no error.
  ASSERT_OK(client->Set(key, "during"));
  EXPECT_TRUE(client->IsEjected(1));
  EXPECT_NE(client->ShardFor(key), 1u);
  EXPECT_EQ(client->Get(key).value()->value, "during");
  ASSERT_OK_AND_ASSIGN(auto found, client->GetMulti(keys));
  for (const std::string& k : keys) {
    // Keys of the dead pair are misses now; everything else is still there.
    if (client->ShardFor(k) != 1u && found.count(k) == 0) {
      // Moved keys are misses (they lived on the dead pair).
    }
  }
  EXPECT_GT(found.size(), 0u);
  EXPECT_LT(found.size(), keys.size());

  ASSERT_OK(cluster.Restart(1, 0));
  ASSERT_OK(cluster.Restart(1, 1));
  // After retry_timeout a request probes the pair and restores it.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  int requests = 0;
  while (client->IsEjected(1) && absl::Now() < deadline) {
    ASSERT_OK(client->Get("any").status());
    ++requests;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(client->IsEjected(1)) << "still ejected after " << requests << " requests";
  EXPECT_EQ(client->ShardFor(key), 1u);
  ASSERT_OK(client->Set(key, "after"));
  EXPECT_EQ(cluster.Ask(1, 0, absl::StrCat("get ", key, "\r\n"), "END\r\n"),
            absl::StrCat("VALUE ", key, " 0 5\r\nafter\r\nEND\r\n"));
}

TEST(ClientFailoverTest, PreferredNodeIsUsedAgainAfterItReturns) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2}));
  ClientOptions options;
  options.retry_timeout = absl::Milliseconds(200);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Config(), options));
  ASSERT_OK(client->Set("k", "first"));
  cluster.Kill(0, 0);
  ASSERT_OK(client->Set("k", "second"));
  EXPECT_EQ(cluster.Ask(0, 1, "get k\r\n", "END\r\n"), "VALUE k 0 6\r\nsecond\r\nEND\r\n");
  ASSERT_OK(cluster.Restart(0, 0));
  // Within retry_timeout the second node keeps the traffic; after it, a
  // request probes the first node, and once the probe is answered (within
  // Pair::kProbeWait on an idle machine, a few requests later on a busy
  // one) the first node takes the traffic again.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  do {
    ASSERT_OK(client->Set("k", "third"));
    if (cluster.Ask(0, 0, "get k\r\n", "END\r\n") != "END\r\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (absl::Now() < deadline);
  EXPECT_EQ(cluster.Ask(0, 0, "get k\r\n", "END\r\n"), "VALUE k 0 5\r\nthird\r\nEND\r\n");
  EXPECT_EQ(client->Get("k").value()->value, "third");
  EXPECT_FALSE(client->IsEjected(0));
}

// Pooled connections are not probed before use (that cost a poll per
// request): a node restarted between two requests leaves stale sockets in
// the pool, and the next request must land on the restarted node itself,
// through a fresh connection, not fail over to the partner.
TEST(ClientFailoverTest, StalePooledConnectionsToARestartedNodeAreReplacedNotFailedOver) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2}));
  ClientOptions options;
  options.retry_timeout = absl::Seconds(30);  // a wrong failover would stick
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Config(), options));
  ASSERT_OK(client->Set("k", "first"));  // leaves an idle connection to node 0
  cluster.Kill(0, 0);
  ASSERT_OK(cluster.Restart(0, 0));
  ASSERT_OK(client->Set("k", "second"));
  EXPECT_EQ(cluster.Ask(0, 0, "get k\r\n", "END\r\n"), "VALUE k 0 6\r\nsecond\r\nEND\r\n");
  EXPECT_EQ(cluster.Ask(0, 1, "get k\r\n", "END\r\n"), "END\r\n");
  EXPECT_EQ(client->Get("k").value()->value, "second");
}

TEST(ClientFailoverTest, EveryNodeDownIsUnavailableNotAHang) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({1, 1}));
  ClientOptions options;
  options.retry_timeout = absl::Seconds(30);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Config(), options));
  ASSERT_OK(client->Set("k", "v"));
  cluster.Kill(0, 0);
  cluster.Kill(1, 0);
  absl::Time start = absl::Now();
  absl::Status status = client->Set("k", "v");
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_TRUE(absl::IsUnavailable(client->GetMulti({"a", "b", "c"}).status()));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

}  // namespace
}  // namespace tandem::testing
