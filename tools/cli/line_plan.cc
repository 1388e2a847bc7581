// The interactive line rules (see line_plan.h).
#include "tools/cli/line_plan.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace tandem::cli {

const char kInteractiveHelp[] =
    "storage   set|add|replace|append|prepend KEY FLAGS EXPTIME BYTES [noreply] [DATA]\r\n"
    "          cas KEY FLAGS EXPTIME BYTES CAS [noreply] [DATA]   (no DATA: typed on the next line)\r\n"
    "reading   get|gets KEY...   gat|gats EXPTIME KEY...   mg KEY [FLAGS]\r\n"
    "other     delete KEY  incr|decr KEY N  touch KEY EXPTIME  flush_all [DELAY]\r\n"
    "          stats [items|slabs|settings|replication]  version  verbosity N\r\n"
    "session   help  quit (or Ctrl-D); Up/Down recall earlier lines, kept across sessions\r\n";

LinePlan LinePlanner::Plan(std::string_view typed) {
  const absl::string_view line(typed.data(), typed.size());
  LinePlan plan;
  if (awaiting_data_) {
    awaiting_data_ = false;
    plan.send = absl::StrCat(line, "\r\n");
    return plan;
  }
  std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (words.empty()) return plan;
  if (words.size() == 1 && words[0] == "help") {
    plan.local = kInteractiveHelp;
    return plan;
  }
  const std::string& op = words[0];
  const bool storage = op == "set" || op == "add" || op == "replace" || op == "append" || op == "prepend";
  const size_t fields = storage ? 5 : op == "cas" ? 6 : 0;  // words up to BYTES (cas: CAS)
  uint64_t bytes = 0;
  if (fields == 0 || words.size() < fields || !absl::SimpleAtoi(words[4], &bytes)) {
    plan.send = absl::StrCat(line, "\r\n");
    return plan;
  }
  size_t data_from = fields;
  if (words.size() > data_from && words[data_from] == "noreply") ++data_from;
  std::vector<std::string> head(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(data_from));
  if (words.size() == data_from) {
    plan.send = absl::StrCat(absl::StrJoin(head, " "), "\r\n");
    plan.awaits_data = awaiting_data_ = true;
    return plan;
  }
  const std::string data =
      absl::StrJoin(std::vector<std::string>(words.begin() + static_cast<std::ptrdiff_t>(data_from), words.end()), " ");
  if (data.size() != bytes) {
    plan.local = absl::StrCat("tandem-cli: the data is ", data.size(), " bytes, the command says ", bytes,
                              "; nothing sent\r\n");
    return plan;
  }
  plan.send = absl::StrCat(absl::StrJoin(head, " "), "\r\n", data, "\r\n");
  return plan;
}

}  // namespace tandem::cli
