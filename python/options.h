// The Python Client's option words, parsed into the C++ client's options
// (the same words tandem-cli and tandem-bench accept).
#ifndef TANDEM_PYTHON_OPTIONS_H_
#define TANDEM_PYTHON_OPTIONS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "client/client.h"

namespace tandem::client::python {

// ketama | ketama-libketama | ketama-unweighted | modula.
absl::StatusOr<Distribution> ParseDistribution(std::string_view word);

// preferred | spread.
absl::StatusOr<ReadPolicy> ParseReadPolicy(std::string_view word);

// A list of entries ("A:1/B:2", "C:3:2") as one server-list string; an
// entry holding a comma is rejected rather than split into two shards.
absl::StatusOr<std::string> JoinServers(const std::vector<std::string>& entries);

}  // namespace tandem::client::python

#endif  // TANDEM_PYTHON_OPTIONS_H_
