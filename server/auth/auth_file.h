// AuthFile: the user:password list of memcached's ASCII authentication
// (-Y FILE), loaded once at start-up with memcached 1.6.18's rules:
// one `user:password` a line (the user ends at the first ':', the password
// at the line's end, a trailing '\r' dropped), at most 8 entries (lines
// after the 8th are not read), and a line without ':' (an empty line
// included) refuses the whole file. Unlike memcached, a line longer than
// 255 bytes is refused too (memcached reads it in pieces and misparses it).
#ifndef TANDEM_SERVER_AUTH_AUTH_FILE_H_
#define TANDEM_SERVER_AUTH_AUTH_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tandem::server {

class AuthFile {
 public:
  // memcached's MAX_ENTRIES and MAX_ENTRY_LEN.
  static constexpr size_t kMaxEntries = 8;
  static constexpr size_t kMaxLineLength = 255;

  // Reads `path`; the error message is memcached's start-up line for it.
  static absl::StatusOr<AuthFile> Load(const std::string& path);
  // Parses a file's contents; `path` only names it in the error.
  static absl::StatusOr<AuthFile> Parse(std::string_view contents, const std::string& path);

  // Whether user and password match an entry. Compared in constant time
  // for equal lengths (CRYPTO_memcmp), as memcached's safe_memcmp does.
  bool Check(std::string_view user, std::string_view password) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string user;
    std::string password;
  };
  std::vector<Entry> entries_;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_AUTH_AUTH_FILE_H_
