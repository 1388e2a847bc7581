// The differential suites' TLS mode (see tls_mode.h).
#include "tests/support/tls_mode.h"

#include <cstdlib>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "tests/support/test_certificates.h"

namespace tandem::testing {
namespace {

// Made once per test process, deleted at exit.
const TestCertificates* Certificates() {
  static TestCertificates certs;
  static const bool made = certs.MakeCa("diff-ca").ok() && certs.MakeCert("diff-server", "diff-ca").ok();
  return made ? &certs : nullptr;
}

}  // namespace

std::vector<size_t> TlsCaseIndexes(size_t count) {
  const char* env = std::getenv("TANDEM_DIFF_TLS");
  const std::string_view mode = env == nullptr ? "" : env;
  std::vector<size_t> v;
  if (mode == "off") return v;
  const size_t step = mode == "all" ? 1 : 4;
  for (size_t i = 0; i < count; i += step) v.push_back(i);
  return v;
}

std::string TlsServerFlags() {
  const TestCertificates* certs = Certificates();
  if (certs == nullptr) return "";
  return absl::StrCat(" -Z -o ssl_chain_cert=", certs->Pem("diff-server"), ",ssl_key=", certs->Key("diff-server"));
}

absl::StatusOr<RawSocket> ConnectMaybeTls(int port, bool tls) {
  return tls ? RawSocket::ConnectTls(port) : RawSocket::Connect(port);
}

}  // namespace tandem::testing
