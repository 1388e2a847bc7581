// ClusterRunner: tandem-bench --cluster, load through the client library.
//
// Where the plain runner drives raw sockets with pipelines, this one sends
// every request through tandem::client::Client (client/client.h), exactly as
// an application would: the ring picks each key's shard, a pair fails over,
// a multi-get is split by shard and fetched from all of them at once. The
// client API is synchronous, so the loop is the simplest closed loop: each
// of --connections worker threads makes one call at a time (one request in
// flight per worker), and all of them share one Client, whose pools open
// a connection per node for each worker that needs one. --pipeline and
// --threads do not apply; the protocol is the client's, text.
//
// Every reply is validated as in the plain runner (a hit must carry flags 0
// and a value the workload could have stored); a call that fails is an
// error of the kind its status says (timeout, connection, client_error,
// server_error, ...). The result has the plain runner's shape (one group,
// one phase), so report.cc prints it unchanged.
#ifndef TANDEM_TOOLS_BENCH_CLUSTER_RUNNER_H_
#define TANDEM_TOOLS_BENCH_CLUSTER_RUNNER_H_

#include "tools/bench/runner.h"

namespace tandem::bench {

// Largest --connections in cluster mode: each is a thread.
inline constexpr int kMaxClusterConnections = 1024;

BenchResult RunCluster(const BenchConfig& config);

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_CLUSTER_RUNNER_H_
