// AuthUsers; see auth_users.h.
#include "server/auth/auth_users.h"

namespace tandem::server {

absl::StatusOr<std::unique_ptr<AuthUsers>> AuthUsers::Load(const std::string& path) {
  absl::StatusOr<AuthFile> file = AuthFile::Load(path);
  if (!file.ok()) return file.status();
  auto users = std::make_unique<AuthUsers>(*std::move(file));
  users->path_ = path;
  return users;
}

absl::Status AuthUsers::Reload() {
  absl::StatusOr<AuthFile> file = AuthFile::Load(path_);
  if (!file.ok()) return file.status();
  absl::MutexLock lock(&mu_);
  file_ = *std::move(file);
  return absl::OkStatus();
}

bool AuthUsers::Check(std::string_view user, std::string_view password) const {
  absl::ReaderMutexLock lock(&mu_);
  return file_.Check(user, password);
}

}  // namespace tandem::server
