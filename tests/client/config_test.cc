// Tests for the shard-list parser: every accepted form and every error.
#include "client/config.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_helpers.h"

namespace tandem::client {
namespace {

using ::testing::HasSubstr;

NodeAddress Node(std::string host, uint16_t port) { return NodeAddress{std::move(host), port}; }

TEST(ConfigTest, SingleNode) {
  ASSERT_OK_AND_ASSIGN(auto shards, ParseShardList("10.0.0.1:11211"));
  ASSERT_EQ(shards.size(), 1u);
  EXPECT_EQ(shards[0].nodes, std::vector<NodeAddress>{Node("10.0.0.1", 11211)});
  EXPECT_EQ(shards[0].weight, 1u);
  EXPECT_FALSE(shards[0].is_pair());
}

TEST(ConfigTest, Pair) {
  ASSERT_OK_AND_ASSIGN(auto shards, ParseShardList("10.0.0.1:11211/10.0.0.2:11212"));
  ASSERT_EQ(shards.size(), 1u);
  EXPECT_EQ(shards[0].nodes,
            (std::vector<NodeAddress>{Node("10.0.0.1", 11211), Node("10.0.0.2", 11212)}));
  EXPECT_TRUE(shards[0].is_pair());
  EXPECT_EQ(shards[0].name_node(), Node("10.0.0.1", 11211));
}

TEST(ConfigTest, WeightedPairAndWeightedNode) {
  ASSERT_OK_AND_ASSIGN(auto shards,
                       ParseShardList("10.0.0.1:11211/10.0.0.2:11211:3,cache-b:21211:5"));
  ASSERT_EQ(shards.size(), 2u);
  EXPECT_EQ(shards[0].weight, 3u);
  EXPECT_EQ(shards[0].nodes.size(), 2u);
  EXPECT_EQ(shards[1].weight, 5u);
  EXPECT_EQ(shards[1].nodes, std::vector<NodeAddress>{Node("cache-b", 21211)});
}

TEST(ConfigTest, Ipv6InBrackets) {
  ASSERT_OK_AND_ASSIGN(auto shards,
                       ParseShardList("[::1]:11211,[fe80::1%eth0]:11212/[::2]:11213:7"));
  ASSERT_EQ(shards.size(), 2u);
  EXPECT_EQ(shards[0].nodes, std::vector<NodeAddress>{Node("::1", 11211)});
  EXPECT_EQ(shards[0].name_node().ToString(), "[::1]:11211");
  EXPECT_EQ(shards[1].nodes,
            (std::vector<NodeAddress>{Node("fe80::1%eth0", 11212), Node("::2", 11213)}));
  EXPECT_EQ(shards[1].weight, 7u);
}

TEST(ConfigTest, SpacesAroundEntriesAndLimits) {
  ASSERT_OK_AND_ASSIGN(auto shards, ParseShardList(" a:1 , b_c.d-e:65535:65535 "));
  ASSERT_EQ(shards.size(), 2u);
  EXPECT_EQ(shards[0].nodes, std::vector<NodeAddress>{Node("a", 1)});
  EXPECT_EQ(shards[1].nodes, std::vector<NodeAddress>{Node("b_c.d-e", 65535)});
  EXPECT_EQ(shards[1].weight, 65535u);
}

TEST(ConfigTest, ToStringRoundTrips) {
  EXPECT_EQ(Node("h", 5).ToString(), "h:5");
  EXPECT_EQ(Node("::1", 5).ToString(), "[::1]:5");
}

TEST(ConfigTest, ParseShardAlone) {
  ASSERT_OK_AND_ASSIGN(auto shard, ParseShard("x:1/y:2:9"));
  EXPECT_EQ(shard.weight, 9u);
  EXPECT_FALSE(ParseShard("x:1,y:2").ok());
}

struct BadCase {
  const char* input;
  const char* message;  // a substring of the error
};

TEST(ConfigTest, EveryErrorIsClear) {
  const BadCase cases[] = {
      {"", "empty shard list"},
      {"   ", "empty shard list"},
      {"a:1,", "entry 2 (\"\"): empty entry"},
      {",a:1", "entry 1"},
      {"a:1,,b:2", "entry 2"},
      {"a", "missing \":PORT\" after \"a\""},
      {"a:", "missing port"},
      {":11211", "missing host"},
      {"a:port", "port \"port\" is not a decimal number"},
      {"a:-1", "is not a decimal number"},
      {"a:+1", "is not a decimal number"},
      {"a: 1", "is not a decimal number"},
      {"a:0", "port \"0\" is out of range 1..65535"},
      {"a:65536", "out of range 1..65535"},
      {"a:99999999999999999999", "out of range"},
      {"a:1:", "missing weight"},
      {"a:1:x", "weight \"x\" is not a decimal number"},
      {"a:1:0", "weight \"0\" is out of range 1..65535"},
      {"a:1:65536", "out of range"},
      {"a:1:2:3", "too many ':'"},
      {"::1:11211", "IPv6 addresses need brackets"},
      {"fe80::1:11211", "too many ':'"},
      {"[::1:11211", "unbalanced bracket"},
      {"::1]:11211", "need brackets"},
      {"a::1", "need brackets"},
      {"a]:1", "unbalanced bracket"},
      {"[a:1", "unbalanced bracket"},
      {"[]:1", "empty IPv6 address"},
      {"[::1]", "missing \":PORT\""},
      {"[::1]11211", "missing \":PORT\""},
      {"[host]:1", "brackets are for IPv6"},
      {"[::1]:0", "out of range"},
      {"a:1/b:2/c:3", "names 3 nodes; a shard is one node or a pair"},
      {"a:1/", "empty node"},
      {"/a:1", "empty node"},
      {"a:1:2/b:3", "a weight goes after the last node"},
      {"a:1/a:1", "both nodes of"},
      {"a:1,a:1/b:2", "entries 1 and 2 both start with a:1"},
      {"a b:1", "invalid character ' '"},
      {"a\x01:1", "invalid character"},
      {"h\xc3\xa9:1", "invalid character"},
  };
  for (const BadCase& c : cases) {
    absl::StatusOr<std::vector<ShardConfig>> result = ParseShardList(c.input);
    ASSERT_FALSE(result.ok()) << "accepted \"" << c.input << "\"";
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << c.input;
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(c.message))
        << "input \"" << c.input << "\"";
  }
}

TEST(ConfigTest, DuplicateSecondNodesAreAllowed) {
  // Only the first node names the shard; a shared standby is odd but legal.
  EXPECT_OK(ParseShardList("a:1/c:3,b:2/c:3"));
  // Same host, different ports are different nodes.
  EXPECT_OK(ParseShardList("a:1,a:2"));
}

TEST(ConfigTest, TenThousandShards) {
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    if (i) text += ',';
    text += "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ":11211/10.1." +
            std::to_string(i / 256) + "." + std::to_string(i % 256) + ":11211";
  }
  ASSERT_OK_AND_ASSIGN(auto shards, ParseShardList(text));
  EXPECT_EQ(shards.size(), 10000u);
}

}  // namespace
}  // namespace tandem::client
