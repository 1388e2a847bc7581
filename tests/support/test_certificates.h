// TestCertificates: throw-away CAs and certificates (EC P-256, one day) made
// with the openssl command-line tool in a temporary directory that the
// object deletes. Used by the replication link's certificate tests and by
// the -Z (client TLS) tests.
#ifndef TANDEM_TESTS_SUPPORT_TEST_CERTIFICATES_H_
#define TANDEM_TESTS_SUPPORT_TEST_CERTIFICATES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace tandem::testing {

class TestCertificates {
 public:
  TestCertificates();
  ~TestCertificates();
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  // A self-signed CA: Pem(name) and Key(name).
  absl::Status MakeCa(const std::string& name);
  // A certificate with CN=`name` signed by CA `ca`; its key is mode 600.
  absl::Status MakeCert(const std::string& name, const std::string& ca);

  std::string Pem(const std::string& name) const { return path_ + "/" + name + ".pem"; }
  std::string Key(const std::string& name) const { return path_ + "/" + name + ".key"; }
  const std::string& path() const { return path_; }

 private:
  absl::Status OpenSsl(const std::vector<std::string>& args) const;
  std::string path_;
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_SUPPORT_TEST_CERTIFICATES_H_
