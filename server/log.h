// Verbosity-gated logging to stderr, memcached style: -v errors and
// warnings, -vv client commands and replies, -vvv connection state changes.
// The level lives in Settings (the `verbosity` command changes it), so a
// disabled log line costs one relaxed atomic load.
#ifndef TANDEM_SERVER_LOG_H_
#define TANDEM_SERVER_LOG_H_

#include <cstdio>

#include "absl/strings/str_format.h"
#include "server/settings.h"

namespace tandem::server {

inline bool LogEnabled(const Settings& settings, int level) {
  return settings.verbose.load(std::memory_order_relaxed) >= level;
}

template <typename... Args>
void Log(const Settings& settings, int level, const absl::FormatSpec<Args...>& format,
         const Args&... args) {
  if (!LogEnabled(settings, level)) return;
  absl::FPrintF(stderr, format, args...);
  std::fputc('\n', stderr);
}

}  // namespace tandem::server

#endif  // TANDEM_SERVER_LOG_H_
