// HandleAsciiAuth (server/auth/ascii_auth.h) on its own: what a text
// connection gets before it authenticates, request by request. Every reply
// here was read from memcached 1.6.18 -Y (one request per read); the
// differential test sends the same bytes to both servers.
#include "server/auth/ascii_auth.h"

#include <string>

#include "gtest/gtest.h"

namespace tandem::server {
namespace {

class AsciiAuthTest : public ::testing::Test {
 protected:
  AsciiAuthTest() : users_(*AuthFile::Parse("alice:secret\n", "users")) {}

  // One call; returns the reply bytes.
  std::string Handle(std::string_view input) {
    out_.clear();
    last_ = HandleAsciiAuth(input, users_, stats_, &out_, &authenticated_);
    return out_;
  }

  AuthUsers users_;
  ThreadStats stats_;
  std::string out_;
  HandleResult last_;
  bool authenticated_ = false;
};

TEST_F(AsciiAuthTest, ASetCarryingUserAndPasswordAuthenticates) {
  const std::string req = "set any 1 2 12\r\nalice secret\r\nget k\r\n";
  EXPECT_EQ(Handle(req), "STORED\r\n");
  EXPECT_TRUE(authenticated_);
  EXPECT_EQ(last_.consumed, req.size() - 7);  // the get is left for the text handler
  EXPECT_EQ(stats_.auth_cmds.Get(), 1u);
  EXPECT_EQ(stats_.auth_errors.Get(), 0u);
}

TEST_F(AsciiAuthTest, EveryOtherLineIsRefusedAndTheConnectionStaysOpen) {
  for (std::string_view line : {"get foo\r\n", "version\r\n", "quit\r\n", "\r\n", "mn\r\n",
                                "SET a 0 0 12\r\n", "cas a 0 0 12\r\n", "set a 0 0\r\n",
                                "set a 0 0 -1\r\n", "set a 0 0 12abc\r\n"}) {
    EXPECT_EQ(Handle(line), "CLIENT_ERROR unauthenticated\r\n") << line;
    EXPECT_EQ(last_.consumed, line.size()) << line;
    EXPECT_EQ(last_.action, DispatchAction::kContinue) << line;
  }
  EXPECT_FALSE(authenticated_);
  EXPECT_EQ(stats_.auth_cmds.Get(), 0u);  // not an attempt
}

TEST_F(AsciiAuthTest, WrongPasswordBadDataAndBadTermination) {
  EXPECT_EQ(Handle("set a 0 0 12\r\nalice wrongg\r\n"), "CLIENT_ERROR authentication failure\r\n");
  EXPECT_EQ(stats_.auth_errors.Get(), 1u);
  EXPECT_EQ(Handle("set a 0 0 5\r\nalice\r\n"), "CLIENT_ERROR bad authentication token format\r\n");
  EXPECT_EQ(Handle(std::string("set a 0 0 12\r\nalice\0secret\r\n", 28)),
            "CLIENT_ERROR bad authentication token format\r\n");
  EXPECT_EQ(Handle("set a 0 0 12\r\nalice secretXX"), "CLIENT_ERROR bad command line termination\r\n");
  EXPECT_EQ(stats_.auth_cmds.Get(), 1u);
  EXPECT_FALSE(authenticated_);
  // Extra tokens in the data and noreply change nothing.
  EXPECT_EQ(Handle("set a 0 0 15 noreply\r\nalice secret xy\r\n"), "STORED\r\n");
  EXPECT_TRUE(authenticated_);
}

TEST_F(AsciiAuthTest, WaitsForTheWholeRequestWithinItsBounds) {
  EXPECT_EQ(Handle("set a 0 0 12\r\nalice sec"), "");
  EXPECT_TRUE(last_.need_more);
  EXPECT_EQ(Handle(std::string(2048, 'x')), "");
  EXPECT_TRUE(last_.need_more);
  // Past 2048 bytes without a newline, or data larger than memcached's read
  // buffer holds: closed, unanswered.
  EXPECT_EQ(Handle(std::string(2049, 'x')), "");
  EXPECT_EQ(last_.action, DispatchAction::kClose);
  EXPECT_EQ(Handle("set a 0 0 16383\r\n"), "");
  EXPECT_EQ(last_.action, DispatchAction::kClose);
  EXPECT_EQ(Handle("set a 0 0 4294967296\r\n"), "");
  EXPECT_EQ(last_.action, DispatchAction::kClose);
  EXPECT_EQ(Handle("set a 0 0 16382\r\n"), "");
  EXPECT_TRUE(last_.need_more);
}

}  // namespace
}  // namespace tandem::server
