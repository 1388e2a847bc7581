// tls_context and secret_file: what start-up refuses (a secret others can
// read, an empty or missing one, half a certificate configuration, both
// modes at once) and what each configuration turns into (`auth` mode, an
// SSL object per connection). The handshakes themselves run between real
// processes in tests/integration/replication_security_test.cc.
#include "replication/tls_context.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "replication/secret_file.h"

namespace tandem::replication {
namespace {

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/tls-context-", getpid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = absl::StrCat(dir_, "/", name);
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }

  std::string dir_;
};

TEST_F(TlsContextTest, SecretBecomesAPsk) {
  TlsOptions o;
  o.secret_file = Write("secret", "correct horse\n", 0600);
  absl::StatusOr<std::unique_ptr<TlsContext>> t = TlsContext::Create(o);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->mode(), AuthMode::kPsk);
  EXPECT_STREQ(AuthModeName((*t)->mode()), "tls-psk");
  SSL* ssl = (*t)->NewSsl();
  ASSERT_NE(ssl, nullptr);
  SSL_free(ssl);
}

TEST_F(TlsContextTest, SecretReadableByOthersIsRefused) {
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    TlsOptions o;
    o.secret_file = Write("open", "s3cret", mode);
    absl::StatusOr<std::unique_ptr<TlsContext>> t = TlsContext::Create(o);
    ASSERT_FALSE(t.ok()) << std::oct << mode;
    EXPECT_NE(t.status().message().find("must not be accessible by group or others"), std::string::npos)
        << t.status();
  }
  EXPECT_EQ(ReadSecretFile(Write("empty", "\n", 0600)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadSecretFile(dir_ + "/missing").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*ReadSecretFile(Write("ok", "  s3cret \n", 0400)), "s3cret");
}

TEST_F(TlsContextTest, CertificateFlagsGoTogetherAndNotWithASecret) {
  TlsOptions half;
  half.cert_file = Write("cert.pem", "x", 0600);
  EXPECT_FALSE(TlsContext::Create(half).ok());
  TlsOptions both;
  both.secret_file = Write("secret", "s", 0600);
  both.cert_file = half.cert_file;
  both.key_file = Write("key.pem", "x", 0600);
  both.ca_file = Write("ca.pem", "x", 0600);
  EXPECT_FALSE(TlsContext::Create(both).ok());
  both.secret_file.clear();
  absl::StatusOr<std::unique_ptr<TlsContext>> t = TlsContext::Create(both);  // not PEM
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("--repl-tls-cert"), std::string::npos) << t.status();
}

TEST_F(TlsContextTest, NeitherMeansNoTls) {
  absl::StatusOr<std::unique_ptr<TlsContext>> t = TlsContext::Create(TlsOptions{});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->mode(), AuthMode::kNone);
  EXPECT_STREQ(AuthModeName((*t)->mode()), "none");
  EXPECT_EQ((*t)->NewSsl(), nullptr);
}

}  // namespace
}  // namespace tandem::replication
