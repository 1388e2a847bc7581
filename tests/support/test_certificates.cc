// TestCertificates (see test_certificates.h).
#include "tests/support/test_certificates.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/subprocess.h"

namespace tandem::testing {
namespace {
std::atomic<int> next_dir{0};
}  // namespace

TestCertificates::TestCertificates()
    : path_(absl::StrCat(::testing::TempDir(), "/tandem-certs-", getpid(), "-", next_dir++)) {
  std::filesystem::create_directories(path_);
  // The servers under test may run as another user (-u nobody).
  ::chmod(path_.c_str(), 0755);
}

TestCertificates::~TestCertificates() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

absl::Status TestCertificates::OpenSsl(const std::vector<std::string>& args) const {
  ProgramResult r = RunProgram("/usr/bin/openssl", args, "", absl::Seconds(30));
  if (r.exit_code != 0) return absl::InternalError(absl::StrCat("openssl ", args[0], ": ", r.err));
  return absl::OkStatus();
}

absl::Status TestCertificates::MakeCa(const std::string& name) {
  return OpenSsl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                  Key(name), "-out", Pem(name), "-subj", "/CN=" + name, "-days", "1"});
}

absl::Status TestCertificates::MakeCert(const std::string& name, const std::string& ca) {
  const std::string csr = path_ + "/" + name + ".csr";
  if (absl::Status s = OpenSsl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                "-keyout", Key(name), "-out", csr, "-subj", "/CN=" + name});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = OpenSsl({"x509", "-req", "-in", csr, "-CA", Pem(ca), "-CAkey", Key(ca),
                                "-CAcreateserial", "-out", Pem(name), "-days", "1"});
      !s.ok()) {
    return s;
  }
  ::chmod(Key(name).c_str(), 0600);
  return absl::OkStatus();
}

}  // namespace tandem::testing
