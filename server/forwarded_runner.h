// ForwardedRunnerImpl: the owner side of forwarding (forwarding.h). The peer
// sends a request's own bytes; this runs them through the same handlers,
// parsers, executor and reply writers a client connection uses, so the
// reply bytes are exactly what the client would have got from this node,
// and the peer sends them back verbatim.
//
// Its handlers never forward (the request is already at its owner, and a
// request bouncing between two nodes that disagree for a moment about the
// link would never end). Its counters are a ThreadStats slot of their own,
// so forwarded commands count in this node's `stats` like local ones.
// Replication thread only.
#ifndef TANDEM_SERVER_FORWARDED_RUNNER_H_
#define TANDEM_SERVER_FORWARDED_RUNNER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "server/binary_handler.h"
#include "server/executor.h"
#include "server/forwarding.h"
#include "server/settings.h"
#include "server/stats.h"
#include "server/text_handler.h"

namespace tandem::server {

class ForwardedRunnerImpl final : public ForwardedRunner {
 public:
  ForwardedRunnerImpl(const Settings& settings, Executor& executor, ThreadStats& stats)
      : stats_(stats), text_(settings, executor, /*fd=*/-1), binary_(settings, executor, /*fd=*/-1) {}

  uint64_t Run(WireKind kind, std::string_view request, std::string* reply) override;

 private:
  ThreadStats& stats_;
  TextHandler text_;
  BinaryHandler binary_;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_FORWARDED_RUNNER_H_
