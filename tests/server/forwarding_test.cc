// NeedsOwner: which commands must run on the key's owner node, parsed from
// real request bytes of each protocol.
#include "server/forwarding.h"

#include <string>

#include "gtest/gtest.h"
#include "protocol/meta_parser.h"
#include "protocol/text_parser.h"

namespace tandem::server {
namespace {

bool Text(const std::string& req) {
  protocol::Command cmd;
  protocol::TextParserOptions o;
  const protocol::ParseResult r = protocol::ParseTextCommand(req, o, &cmd);
  EXPECT_EQ(r.status, protocol::ParseStatus::kOk) << req;
  return NeedsOwner(cmd);
}

bool Meta(const std::string& req) {
  protocol::Command cmd;
  protocol::MetaParserOptions o;
  const protocol::ParseResult r = protocol::ParseMetaCommand(req, o, &cmd);
  EXPECT_EQ(r.status, protocol::ParseStatus::kOk) << req;
  return NeedsOwner(cmd);
}

TEST(NeedsOwner, ConditionalTextCommands) {
  EXPECT_TRUE(Text("add k 0 0 1\r\nx\r\n"));
  EXPECT_TRUE(Text("replace k 0 0 1\r\nx\r\n"));
  EXPECT_TRUE(Text("append k 0 0 1\r\nx\r\n"));
  EXPECT_TRUE(Text("prepend k 0 0 1\r\nx\r\n"));
  EXPECT_TRUE(Text("cas k 0 0 1 5\r\nx\r\n"));
  EXPECT_TRUE(Text("incr k 1\r\n"));
  EXPECT_TRUE(Text("decr k 1\r\n"));
  EXPECT_TRUE(Text("touch k 10\r\n"));
  EXPECT_TRUE(Text("gat 10 k\r\n"));
  EXPECT_TRUE(Text("gats 10 k j\r\n"));
}

TEST(NeedsOwner, BlindWritesAndReadsStayLocal) {
  EXPECT_FALSE(Text("set k 0 0 1\r\nx\r\n"));
  EXPECT_FALSE(Text("delete k\r\n"));
  EXPECT_FALSE(Text("get k\r\n"));
  EXPECT_FALSE(Text("gets k j\r\n"));
  EXPECT_FALSE(Text("flush_all\r\n"));
  EXPECT_FALSE(Meta("ms k 1\r\nx\r\n"));
  EXPECT_FALSE(Meta("ms k 1 MS\r\nx\r\n"));
  EXPECT_FALSE(Meta("md k\r\n"));
  EXPECT_FALSE(Meta("mg k v\r\n"));
  EXPECT_FALSE(Meta("mn\r\n"));
}

TEST(NeedsOwner, ConditionalMetaCommands) {
  EXPECT_TRUE(Meta("ms k 1 ME\r\nx\r\n"));
  EXPECT_TRUE(Meta("ms k 1 MA\r\nx\r\n"));
  EXPECT_TRUE(Meta("ms k 1 MP\r\nx\r\n"));
  EXPECT_TRUE(Meta("ms k 1 MR\r\nx\r\n"));
  EXPECT_TRUE(Meta("ms k 1 C12\r\nx\r\n"));
  EXPECT_TRUE(Meta("ma k\r\n"));
  EXPECT_TRUE(Meta("md k C12\r\n"));
  EXPECT_TRUE(Meta("mg k T30 v\r\n"));
  EXPECT_TRUE(Meta("mg k N30\r\n"));
}

}  // namespace
}  // namespace tandem::server
