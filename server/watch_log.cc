// WatchLog; see watch_log.h.
#include "server/watch_log.h"

#include <sys/time.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tandem::server {

void AppendUriEncoded(std::string* out, std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : key) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out->push_back(static_cast<char>(c));
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
    }
  }
}

// ---------------------------------------------------------------------------
// Watcher
// ---------------------------------------------------------------------------

bool Watcher::Offer(std::string_view line) {
  absl::MutexLock lock(&mu_);
  // Room for the line and, when lines were lost, the "skipped=N" before it.
  constexpr size_t kSkippedLine = 32;
  if (buffer_.size() + line.size() + (skipped_ > 0 ? kSkippedLine : 0) > capacity_) {
    ++skipped_;
    return false;
  }
  if (skipped_ > 0) {
    absl::StrAppend(&buffer_, "skipped=", skipped_, "\n");
    skipped_ = 0;
  }
  buffer_.append(line);
  if (!wake_pending_ && wake_) {
    wake_pending_ = true;
    wake_();
  }
  return true;
}

void Watcher::SetWake(std::function<void()> wake) {
  absl::MutexLock lock(&mu_);
  wake_ = std::move(wake);
}

void Watcher::Drain(std::string* out) {
  absl::MutexLock lock(&mu_);
  out->append(buffer_);
  buffer_.clear();
  if (buffer_.capacity() > capacity_) buffer_.shrink_to_fit();
  wake_pending_ = false;
}

// ---------------------------------------------------------------------------
// WatchLog
// ---------------------------------------------------------------------------

std::shared_ptr<Watcher> WatchLog::Add(uint16_t events) {
  absl::MutexLock lock(&mu_);
  if (watchers_.size() >= kMaxWatchers) return nullptr;
  auto w = std::make_shared<Watcher>(events, buffer_bytes_);
  watchers_.push_back(w);
  uint16_t mask = 0;
  for (const auto& x : watchers_) mask |= x->events();
  mask_.store(mask, std::memory_order_relaxed);
  return w;
}

void WatchLog::Remove(const std::shared_ptr<Watcher>& watcher) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(std::remove(watchers_.begin(), watchers_.end(), watcher), watchers_.end());
  uint16_t mask = 0;
  for (const auto& x : watchers_) mask |= x->events();
  mask_.store(mask, std::memory_order_relaxed);
}

size_t WatchLog::watchers() const {
  absl::ReaderMutexLock lock(&mu_);
  return watchers_.size();
}

// `line` holds everything after "gid=N "; the timestamp and gid go first.
void WatchLog::Publish(WatchEvent event, std::string* line) {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  const uint64_t gid = gid_.fetch_add(1, std::memory_order_relaxed) + 1;
  std::string full = absl::StrCat("ts=", tv.tv_sec, ".", static_cast<int>(tv.tv_usec), " gid=", gid, " ");
  full.append(*line);
  full.push_back('\n');
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& w : watchers_) {
    if ((w->events() & event) == 0) continue;
    if (w->Offer(full)) {
      sent_.fetch_add(1, std::memory_order_relaxed);
    } else {
      skipped_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void WatchLog::ItemGet(std::string_view key, bool found, int class_id, int fd, size_t value_size) {
  std::string line = "type=item_get key=";
  AppendUriEncoded(&line, key);
  absl::StrAppend(&line, found ? " status=found" : " status=not_found", " clsid=", found ? class_id : 0,
                  " cfd=", fd, " size=", found ? value_size : 0);
  Publish(kWatchFetchers, &line);
}

void WatchLog::ItemStore(std::string_view key, std::string_view status, std::string_view cmd, int64_t ttl,
                         int class_id, int fd, size_t value_size) {
  std::string line = "type=item_store key=";
  AppendUriEncoded(&line, key);
  absl::StrAppend(&line, " status=", absl::string_view(status.data(), status.size()), " cmd=",
                  absl::string_view(cmd.data(), cmd.size()), " ttl=", ttl, " clsid=", class_id, " cfd=", fd,
                  " size=", value_size);
  Publish(kWatchMutations, &line);
}

void WatchLog::Eviction(std::string_view key, bool fetched, int64_t ttl, int64_t last_access, int class_id,
                        size_t value_size) {
  std::string line = "type=eviction key=";
  AppendUriEncoded(&line, key);
  absl::StrAppend(&line, fetched ? " fetch=yes" : " fetch=no", " ttl=", ttl, " la=", last_access,
                  " clsid=", class_id, " size=", value_size);
  Publish(kWatchEvictions, &line);
}

}  // namespace tandem::server
