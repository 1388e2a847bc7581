// The replication link's log lines: "replication: <line>" on stderr, the
// form operators and the integration tests look for. One definition, so the
// transport (peer_link.cc) and the receive side (applier.cc) write the same.
#ifndef TANDEM_REPLICATION_LOG_H_
#define TANDEM_REPLICATION_LOG_H_

#include <cstdio>
#include <string>

namespace tandem::replication {

inline void Log(const std::string& line) { std::fprintf(stderr, "replication: %s\n", line.c_str()); }

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_LOG_H_
