// ReplicationHooks: what the server needs from replication, as an interface
// so the server never includes replication/ (dependencies point one way:
// protocol <- server <- replication). main.cc passes the implementation in.
#ifndef TANDEM_SERVER_REPLICATION_HOOKS_H_
#define TANDEM_SERVER_REPLICATION_HOOKS_H_

#include <string>

namespace tandem::server {

class ReplicationHooks {
 public:
  virtual ~ReplicationHooks() = default;
  // Appends the `stats replication` STAT lines (without END). Thread-safe.
  virtual void AppendStats(std::string* out) = 0;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_REPLICATION_HOOKS_H_
