// Pipelined many-key calls and read policies against real tandemd
// processes: Client::Execute(Batch) with every kind of command over three
// shards (results in order, checked against what each node holds on the
// wire), SetMulti and DeleteMulti, and ReadPolicy::kSpread reading from
// both nodes of a pair while writes stay on the first. The test cluster's
// pairs do not replicate, which lets a test see which node answered.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/client.h"
#include "gtest/gtest.h"
#include "tests/integration/client_cluster.h"
#include "tests/support/status_helpers.h"

namespace tandem::testing {
namespace {

using client::Batch;
using client::BatchResult;
using client::Client;
using client::ClientOptions;
using client::ReadPolicy;
using client::StoreResult;

std::string GetOn(const ClientCluster& cluster, size_t shard, size_t node, const std::string& key) {
  return cluster.Ask(shard, node, absl::StrCat("get ", key, "\r\n"), "END\r\n");
}

TEST(ClientBatchTest, EveryCommandKindInOneBatchOverThreeShards) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({1, 1, 1}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Config()));
  ASSERT_OK(client->Set("counter", "41"));
  ASSERT_OK(client->Set("old", "x"));

  Batch batch;
  std::vector<size_t> sets;
  for (int i = 0; i < 60; ++i) sets.push_back(batch.Set(absl::StrCat("b:", i), absl::StrCat("v", i), {.flags = 7}));
  const size_t add_existing = batch.Add("old", "y");
  const size_t get_old = batch.Get("old");
  const size_t get_missing = batch.Get("missing");
  const size_t incr = batch.Incr("counter", 1);
  const size_t incr_missing = batch.Incr("nothing", 1);
  const size_t del = batch.Delete("old");
  const size_t del_missing = batch.Delete("nothing");
  const size_t touch_missing = batch.Touch("nothing", 10);
  const size_t bad_key = batch.Get("has space");
  const size_t get_after_set = batch.Gets("b:3");  // same shard connection, after its set
  std::vector<BatchResult> results = client->Execute(batch);
  ASSERT_EQ(results.size(), batch.size());

  for (size_t i : sets) {
    ASSERT_OK(results[i].status);
    EXPECT_EQ(results[i].stored, StoreResult::kStored);
  }
  ASSERT_OK(results[add_existing].status);
  EXPECT_EQ(results[add_existing].stored, StoreResult::kNotStored);
  ASSERT_OK(results[get_old].status);
  ASSERT_TRUE(results[get_old].item.has_value());
  EXPECT_EQ(results[get_old].item->value, "x");
  ASSERT_OK(results[get_missing].status);
  EXPECT_FALSE(results[get_missing].item.has_value());
  ASSERT_OK(results[incr].status);
  EXPECT_TRUE(results[incr].found);
  EXPECT_EQ(results[incr].number, 42u);
  ASSERT_OK(results[incr_missing].status);
  EXPECT_FALSE(results[incr_missing].found);
  ASSERT_OK(results[del].status);
  EXPECT_TRUE(results[del].found);
  ASSERT_OK(results[del_missing].status);
  EXPECT_FALSE(results[del_missing].found);
  ASSERT_OK(results[touch_missing].status);
  EXPECT_FALSE(results[touch_missing].found);
  EXPECT_TRUE(absl::IsInvalidArgument(results[bad_key].status)) << results[bad_key].status;
  ASSERT_OK(results[get_after_set].status);
  ASSERT_TRUE(results[get_after_set].item.has_value());
  EXPECT_EQ(results[get_after_set].item->value, "v3");
  EXPECT_NE(results[get_after_set].item->cas, 0u);

  // Each value sits on the shard the ring names, with its flags.
  for (int i = 0; i < 60; i += 7) {
    const std::string key = absl::StrCat("b:", i);
    const std::string value = absl::StrCat("v", i);
    EXPECT_EQ(GetOn(cluster, client->ShardFor(key), 0, key),
              absl::StrCat("VALUE ", key, " 7 ", value.size(), "\r\n", value, "\r\nEND\r\n"));
  }
  EXPECT_EQ(GetOn(cluster, client->ShardFor("old"), 0, "old"), "END\r\n");
  EXPECT_TRUE(client->Execute(Batch()).empty());
}

TEST(ClientBatchTest, SetMultiAndDeleteMultiReachEveryShard) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2, 2, 2}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Config()));
  std::vector<std::pair<std::string, std::string>> items;
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) {
    items.emplace_back(absl::StrCat("m:", i), absl::StrCat("value-", i));
    keys.push_back(items.back().first);
  }
  ASSERT_OK(client->SetMulti(items, {.flags = 3}));
  std::vector<int> per_shard(3, 0);
  for (const auto& [key, value] : items) ++per_shard[client->ShardFor(key)];
  for (int count : per_shard) EXPECT_GT(count, 30);
  EXPECT_EQ(GetOn(cluster, client->ShardFor("m:5"), 0, "m:5"), "VALUE m:5 3 7\r\nvalue-5\r\nEND\r\n");
  ASSERT_OK_AND_ASSIGN(auto found, client->GetMulti(keys));
  EXPECT_EQ(found.size(), 200u);

  keys.push_back("m:never");
  ASSERT_OK_AND_ASSIGN(size_t deleted, client->DeleteMulti(keys));
  EXPECT_EQ(deleted, 200u);
  ASSERT_OK_AND_ASSIGN(auto after, client->GetMulti(keys));
  EXPECT_TRUE(after.empty());
  EXPECT_EQ(GetOn(cluster, client->ShardFor("m:5"), 0, "m:5"), "END\r\n");
  EXPECT_TRUE(absl::IsInvalidArgument(client->SetMulti({{"bad key", "v"}})));

  // A pair whose first node is gone: the batch fails over to the second.
  cluster.Kill(client->ShardFor("m:5"), 0);
  ASSERT_OK(client->SetMulti(items));
  EXPECT_EQ(GetOn(cluster, client->ShardFor("m:5"), 1, "m:5"), "VALUE m:5 0 7\r\nvalue-5\r\nEND\r\n");
}

// GetMulti into a reused MultiGetResult: the same hits as the map, with
// cas for GetsMulti, and the same failover when a node is gone or a whole
// shard is down (the in-place path gives way to the general one).
TEST(ClientBatchTest, MultiGetIntoAReusedResult) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2, 1, 1}));
  ClientOptions options;
  options.retry_timeout = absl::Seconds(30);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(cluster.Config(), options));
  std::vector<std::string> keys;
  for (int i = 0; i < 150; ++i) {
    keys.push_back(absl::StrCat("r:", i));
    if (i % 3 == 0) continue;
    ASSERT_OK(client->Set(keys.back(), std::string(i, 'a' + i % 26), {.flags = static_cast<uint32_t>(i)}));
  }
  auto check = [&](const client::MultiGetResult& result, bool with_cas) {
    ASSERT_EQ(result.size(), 100u);
    for (int i = 0; i < 150; ++i) {
      std::optional<client::MultiGetResult::Hit> hit = result.Find(keys[i]);
      if (i % 3 == 0) {
        EXPECT_FALSE(hit.has_value()) << keys[i];
        continue;
      }
      ASSERT_TRUE(hit.has_value()) << keys[i];
      EXPECT_EQ(hit->value, std::string(i, 'a' + i % 26));
      EXPECT_EQ(hit->flags, static_cast<uint32_t>(i));
      EXPECT_EQ(hit->cas != 0, with_cas);
    }
  };
  client::MultiGetResult result;
  ASSERT_OK(client->GetMulti(keys, &result));
  check(result, false);
  ASSERT_OK(client->GetsMulti(keys, &result));  // reused: cleared first
  check(result, true);
  ASSERT_OK(client->GetMulti({}, &result));
  EXPECT_TRUE(result.empty());
  EXPECT_TRUE(absl::IsInvalidArgument(client->GetMulti({"bad key"}, &result)));

  // The pair's first node gone: its hits come from... nowhere (the test
  // pair does not replicate), so they are misses, and no error.
  cluster.Kill(0, 0);
  ASSERT_OK(client->GetMulti(keys, &result));
  size_t expected = 0;
  for (int i = 0; i < 150; ++i) expected += (i % 3 != 0 && client->ShardFor(keys[i]) != 0) ? 1 : 0;
  EXPECT_EQ(result.size(), expected);
  // A whole shard down: it is ejected and its keys are misses.
  cluster.Kill(1, 0);
  ASSERT_OK(client->GetMulti(keys, &result));
  EXPECT_TRUE(client->IsEjected(1));
  expected = 0;
  for (int i = 0; i < 150; ++i) {
    const std::optional<client::MultiGetResult::Hit> hit = result.Find(keys[i]);
    if (hit.has_value()) {
      ++expected;
      EXPECT_EQ(hit->value, std::string(i, 'a' + i % 26));
    }
  }
  EXPECT_EQ(result.size(), expected);
  EXPECT_GT(expected, 0u);
}

TEST(ClientBatchTest, SpreadReadsFromBothNodesAndWritesToTheFirst) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2}));
  // Only the second node holds `k` (the test pair does not replicate).
  ASSERT_EQ(cluster.Ask(0, 1, "set k 0 0 2\r\nn1\r\n"), "STORED\r\n");

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> preferred, Client::Create(cluster.Config()));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(preferred->Get("k").value().has_value());

  ClientOptions options;
  options.read_policy = ReadPolicy::kSpread;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> spread, Client::Create(cluster.Config(), options));
  int hits = 0, misses = 0;
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(auto item, spread->Get("k"));
    item.has_value() ? ++hits : ++misses;
    ASSERT_OK_AND_ASSIGN(auto multi, spread->GetMulti({"k"}));
    multi.empty() ? ++misses : ++hits;
  }
  EXPECT_EQ(hits, 20);  // the nodes in turn
  EXPECT_EQ(misses, 20);

  // Writes still go to the first node only.
  for (int i = 0; i < 6; ++i) ASSERT_OK(spread->Set(absl::StrCat("w", i), "v"));
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(GetOn(cluster, 0, 0, absl::StrCat("w", i)), absl::StrCat("VALUE w", i, " 0 1\r\nv\r\nEND\r\n"));
    EXPECT_EQ(GetOn(cluster, 0, 1, absl::StrCat("w", i)), "END\r\n");
  }

  // With one node dead, spread reads all go to the survivor.
  cluster.Kill(0, 0);
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK_AND_ASSIGN(auto item, spread->Get("k"));
    EXPECT_TRUE(item.has_value());
  }
}

}  // namespace
}  // namespace tandem::testing
