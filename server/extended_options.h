// memcached's `-o` extended options (`-o hashpower=20,lru_crawler`): one
// table row per option (name, value rule, whether -h lists it, how it lands
// in Settings), so adding an option is adding a row. The ssl_* options are
// routed to server/tls_flags.
#ifndef TANDEM_SERVER_EXTENDED_OPTIONS_H_
#define TANDEM_SERVER_EXTENDED_OPTIONS_H_

#include <string>

#include "absl/status/status.h"
#include "server/settings.h"

namespace tandem::server {

// Applies one `-o` option (name or name=value), with memcached's wording
// for an unknown name or a missing value.
absl::Status ApplyExtendedOption(const std::string& option, Settings* settings);

// The `-o options:` lines of -h.
std::string ExtendedOptionsUsage();

// Parses the recorded `-o slab_sizes` once the whole command line is known
// (memcached checks each size against the final -n and slab_chunk_max);
// a bad list is kFailedPrecondition (memcached exits EX_USAGE).
absl::Status CheckSlabSizes(Settings* settings);

}  // namespace tandem::server

#endif  // TANDEM_SERVER_EXTENDED_OPTIONS_H_
