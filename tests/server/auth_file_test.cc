// AuthFile (server/auth/auth_file.h): memcached 1.6.18's authfile.c rules,
// each checked against `memcached -Y FILE` by hand (start-up refused or not,
// which user:password pairs then authenticate); the differential test
// (tests/differential/auth_differential_test.cc) runs the start-up ones
// against both servers.
#include "server/auth/auth_file.h"

#include <string>

#include "gtest/gtest.h"

namespace tandem::server {
namespace {

AuthFile ParseOk(std::string_view contents) {
  absl::StatusOr<AuthFile> f = AuthFile::Parse(contents, "users");
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *std::move(f) : AuthFile();
}

void ExpectMalformed(std::string_view contents) {
  absl::StatusOr<AuthFile> f = AuthFile::Parse(contents, "users");
  ASSERT_FALSE(f.ok()) << "accepted: " << contents;
  EXPECT_EQ(f.status().message(), "Authfile [users] has a malformed entry. Should be 'user:password'");
}

TEST(AuthFile, UserEndsAtTheFirstColonAndPasswordAtTheLineEnd) {
  AuthFile f = ParseOk("alice:secret\nbob:pa:ss\r\ncarol:\n:nameless\n");
  EXPECT_EQ(f.size(), 4u);
  EXPECT_TRUE(f.Check("alice", "secret"));
  EXPECT_TRUE(f.Check("bob", "pa:ss"));       // later colons belong to the password
  EXPECT_FALSE(f.Check("bob", "pa:ss\r"));    // a trailing \r is not part of it
  EXPECT_TRUE(f.Check("carol", ""));          // an empty password is an entry
  EXPECT_TRUE(f.Check("", "nameless"));       // so is an empty user
  EXPECT_FALSE(f.Check("alice", "secre"));
  EXPECT_FALSE(f.Check("alice", "secrets"));
  EXPECT_FALSE(f.Check("alic", "secret"));
  EXPECT_FALSE(f.Check("bob", "secret"));     // passwords are per user
}

TEST(AuthFile, TheLastLineNeedsNoNewlineAndAnEmptyFileIsNoUsers) {
  EXPECT_TRUE(ParseOk("alice:secret").Check("alice", "secret"));
  AuthFile empty = ParseOk("");
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_FALSE(empty.Check("", ""));
}

TEST(AuthFile, ALineWithoutAColonRefusesTheFile) {
  ExpectMalformed("alice:secret\nnocolon\n");
  ExpectMalformed("alice:secret\n\n");  // an empty line, even the last
  ExpectMalformed("\nalice:secret\n");
  ExpectMalformed(std::string("ali\0ce:secret\n", 14));  // a NUL ends the search for ':'
  ExpectMalformed(std::string(300, 'a') + ":b\n");      // longer than memcached's 255
}

TEST(AuthFile, OnlyTheFirstEightEntriesAreRead) {
  AuthFile f = ParseOk("a:1\nb:2\nc:3\nd:4\ne:5\nf:6\ng:7\nh:8\ni:9\nnot even an entry\n");
  EXPECT_EQ(f.size(), 8u);
  EXPECT_TRUE(f.Check("h", "8"));
  EXPECT_FALSE(f.Check("i", "9"));
}

TEST(AuthFile, AMissingFileIsMemcachedsOpenError) {
  absl::StatusOr<AuthFile> f = AuthFile::Load("/nonexistent/tandem-users");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "Could not open authfile [/nonexistent/tandem-users] for reading, error No such file or "
            "directory: No such file or directory");
}

}  // namespace
}  // namespace tandem::server
