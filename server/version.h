// Version strings. tandemd answers `version` with the memcached release whose
// protocol it implements, because clients gate features on that number; its
// own version is reported by -V and in `stats` as tandem_version.
#ifndef TANDEM_SERVER_VERSION_H_
#define TANDEM_SERVER_VERSION_H_

#include <string_view>

namespace tandem::server {

inline constexpr std::string_view kMemcachedCompatVersion = "1.6.18";
inline constexpr std::string_view kTandemVersion = "0.1.0";

}  // namespace tandem::server

#endif  // TANDEM_SERVER_VERSION_H_
