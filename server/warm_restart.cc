// WarmRestart (see warm_restart.h): the checks between a metadata file and
// a warm start, and the "[restart]" lines that say why a start is empty.
// memcached prints the same prefix and, where it has one, the same
// sentence (no metadata; a setting that changed), each on one line here.
#include "server/warm_restart.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/log.h"
#include "server/storage/size_classes.h"
#include "server/version.h"

namespace tandem::server {
namespace {

constexpr const char* kCleanCache = ", starting with a clean cache";

void Say(const std::string& line) { absl::FPrintF(stderr, "[restart] %s\n", line); }

}  // namespace

size_t WarmRestart::FileSize(size_t max_bytes) {
  const size_t page = storage::EngineOptions{}.slab_page_size;
  return (max_bytes + page - 1) / page * page + (storage::SizeClasses::kMaxClasses + 1) * page;
}

std::vector<std::pair<std::string, std::string>> WarmRestart::LayoutSettings(const Settings& s) {
  return {
      {"tandem_version", std::string(kTandemVersion)},
      {"maxbytes", absl::StrCat(s.max_bytes.load())},
      {"chunk_size", absl::StrCat(s.chunk_size)},
      {"growth_factor", absl::StrFormat("%.17g", s.growth_factor)},
      {"item_size_max", absl::StrCat(s.item_size_max)},
      {"slab_chunk_max", absl::StrCat(s.slab_chunk_max)},
      {"slab_sizes", absl::StrJoin(s.slab_sizes, "-")},  // -o slab_sizes: explicit class sizes
      {"slab_page_size", absl::StrCat(storage::EngineOptions{}.slab_page_size)},
      {"use_cas", s.use_cas ? "true" : "false"},
      {"lru_segmented", s.lru_segmented ? "true" : "false"},
      {"cas_from_version", s.replication_enabled() ? "true" : "false"},
      {"file_size", absl::StrCat(FileSize(s.max_bytes.load()))},
  };
}

absl::StatusOr<std::unique_ptr<WarmRestart>> WarmRestart::Open(const Settings& settings) {
  bool kept = false;
  absl::StatusOr<std::unique_ptr<storage::MemoryFile>> file =
      storage::MemoryFile::Open(settings.memory_file, FileSize(settings.max_bytes.load()), &kept);
  if (!file.ok()) return file.status();
  std::unique_ptr<WarmRestart> w(new WarmRestart(settings, std::move(*file)));
  w->layout_settings_ = LayoutSettings(settings);
  w->saved_ = w->ReadMeta(kept);
  if (!w->saved_.has_value()) {
    if (absl::Status s = w->file_->Wipe(); !s.ok()) return s;
  }
  return w;
}

std::optional<storage::WarmState> WarmRestart::ReadMeta(bool file_kept) {
  const std::string path = MetaPath();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Say(absl::StrCat("no metadata save file", kCleanCache));
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  // Read once: a crash from here on must find no metadata next time, since
  // this process is about to change the memory file.
  if (unlink(path.c_str()) != 0) {
    Say(absl::StrCat("failed to remove ", path, ": ", std::strerror(errno), kCleanCache));
    return std::nullopt;
  }
  absl::StatusOr<storage::WarmState> state = storage::DecodeWarmState(text.str());
  if (!state.ok()) {
    Say(absl::StrCat("corrupt metadata file (", state.status().message(), ")", kCleanCache));
    return std::nullopt;
  }
  for (const auto& [name, value] : layout_settings_) {
    std::string old = "(none)";
    for (const auto& [saved_name, saved_value] : state->settings) {
      if (saved_name == name) old = saved_value;
    }
    if (old != value) {
      Say(absl::StrCat("restart incompatible due to setting for [", name, "] [old value: ", old,
                       "]", kCleanCache));
      return std::nullopt;
    }
  }
  if (!file_kept) {
    Say(absl::StrCat("memory file ", file_->path(), " is not the one the metadata describes",
                     kCleanCache));
    return std::nullopt;
  }
  if (settings_.replication_enabled() != state->replicating) {
    Say(absl::StrCat("the metadata has ", state->replicating ? "" : "no ",
                     "replication state and this node ", settings_.replication_enabled() ? "" : "does not ",
                     "replicate", kCleanCache));
    return std::nullopt;
  }
  const int64_t now = (storage::Clock::SystemWallMs() + settings_.debug_clock_offset_ms) / 1000;
  if (now < state->stop_time || state->process_started > state->stop_time ||
      now - state->process_started > int64_t{UINT32_MAX} / 2) {
    Say(absl::StrCat("the clock went backwards since the stop (stopped at ", state->stop_time,
                     ", now ", now, ")", kCleanCache));
    return std::nullopt;
  }
  return std::move(*state);
}

void WarmRestart::Restore(storage::Engine& engine, storage::SystemClock& clock) {
  if (!saved_.has_value()) return;
  const storage::WarmState& st = *saved_;
  // The clock resumes from the old process start, so every stored time
  // (exptime, last access) keeps its meaning and the time spent stopped
  // counts against TTLs, as in memcached.
  const int64_t now = clock.WallMs() / 1000;
  const auto rel_now =
      static_cast<storage::RelTime>(std::max<int64_t>(now - st.process_started, st.current_time));
  absl::StatusOr<size_t> restored = engine.RestoreWarm(st, rel_now);
  if (!restored.ok()) {
    Say(absl::StrCat("memory file does not match its metadata (", restored.status().message(), ")",
                     kCleanCache));
    if (absl::Status s = file_->Wipe(); !s.ok()) Say(std::string(s.message()));
    saved_.reset();
    return;
  }
  clock.ResumeFrom(st.process_started);
  Log(settings_, 1, "[restart] restored %d items from %s (memory base %#x, was %#x)", *restored,
      file_->path(), reinterpret_cast<uintptr_t>(file_->base()), st.mmap_base);
  if (st.replicating) {
    Say(absl::StrCat("restored ", *restored, " items; resuming as node ", st.node_id,
                     ", own stream from offset ", st.stream_end, ", peer stream ", st.applied_stream,
                     " from offset ", st.applied_offset));
  }
  restored_ = std::move(saved_);
  saved_.reset();
}

absl::Status WarmRestart::Save(storage::Engine& engine, const storage::SystemClock& clock,
                               const std::function<void(storage::WarmState*)>& add_replication) {
  storage::WarmState st;
  engine.SaveWarm(&st);
  if (st.replicating && add_replication) add_replication(&st);
  st.settings = layout_settings_;
  st.process_started = clock.ProcessStarted();
  st.stop_time = clock.WallMs() / 1000;
  st.current_time = static_cast<storage::RelTime>(st.stop_time - st.process_started);
  const std::string text = storage::EncodeWarmState(st);
  const std::string path = MetaPath();
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return absl::InternalError(absl::StrCat("failed to save ", tmp, ": ", std::strerror(errno)));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      close(fd);
      unlink(tmp.c_str());
      return absl::InternalError(absl::StrCat("failed to save ", tmp, ": ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  // On a disk-backed file the metadata must not reach the disk before the
  // pages it describes.
  msync(file_->base(), file_->size(), MS_SYNC);
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!synced || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat("failed to save ", path, ": ", std::strerror(errno)));
  }
  Log(settings_, 1, "[restart] saved %d items to %s", st.curr_items, file_->path());
  return absl::OkStatus();
}

}  // namespace tandem::server
