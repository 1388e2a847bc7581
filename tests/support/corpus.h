// Corpus: request scripts for the differential tests, parsed from plain
// text files (tests/differential/corpus/*.txt).
//
// File format, one directive per line:
//   # comment                  (a line starting with '#'; send '#' as \x23)
//   %flags -I 1k               server flags for the cases that follow in this
//                              file ("%flags" alone: defaults). Cases with the
//                              same flags share one server pair.
//   === case_name              starts a case; names are [A-Za-z0-9_], unique
//   @sleep 2.5                 send what came before, then wait (seconds)
//   @bytewise                  send this case's bytes one byte at a time
//   @nosentinel                do not append the sentinel; read until the
//                              peer closes or 300 ms of quiet (automatic when
//                              the request bytes do not end in "\n")
//   @fresh                     run on a newly started server pair
//   @timeout 5                 reply timeout in seconds (default 5)
//   @keepstats a,b,c           compare the values of these STAT names too
//                              (normally only names are compared)
//   anything else              request bytes. The line break in the file is
//                              NOT sent: write \r\n. Escapes: \r \n \t \0
//                              \\ \xHH; {{TEXT*N}} repeats TEXT N times.
//   (blank lines are ignored)
#ifndef TANDEM_TESTS_SUPPORT_CORPUS_H_
#define TANDEM_TESTS_SUPPORT_CORPUS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tandem::testing {

struct CorpusStep {
  std::string send;                            // bytes to send, may be empty
  absl::Duration sleep = absl::ZeroDuration();  // then sleep this long
};

struct CorpusCase {
  std::string name;
  std::string location;  // file:line of the "===" line
  std::string flags;     // the %flags text ("" = defaults)
  std::vector<CorpusStep> steps;
  bool sentinel = true;
  bool bytewise = false;
  bool fresh = false;
  absl::Duration timeout = absl::Seconds(5);
  std::vector<std::string> keep_stat_values;

  std::string AllBytes() const;
};

// Expands {{TEXT*N}} and backslash escapes.
absl::StatusOr<std::string> UnescapeCorpusText(std::string_view text);

absl::StatusOr<std::vector<CorpusCase>> ParseCorpus(std::string_view text, std::string_view file_name);
// Every *.txt in `dir`, in file name order; case names must be unique.
absl::StatusOr<std::vector<CorpusCase>> LoadCorpusDir(const std::string& dir);

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_SUPPORT_CORPUS_H_
