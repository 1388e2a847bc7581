// What a node holds for the soak's key space, read back with gets, and how
// two nodes' contents differ. The soak's convergence check: after the load
// stops, both nodes of the pair must hold the same keys with the same value
// and flags (and, as the replication contract promises, the same CAS).
#ifndef TANDEM_TOOLS_SOAK_CONTENT_DIGEST_H_
#define TANDEM_TOOLS_SOAK_CONTENT_DIGEST_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/client.h"

namespace tandem::soak {

using Content = std::map<std::string, client::Item>;

// `gets` of every key on the one node at 127.0.0.1:port.
absl::StatusOr<Content> ReadContent(int port, const std::vector<std::string>& keys);

// MD5 (hex) of every key, flags and value in key order (not CAS): stable
// across runs, so two reports can be compared too.
std::string Digest(const Content& content);

struct ContentDiff {
  size_t only_first = 0;
  size_t only_second = 0;
  size_t value_differs = 0;  // value or flags
  size_t cas_differs = 0;
  std::vector<std::string> examples;  // the first few differing keys
  bool SameData() const { return only_first == 0 && only_second == 0 && value_differs == 0; }
};
ContentDiff Compare(const Content& first, const Content& second);

}  // namespace tandem::soak

#endif  // TANDEM_TOOLS_SOAK_CONTENT_DIGEST_H_
