// RunProgram: runs a command-line tool to completion for a test, with
// `input` on its stdin, capturing stdout and stderr separately. Every wait
// is bounded: a program still running at the timeout is killed (by PID) and
// reported with exit_code -1.
#ifndef TANDEM_TESTS_SUPPORT_SUBPROCESS_H_
#define TANDEM_TESTS_SUPPORT_SUBPROCESS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace tandem::testing {

struct ProgramResult {
  int exit_code = -1;  // -1: killed by a signal or at the timeout
  std::string out;
  std::string err;
};

ProgramResult RunProgram(const std::string& path, const std::vector<std::string>& args,
                         const std::string& input = "",
                         absl::Duration timeout = absl::Seconds(10));

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_SUPPORT_SUBPROCESS_H_
