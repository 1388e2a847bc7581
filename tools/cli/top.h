// `tandem-cli LIST top`: a live view of the stats, like top. With one node
// (RunTop) a detailed view of it; with a pair or several shards
// (RunTopGrid) every node side by side.
//
// Every interval it asks `stats` (and `stats replication`, shown when the
// node answers it) on one connection and prints rates computed from the
// difference with the previous sample: operations per second, the hit ratio
// over the interval, memory against the limit, connections, evictions, and
// the replication role, link and lag, every line within 80 columns. It
// watches the shard's first node that answers; when that connection fails
// it says so and reconnects, to the first node again or to its partner
// (following a failover), every interval until one answers. On a terminal
// the screen is redrawn in place and `q` quits; otherwise each sample is a
// block of lines (for logs and tests). Exit 3 only when no node answers at
// the start.
#ifndef TANDEM_TOOLS_CLI_TOP_H_
#define TANDEM_TOOLS_CLI_TOP_H_

#include <vector>

#include "absl/time/time.h"
#include "client/config.h"

namespace tandem::cli {

struct TopOptions {
  int iterations = 0;  // samples to show; 0 = until interrupted
  absl::Duration interval = absl::Seconds(1);
  absl::Duration timeout = absl::Seconds(2);
};

int RunTop(const std::vector<client::NodeAddress>& nodes, const TopOptions& options);

// The side-by-side view of a list (more than one node): every node of
// every shard sampled each interval on its own connection (reconnecting
// when lost), all at once (stats_poller.h): a node that does not answer
// shows "no reply for ..." and, after the timeout, DOWN, while the other
// rows go on refreshing. One block per shard, the nodes of a pair in two
// columns:
// address, status (uptime and version, or DOWN and why), replication role,
// link and lag, ops/s, hit ratio (interval and since start), memory, items
// and connections; every line within 80 columns. A failover shows as the
// first node DOWN beside its partner still answering. Exit 3 only when no
// node answers at the start.
int RunTopGrid(const std::vector<client::ShardConfig>& shards, const TopOptions& options);

}  // namespace tandem::cli

#endif  // TANDEM_TOOLS_CLI_TOP_H_
