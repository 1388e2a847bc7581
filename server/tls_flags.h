// memcached's ssl_* -o options (the TLS of client connections), parsed with
// memcached's wording for each mistake; server/flags routes them here.
#ifndef TANDEM_SERVER_TLS_FLAGS_H_
#define TANDEM_SERVER_TLS_FLAGS_H_

#include <string_view>

#include "absl/status/status.h"
#include "server/settings.h"

namespace tandem::server {

// `value` is null when the option came without '='.
absl::Status ApplySslOption(std::string_view name, const std::string_view* value, Settings* s);

// "tlsv1.0" .. "tlsv1.3" for ssl_min_version 0..3 (`stats settings`, -h).
const char* SslMinVersionName(int level);

}  // namespace tandem::server

#endif  // TANDEM_SERVER_TLS_FLAGS_H_
