#include "replication/log_throttle.h"

#include "absl/strings/str_cat.h"

namespace tandem::replication {

std::string LogThrottle::Filter(const std::string& subject, const std::string& line, int64_t now_ms) {
  auto it = subjects_.find(subject);
  if (it == subjects_.end()) {
    MakeRoom();
    subjects_[subject] = Entry{line, now_ms, 0};
    return line;
  }
  Entry& e = it->second;
  if (e.last_line != line) {
    e = Entry{line, now_ms, 0};
    return line;
  }
  if (now_ms - e.written_ms < interval_ms_) {
    ++e.repeats;
    return "";
  }
  std::string out = e.repeats == 0
                        ? line
                        : absl::StrCat(line, " (", e.repeats + 1, " times in the last ", (now_ms - e.written_ms) / 1000, " s)");
  e.written_ms = now_ms;
  e.repeats = 0;
  return out;
}

void LogThrottle::MakeRoom() {
  if (subjects_.size() < max_subjects_) return;
  auto oldest = subjects_.begin();
  for (auto it = subjects_.begin(); it != subjects_.end(); ++it) {
    if (it->second.written_ms < oldest->second.written_ms) oldest = it;
  }
  subjects_.erase(oldest);
}

}  // namespace tandem::replication
