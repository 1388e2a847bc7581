// Per-prefix stats; see prefix_stats.h.
#include "server/prefix_stats.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tandem::server {

PrefixStats::Counts* PrefixStats::Find(std::string_view key) {
  size_t pos = key.find(delimiter_);
  if (pos == std::string_view::npos) return nullptr;  // memcached skips such keys
  return &prefixes_[std::string(key.substr(0, pos))];
}

void PrefixStats::RecordGet(std::string_view key, bool hit) {
  absl::MutexLock lock(&mu_);
  if (Counts* c = Find(key)) {
    ++c->gets;
    if (hit) ++c->hits;
  }
}

void PrefixStats::RecordSet(std::string_view key) {
  absl::MutexLock lock(&mu_);
  if (Counts* c = Find(key)) ++c->sets;
}

void PrefixStats::RecordDelete(std::string_view key) {
  absl::MutexLock lock(&mu_);
  if (Counts* c = Find(key)) ++c->deletes;
}

void PrefixStats::Clear() {
  absl::MutexLock lock(&mu_);
  prefixes_.clear();
}

void PrefixStats::Dump(std::string* out) const {
  absl::MutexLock lock(&mu_);
  std::vector<const std::pair<const std::string, Counts>*> rows;
  for (const auto& row : prefixes_) rows.push_back(&row);
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (const auto* row : rows) {
    const Counts& c = row->second;
    absl::StrAppend(out, "PREFIX ", row->first, " get ", c.gets, " hit ", c.hits, " set ", c.sets,
                    " del ", c.deletes, "\r\n");
  }
  out->append("END\r\n");
}

}  // namespace tandem::server
