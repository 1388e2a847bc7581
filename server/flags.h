// Command-line flags: memcached 1.6's short and long options and its `-o`
// extended options, parsed into Settings. A bad flag or value is an error
// (the caller prints it on one line and exits 1), never silently ignored.
#ifndef TANDEM_SERVER_FLAGS_H_
#define TANDEM_SERVER_FLAGS_H_

#include <string>

#include "absl/status/status.h"
#include "server/settings.h"

namespace tandem::server {

// What main should do after parsing.
enum class FlagsAction { kRun, kPrintHelp, kPrintVersion };

// Parses argv into *settings; on error the status message is the one line
// to print. Validates the combination (e.g. -I against -m) as memcached does.
// The exit code for an error is ExitCodeFor(status).
absl::Status ParseFlags(int argc, char** argv, Settings* settings, FlagsAction* action);

// memcached exits 1 for most bad flags and EX_USAGE (64) for a few (-S or
// -Y against -B or -U, a bad slab_sizes); those come back as
// kFailedPrecondition.
int ExitCodeFor(const absl::Status& status);

// `-h` output.
std::string UsageText();

}  // namespace tandem::server

#endif  // TANDEM_SERVER_FLAGS_H_
