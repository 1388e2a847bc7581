// The differential suites over TLS: memcached and tandemd both started with
// -Z and one throw-away certificate, every byte of a case sent over TLS.
//
// By default a quarter of the cases run over TLS as well as over TCP (every
// fourth case, so each corpus file is sampled), which keeps CI fast;
// TANDEM_DIFF_TLS=all runs every case over TLS too, TANDEM_DIFF_TLS=off none:
//   TANDEM_DIFF_TLS=all build/bin/differential_tests --gtest_filter='*Tls*'
#ifndef TANDEM_TESTS_SUPPORT_TLS_MODE_H_
#define TANDEM_TESTS_SUPPORT_TLS_MODE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/support/raw_socket.h"

namespace tandem::testing {

// The case indexes [0, count) that also run over TLS.
std::vector<size_t> TlsCaseIndexes(size_t count);

// " -Z -o ssl_chain_cert=...,ssl_key=..." (empty if the certificates could
// not be made: the servers then fail to start and the test says so).
std::string TlsServerFlags();

// A plaintext or TLS connection (no server verification: the harness only
// needs the bytes).
absl::StatusOr<RawSocket> ConnectMaybeTls(int port, bool tls);

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_SUPPORT_TLS_MODE_H_
