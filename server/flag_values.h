// Value rules shared by the command-line flags (server/flags.cc) and the
// `-o` extended options (server/extended_options.cc): strict numbers, sizes
// with memcached's k/m/g suffix, and memcached's slab geometry, each with
// the "invalid value for FLAG" error memcached users know.
#ifndef TANDEM_SERVER_FLAG_VALUES_H_
#define TANDEM_SERVER_FLAG_VALUES_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tandem::server {

// memcached's fixed 1 MB slab page, its default slab_chunk_max (half a page)
// and the smallest slab_chunk_max tandem's chunked items can use (memcached
// takes any divisor of the page, even 16 bytes).
constexpr int64_t kSlabPageSize = int64_t{1} << 20;
constexpr size_t kDefaultSlabChunkMax = size_t{512} << 10;
constexpr int64_t kMinSlabChunkMax = 1024;

// "invalid value for FLAG: "VALUE"".
absl::Status InvalidFlagValue(absl::string_view flag, absl::string_view value);

// Strict integer in [min, max]; memcached's atoi would take "12abc".
absl::Status ParseInt(absl::string_view flag, absl::string_view text, int64_t min, int64_t max,
                      int64_t* out);

template <typename T>
absl::Status ParseIntInto(absl::string_view flag, absl::string_view text, int64_t min, int64_t max,
                          T* out) {
  int64_t v = 0;
  absl::Status s = ParseInt(flag, text, min, max, &v);
  if (s.ok()) *out = static_cast<T>(v);
  return s;
}

// Sizes with memcached's optional k/m/g suffix (-I 2m).
absl::Status ParseSize(absl::string_view flag, absl::string_view text, size_t* out);

absl::Status ParseDouble(absl::string_view flag, absl::string_view text, double* out);

// "-X 11212" against "-X -o ...": only digits make the next argument -X's.
bool IsPortNumber(absl::string_view text);

}  // namespace tandem::server

#endif  // TANDEM_SERVER_FLAG_VALUES_H_
