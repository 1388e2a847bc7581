#include "python/options.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::client::python {

absl::StatusOr<Distribution> ParseDistribution(std::string_view word) {
  if (word == "ketama") return Distribution::kKetama;
  if (word == "ketama-libketama") return Distribution::kKetamaLibketama;
  if (word == "ketama-unweighted") return Distribution::kKetamaUnweighted;
  if (word == "modula") return Distribution::kModula;
  return absl::InvalidArgumentError(absl::StrCat(
      "distribution must be ketama, ketama-libketama, ketama-unweighted or modula, not '", std::string(word), "'"));
}

absl::StatusOr<ReadPolicy> ParseReadPolicy(std::string_view word) {
  if (word == "preferred") return ReadPolicy::kPreferred;
  if (word == "spread") return ReadPolicy::kSpread;
  return absl::InvalidArgumentError(
      absl::StrCat("read_policy must be preferred or spread, not '", std::string(word), "'"));
}

absl::StatusOr<std::string> JoinServers(const std::vector<std::string>& entries) {
  if (entries.empty()) return absl::InvalidArgumentError("servers: the list is empty");
  for (const std::string& entry : entries) {
    if (entry.find(',') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("servers: one entry per list item, not '", entry, "'"));
    }
  }
  return absl::StrJoin(entries, ",");
}

}  // namespace tandem::client::python
