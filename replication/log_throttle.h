// LogThrottle: decides whether a repeating log line is written now. A
// peer that keeps failing (a dial refused every second, a node with the
// wrong secret redialling) must be reported, but once per cause, not three
// lines a second forever.
//
// Per subject (the peer's address): the first line is written at once, and
// so is a line whose text differs from the last one written (the operator
// must see "refused" turn into "timed out"). A repeat of the same line is
// written at most once per interval, saying how many repeats it stands for.
// The number of subjects is bounded: strangers on many addresses cannot grow
// it without limit (the oldest subject is forgotten).
#ifndef TANDEM_REPLICATION_LOG_THROTTLE_H_
#define TANDEM_REPLICATION_LOG_THROTTLE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"

namespace tandem::replication {

class LogThrottle {
 public:
  explicit LogThrottle(int64_t interval_ms, size_t max_subjects = 64)
      : interval_ms_(interval_ms), max_subjects_(max_subjects) {}

  // The line to write now ("" when it is a repeat within the interval); a
  // written repeat ends with "(N more since <interval> ago)".
  std::string Filter(const std::string& subject, const std::string& line, int64_t now_ms);
  // The subject recovered (the link came up): its next failure is news.
  void Forget(const std::string& subject) { subjects_.erase(subject); }
  void ForgetAll() { subjects_.clear(); }

 private:
  struct Entry {
    std::string last_line;
    int64_t written_ms = 0;
    uint64_t repeats = 0;  // suppressed since written_ms
  };
  void MakeRoom();

  const int64_t interval_ms_;
  const size_t max_subjects_;
  absl::flat_hash_map<std::string, Entry> subjects_;
};

}  // namespace tandem::replication

#endif  // TANDEM_REPLICATION_LOG_THROTTLE_H_
