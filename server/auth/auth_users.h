// AuthUsers: the -Y user list a running server checks clients against.
// As in memcached, SIGHUP re-reads the file (Server calls Reload), and a
// file that no longer loads leaves the previous list in force. Checks take
// a reader lock: they happen once per connection, before it authenticates.
#ifndef TANDEM_SERVER_AUTH_AUTH_USERS_H_
#define TANDEM_SERVER_AUTH_AUTH_USERS_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/auth/auth_file.h"

namespace tandem::server {

class AuthUsers {
 public:
  // Loads `path` (AuthFile::Load's errors).
  static absl::StatusOr<std::unique_ptr<AuthUsers>> Load(const std::string& path);
  // A fixed list, for tests.
  explicit AuthUsers(AuthFile file) : file_(std::move(file)) {}

  // Re-reads the file; on error the previous list stays.
  absl::Status Reload();
  bool Check(std::string_view user, std::string_view password) const;

 private:
  std::string path_;
  mutable absl::Mutex mu_;
  AuthFile file_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_AUTH_AUTH_USERS_H_
