// What tandem-cli's interactive session does with one typed line: send it
// as a request, send it as the data block of the storage command before
// it, answer it locally (`help`, a data block of the wrong size), or
// nothing (an empty line). Pure, so the rules are unit-tested apart from
// the terminal.
//
//   set k 0 0 3        the command goes out; the next line is its data
//                      (prompt "data> "), sent as typed, even if empty
//   set k 0 0 3 abc    command and data in one line: both go out
//                      (the words after the fields, joined by one space,
//                      must be as many bytes as the command says)
//   (empty line)       nothing is sent (memcached would answer ERROR)
//   help               the commands, locally
#ifndef TANDEM_TOOLS_CLI_LINE_PLAN_H_
#define TANDEM_TOOLS_CLI_LINE_PLAN_H_

#include <string>
#include <string_view>

namespace tandem::cli {

struct LinePlan {
  std::string send;          // bytes for the server ("" = nothing)
  std::string local;         // text shown without asking the server
  bool awaits_data = false;  // the next line is a data block
};

class LinePlanner {
 public:
  LinePlan Plan(std::string_view line);
  bool awaiting_data() const { return awaiting_data_; }

 private:
  bool awaiting_data_ = false;
};

extern const char kInteractiveHelp[];

}  // namespace tandem::cli

#endif  // TANDEM_TOOLS_CLI_LINE_PLAN_H_
