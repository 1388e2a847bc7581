// AuthFile; see auth_file.h.
#include "server/auth/auth_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace tandem::server {
namespace {

absl::Status OpenFailure(const std::string& path, int err) {
  // memcached's vperror() prints its message, ": ", then strerror again.
  return absl::NotFoundError(absl::StrCat("Could not open authfile [", path, "] for reading, error ",
                                          std::strerror(err), ": ", std::strerror(err)));
}

absl::Status Malformed(const std::string& path) {
  return absl::InvalidArgumentError(
      absl::StrCat("Authfile [", path, "] has a malformed entry. Should be 'user:password'"));
}

}  // namespace

absl::StatusOr<AuthFile> AuthFile::Load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenFailure(path, errno);
  std::string contents;
  char buf[4096];
  // A read error (a directory: EISDIR) ends the file, as memcached's fgets
  // loop does: the server starts with the entries read so far.
  for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) {
    contents.append(buf, static_cast<size_t>(n));
    if (contents.size() > (kMaxLineLength + 1) * (kMaxEntries + 1)) break;  // the rest is never read
  }
  ::close(fd);
  return Parse(contents, path);
}

absl::StatusOr<AuthFile> AuthFile::Parse(std::string_view contents, const std::string& path) {
  AuthFile file;
  while (!contents.empty() && file.entries_.size() < kMaxEntries) {
    const size_t newline = contents.find('\n');
    std::string_view line = contents.substr(0, newline);
    contents.remove_prefix(newline == std::string_view::npos ? contents.size() : newline + 1);
    if (line.size() > kMaxLineLength) return Malformed(path);
    const size_t colon = line.find(':');
    // memcached stops looking for the ':' at a NUL byte.
    if (colon == std::string_view::npos || line.substr(0, colon).find('\0') != std::string_view::npos) {
      return Malformed(path);
    }
    std::string_view password = line.substr(colon + 1);
    const size_t end = password.find_first_of(std::string_view("\r\0", 2));
    const bool nul_ends = end != std::string_view::npos && password[end] == '\0';
    password = password.substr(0, end);
    file.entries_.push_back({std::string(line.substr(0, colon)), std::string(password)});
    if (nul_ends) break;  // memcached takes a NUL for the end of the file
  }
  return file;
}

bool AuthFile::Check(std::string_view user, std::string_view password) const {
  bool match = false;
  for (const Entry& e : entries_) {
    if (user.size() != e.user.size() || password.size() != e.password.size()) continue;
    const bool user_ok = CRYPTO_memcmp(user.data(), e.user.data(), user.size()) == 0;
    const bool password_ok = CRYPTO_memcmp(password.data(), e.password.data(), password.size()) == 0;
    match |= user_ok & password_ok;
  }
  return match;
}

}  // namespace tandem::server
