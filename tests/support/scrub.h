// Scrub: masks the parts of a memcached reply stream that legitimately
// differ between two servers, so the rest can be compared byte for byte.
//
// - "VALUE <key> <flags> <bytes> <cas>": the cas becomes "<cas>"; the data
//   block that follows is copied verbatim (it is never mistaken for lines).
// - "VERSION <x>" becomes "VERSION <version>".
// - "STAT <name> <value>" becomes "STAT <name> <v>" (only names and the line
//   shape are compared), and a leading connection fd in names ("27:addr",
//   from `stats conns`) becomes "<fd>:addr". Each run of consecutive STAT
//   lines is sorted and de-duplicated, so the set of names is compared.
//   Names listed in ScrubOptions::keep_stat_values keep their values.
// Everything else (including malformed lines) is kept as is.
#ifndef TANDEM_TESTS_SUPPORT_SCRUB_H_
#define TANDEM_TESTS_SUPPORT_SCRUB_H_

#include <set>
#include <string>
#include <string_view>

namespace tandem::testing {

struct ScrubOptions {
  bool mask_cas = true;
  bool mask_version = true;
  bool mask_stat_values = true;
  bool sort_stats = true;
  // STAT names whose values are compared anyway (deterministic counters and
  // settings that a drop-in replacement must reproduce).
  std::set<std::string, std::less<>> keep_stat_values;
};

std::string Scrub(std::string_view reply, const ScrubOptions& options = {});

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_SUPPORT_SCRUB_H_
