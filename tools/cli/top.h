// `tandem-cli HOST:PORT top`: a live view of one node's stats, like top.
//
// Every interval it asks `stats` (and `stats replication`, shown when the
// node answers it) on one connection and prints rates computed from the
// difference with the previous sample: operations per second, the hit ratio
// over the interval, memory against the limit, connections, evictions, and
// the replication role, link and lag. On a terminal the screen is redrawn
// in place; otherwise each sample is a block of lines (for logs and tests).
#ifndef TANDEM_TOOLS_CLI_TOP_H_
#define TANDEM_TOOLS_CLI_TOP_H_

#include "absl/time/time.h"
#include "client/config.h"

namespace tandem::cli {

struct TopOptions {
  int iterations = 0;  // samples to show; 0 = until interrupted
  absl::Duration interval = absl::Seconds(1);
  absl::Duration timeout = absl::Seconds(2);
};

int RunTop(const client::NodeAddress& node, const TopOptions& options);

}  // namespace tandem::cli

#endif  // TANDEM_TOOLS_CLI_TOP_H_
