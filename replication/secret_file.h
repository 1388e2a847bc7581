// SecretFile: reads the files that hold the replication link's secrets
// (--repl-secret, --repl-tls-key) and refuses one other users could read.
//
// As ssh does with private keys, a file whose mode grants anything to group
// or others is refused at start-up: a secret that every local user can read
// authenticates nobody. The check is made on the opened file (fstat), so
// the file checked is the file read.
#ifndef TANDEM_REPLICATION_SECRET_FILE_H_
#define TANDEM_REPLICATION_SECRET_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tandem::replication {

// Fails when `path` cannot be opened or grants any permission to group or
// others. `flag` names the option in the message (e.g. "--repl-secret").
absl::Status CheckPrivateFile(const std::string& flag, const std::string& path);

// Reads --repl-secret's file: private (above), not empty; surrounding
// whitespace (a trailing newline) is dropped, so `echo secret > f` works.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_SECRET_FILE_H_
