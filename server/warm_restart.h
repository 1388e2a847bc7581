// WarmRestart: memcached 1.6's -e / --memory-file. Item memory lives in
// FILE (storage/memory_file.h, mapped shared, meant for a RAM disk); a
// graceful stop (SIGUSR1) writes FILE.meta (storage/warm_state.h) and the
// next start with the same -e and the same memory settings takes every
// item back: value, flags, CAS, remaining TTL, LRU position.
//
// Anything else starts empty and says why on stderr, with memcached's
// "[restart]" prefix: no metadata (the last stop was a crash, SIGTERM or
// SIGKILL: the metadata file is removed as soon as a start has read it, so
// only a graceful stop leaves one behind), a setting that changed, a file
// that does not check out, a clock that went backwards.
//
// A replicating node (-x/-X) also saves what convergence rests on (its
// tombstones, version floor, flush marks and hybrid clock, engine_warm.cc)
// and its place in the pair (node id, own stream end, the peer stream
// position it had applied, Replication::SaveWarm); restored(), handed to
// Replication::Create, lets the pair resync only what it missed (see the
// README, "Warm restart").
//
// Start-up order: Open (before the engine: the engine's pages come from
// the mapping), then Restore (after the engine is built, before serving);
// Save only after serving and replication have stopped.
#ifndef TANDEM_SERVER_WARM_RESTART_H_
#define TANDEM_SERVER_WARM_RESTART_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/settings.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"
#include "server/storage/memory_file.h"
#include "server/storage/warm_state.h"

namespace tandem::server {

class WarmRestart {
 public:
  // Maps settings.memory_file and reads (then deletes) its metadata file.
  // An error only when the memory file itself cannot be used.
  static absl::StatusOr<std::unique_ptr<WarmRestart>> Open(const Settings& settings);

  char* arena_base() const { return file_->base(); }
  size_t arena_size() const { return file_->size(); }

  // Takes the saved items back into `engine` and resumes `clock` where the
  // stopped process left it, or logs why not and starts empty.
  void Restore(storage::Engine& engine, storage::SystemClock& clock);
  // Writes the metadata file (atomically: a temporary file renamed).
  // `add_replication` fills the replication layer's part (a replicating node).
  absl::Status Save(storage::Engine& engine, const storage::SystemClock& clock,
                    const std::function<void(storage::WarmState*)>& add_replication = nullptr);
  // After a Restore that took the items back: the saved state (null
  // otherwise), until ForgetRestored.
  const storage::WarmState* restored() const { return restored_ ? &*restored_ : nullptr; }
  void ForgetRestored() { restored_.reset(); }

  // The bytes of memory file for a given -m: the limit plus one page per
  // possible slab class, since a class's first page is granted even past
  // the limit (slab_allocator.h). The file stays sparse.
  static size_t FileSize(size_t max_bytes);
  // The settings a warm restart needs unchanged, as saved.
  static std::vector<std::pair<std::string, std::string>> LayoutSettings(const Settings& settings);

 private:
  WarmRestart(const Settings& settings, std::unique_ptr<storage::MemoryFile> file)
      : settings_(settings), file_(std::move(file)) {}
  std::string MetaPath() const { return file_->path() + ".meta"; }
  // The saved state, if the metadata file allows a warm restart; else
  // logs the reason and returns nothing.
  std::optional<storage::WarmState> ReadMeta(bool file_kept);
  void StartEmpty(const std::string& reason);

  const Settings& settings_;
  std::unique_ptr<storage::MemoryFile> file_;
  std::optional<storage::WarmState> saved_;
  std::optional<storage::WarmState> restored_;
  std::vector<std::pair<std::string, std::string>> layout_settings_;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_WARM_RESTART_H_
