// Client library against real tandemd processes: a round trip of every
// operation (checked on the wire of the node that should hold the key),
// multi-get across three pairs, and many threads sharing one Client.
#include "client/client.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/client_cluster.h"
#include "tests/support/status_helpers.h"

namespace tandem::testing {
namespace {

using client::Client;
using client::ClientOptions;
using client::Item;
using client::StoreResult;

std::unique_ptr<Client> MakeClient(const std::string& config, ClientOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(config, options);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? std::move(*client) : nullptr;
}

TEST(ClientTest, EveryOperationRoundTrips) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2}));
  std::unique_ptr<Client> client = MakeClient(cluster.Config());
  ASSERT_NE(client, nullptr);

  // Set/Get, and the bytes the preferred node holds.
  ASSERT_OK(client->Set("greeting", "hello world", {.flags = 42, .exptime = 0}));
  EXPECT_EQ(cluster.Ask(0, 0, "get greeting\r\n", "END\r\n"), "VALUE greeting 42 11\r\nhello world\r\nEND\r\n");
  EXPECT_EQ(cluster.Ask(0, 1, "get greeting\r\n", "END\r\n"), "END\r\n");  // not on the second node
  ASSERT_OK_AND_ASSIGN(std::optional<Item> item, client->Get("greeting"));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->value, "hello world");
  EXPECT_EQ(item->flags, 42u);
  ASSERT_OK_AND_ASSIGN(std::optional<Item> missing, client->Get("nope"));
  EXPECT_FALSE(missing.has_value());

  // Binary-safe values.
  const std::string binary("a\0b\r\nEND\r\nc\xff", 12);
  ASSERT_OK(client->Set("bin", binary));
  ASSERT_OK_AND_ASSIGN(item, client->Get("bin"));
  EXPECT_EQ(item->value, binary);

  // Add / Replace.
  EXPECT_EQ(client->Add("greeting", "x").value(), StoreResult::kNotStored);
  EXPECT_EQ(client->Add("fresh", "x").value(), StoreResult::kStored);
  EXPECT_EQ(client->Replace("absent", "x").value(), StoreResult::kNotStored);
  EXPECT_EQ(client->Replace("fresh", "y").value(), StoreResult::kStored);
  // Append / Prepend.
  EXPECT_EQ(client->Append("fresh", "z").value(), StoreResult::kStored);
  EXPECT_EQ(client->Prepend("fresh", "x").value(), StoreResult::kStored);
  EXPECT_EQ(client->Append("absent", "z").value(), StoreResult::kNotStored);
  EXPECT_EQ(client->Get("fresh").value()->value, "xyz");

  // Gets / Cas.
  ASSERT_OK_AND_ASSIGN(std::optional<Item> with_cas, client->Gets("fresh"));
  ASSERT_TRUE(with_cas.has_value());
  EXPECT_NE(with_cas->cas, 0u);
  EXPECT_EQ(client->Cas("fresh", "new", with_cas->cas + 1).value(), StoreResult::kExists);
  EXPECT_EQ(client->Cas("fresh", "new", with_cas->cas).value(), StoreResult::kStored);
  EXPECT_EQ(client->Cas("fresh", "again", with_cas->cas).value(), StoreResult::kExists);
  EXPECT_EQ(client->Cas("absent", "v", 1).value(), StoreResult::kNotFound);
  EXPECT_EQ(client->Get("fresh").value()->value, "new");

  // Incr / Decr.
  ASSERT_OK(client->Set("n", "10"));
  EXPECT_EQ(client->Incr("n", 5).value(), std::optional<uint64_t>(15));
  EXPECT_EQ(client->Decr("n", 20).value(), std::optional<uint64_t>(0));
  EXPECT_EQ(client->Incr("absent", 1).value(), std::nullopt);
  absl::StatusOr<std::optional<uint64_t>> not_number = client->Incr("greeting", 1);
  EXPECT_TRUE(absl::IsInvalidArgument(not_number.status())) << not_number.status();

  // Touch / Delete.
  EXPECT_TRUE(client->Touch("n", 100).value());
  EXPECT_FALSE(client->Touch("absent", 100).value());
  EXPECT_TRUE(client->Delete("n").value());
  EXPECT_FALSE(client->Delete("n").value());
  EXPECT_FALSE(client->Get("n").value().has_value());

  // Errors: bad keys never reach a server; too-large values are SERVER_ERROR.
  EXPECT_TRUE(absl::IsInvalidArgument(client->Set("has space", "v")));
  EXPECT_TRUE(absl::IsInvalidArgument(client->Get(std::string(251, 'k')).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(client->GetMulti({"ok", ""}).status()));
  absl::Status too_big = client->Set("big", std::string(2 * 1024 * 1024, 'v'));
  EXPECT_TRUE(absl::IsInternal(too_big)) << too_big;
  // The connection survived the error.
  EXPECT_TRUE(client->Get("greeting").value().has_value());

  // FlushAll reaches both nodes of the pair.
  EXPECT_EQ(cluster.Ask(0, 1, "set other 0 0 1\r\nx\r\n"), "STORED\r\n");
  ASSERT_OK(client->FlushAll());
  EXPECT_EQ(cluster.Ask(0, 0, "get greeting\r\n", "END\r\n"), "END\r\n");
  EXPECT_EQ(cluster.Ask(0, 1, "get other\r\n", "END\r\n"), "END\r\n");
}

TEST(ClientTest, MultiGetAcrossThreePairs) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2, 2, 2}));
  std::unique_ptr<Client> client = MakeClient(cluster.Config());
  ASSERT_NE(client, nullptr);
  ASSERT_EQ(client->shard_count(), 3u);

  std::vector<std::string> keys;
  std::vector<int> per_shard(3, 0);
  for (int i = 0; i < 300; ++i) {
    std::string key = absl::StrCat("key:", i);
    ASSERT_OK(client->Set(key, absl::StrCat("value-", i), {.flags = static_cast<uint32_t>(i)}));
    ++per_shard[client->ShardFor(key)];
    keys.push_back(key);
  }
  for (int count : per_shard) EXPECT_GT(count, 50);  // ketama spreads them
  // Each key sits on the first node of the shard the ring names.
  for (int i = 0; i < 300; i += 37) {
    size_t shard = client->ShardFor(keys[i]);
    EXPECT_EQ(cluster.Ask(shard, 0, absl::StrCat("get ", keys[i], "\r\n"), "END\r\n"),
              absl::StrCat("VALUE ", keys[i], " ", i, " ", absl::StrCat("value-", i).size(), "\r\nvalue-", i,
                           "\r\nEND\r\n"));
  }
  std::vector<std::string> asked = keys;
  for (int i = 0; i < 50; ++i) asked.push_back(absl::StrCat("missing:", i));
  ASSERT_OK_AND_ASSIGN(auto found, client->GetMulti(asked));
  ASSERT_EQ(found.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    auto it = found.find(keys[i]);
    ASSERT_NE(it, found.end()) << keys[i];
    EXPECT_EQ(it->second.value, absl::StrCat("value-", i));
    EXPECT_EQ(it->second.flags, static_cast<uint32_t>(i));
  }
  ASSERT_OK_AND_ASSIGN(auto with_cas, client->GetsMulti({keys[0], keys[1], "missing:0"}));
  ASSERT_EQ(with_cas.size(), 2u);
  EXPECT_NE(with_cas[keys[0]].cas, 0u);
  ASSERT_OK_AND_ASSIGN(auto none, client->GetMulti({}));
  EXPECT_TRUE(none.empty());
  // A bad key among good ones of every shard (the in-place path checks keys
  // as it encodes them): refused whole, by both result forms, and the next
  // multi-get over the same connections gets every hit.
  std::vector<std::string> with_bad = keys;
  with_bad.push_back("bad key");
  EXPECT_TRUE(absl::IsInvalidArgument(client->GetMulti(with_bad).status()));
  client::MultiGetResult result;
  EXPECT_TRUE(absl::IsInvalidArgument(client->GetMulti(with_bad, &result)));
  ASSERT_OK_AND_ASSIGN(auto again, client->GetMulti(keys));
  EXPECT_EQ(again.size(), 300u);
  EXPECT_EQ(again[keys[299]].value, "value-299");
}

TEST(ClientTest, ManyThreadsShareOneClient) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2, 2}));
  ClientOptions options;
  options.pool_size = 4;
  std::unique_ptr<Client> client = MakeClient(cluster.Config(), options);
  ASSERT_NE(client, nullptr);
  ASSERT_OK(client->Set("shared-counter", "0"));

  constexpr int kThreads = 8;
  constexpr int kRounds = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        std::string key = absl::StrCat("t", t, ":", r % 20);
        std::string value = absl::StrCat(t, "-", r);
        if (!client->Set(key, value).ok()) ++failures;
        absl::StatusOr<std::optional<Item>> got = client->Get(key);
        if (!got.ok() || !got->has_value() || (*got)->value != value) ++failures;
        absl::StatusOr<std::optional<uint64_t>> n = client->Incr("shared-counter", 1);
        if (!n.ok() || !n->has_value()) ++failures;
        if (r % 50 == 0) {
          absl::StatusOr<std::unordered_map<std::string, Item>> many =
              client->GetMulti({key, "shared-counter", absl::StrCat("t", (t + 1) % kThreads, ":0")});
          if (!many.ok() || !many->count(key)) ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(std::optional<Item> counter, client->Get("shared-counter"));
  ASSERT_TRUE(counter.has_value());
  EXPECT_EQ(counter->value, absl::StrCat(kThreads * kRounds));
}

TEST(ClientTest, CreateRejectsBadConfiguration) {
  EXPECT_FALSE(Client::Create("").ok());
  EXPECT_FALSE(Client::Create("127.0.0.1").ok());
  EXPECT_FALSE(Client::Create("127.0.0.1:1/127.0.0.1:1").ok());
  // Nothing is contacted at creation: an address nobody listens on is fine.
  EXPECT_TRUE(Client::Create("127.0.0.1:1").ok());
}

}  // namespace
}  // namespace tandem::testing
