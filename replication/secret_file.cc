// SecretFile: see secret_file.h. One open, one fstat, one read.
#include "replication/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tandem::replication {
namespace {

// Opens `path` read-only and checks its mode; the fd on success.
absl::StatusOr<int> OpenPrivate(const std::string& flag, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot read ", flag, " file ", path, ": ", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(flag, " file ", path, " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s file %s has permissions %04o: it must not be accessible by group or others (chmod 600 %s)", flag, path,
        st.st_mode & 07777, path));
  }
  return fd;
}

}  // namespace

absl::Status CheckPrivateFile(const std::string& flag, const std::string& path) {
  absl::StatusOr<int> fd = OpenPrivate(flag, path);
  if (!fd.ok()) return fd.status();
  ::close(*fd);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  absl::StatusOr<int> fd = OpenPrivate("--repl-secret", path);
  if (!fd.ok()) return fd.status();
  std::string bytes;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(*fd, buf, sizeof(buf))) > 0) bytes.append(buf, static_cast<size_t>(n));
  const int read_errno = errno;
  ::close(*fd);
  if (n < 0) return absl::UnavailableError(absl::StrCat("reading --repl-secret file ", path, ": ", std::strerror(read_errno)));
  std::string secret(absl::StripAsciiWhitespace(bytes));
  if (secret.empty()) return absl::InvalidArgumentError(absl::StrCat("--repl-secret file ", path, " is empty"));
  return secret;
}

}  // namespace tandem::replication
