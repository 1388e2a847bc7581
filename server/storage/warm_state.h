// WarmState: what a graceful stop (SIGUSR1) with -e writes next to the
// memory file, FILE.meta, and what the next start needs to take the items
// in the file back (memcached 1.6's restart metadata, our own format).
//
// The slab pages and the items themselves stay in the memory file; this is
// the rest: the settings that decide the file's layout (compared on start,
// any difference starts empty), the process clock (so relative TTLs and
// access times keep their meaning), the CAS counter and flush_all state,
// where the mapping was (items hold raw pointers, fixed up by the distance
// it moved), which class owns each page, and the head, tail and length of
// every LRU list (the lists are walked from there; engine_warm.cc). A
// replicating node adds its convergence state and its place in the pair
// (node id, stream positions), one line per tombstone and per raised
// version-floor slot; a file without them never starts a replicating node
// warm (server/warm_restart.cc).
//
// The file is text, one "name value" line each, ending with a checksum
// line (64-bit FNV-1a of everything before it), so a truncated or edited
// file is refused instead of misread. Encode and Decode are pure.
#ifndef TANDEM_SERVER_STORAGE_WARM_STATE_H_
#define TANDEM_SERVER_STORAGE_WARM_STATE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace tandem::server::storage {

struct WarmState {
  // Bumped whenever the item header (item.h), the chunk header or this
  // format changes meaning: a file of another layout starts empty.
  static constexpr int kLayoutVersion = 1;

  // Settings that must match, as (name, value) in a fixed order; the
  // server fills and compares them (server/warm_restart.cc).
  std::vector<std::pair<std::string, std::string>> settings;

  // Engine state (Engine::SaveWarm / RestoreWarm).
  uint64_t mmap_base = 0;    // where the memory file was mapped
  uint64_t cas = 0;          // last CAS handed out
  uint32_t oldest_live = 0;  // flush_all state (expiry.h)
  uint64_t oldest_cas = 0;
  uint64_t curr_items = 0;
  std::vector<uint8_t> page_classes;  // class id of each carved page, in file order
  struct ClassEnd {
    int id = 0;
    uint64_t pages = 0;
    uint64_t end_offset = 0;  // from the mapping base
    uint64_t end_left = 0;
  };
  std::vector<ClassEnd> classes;  // classes with at least one page
  struct LruList {
    int cls = 0;
    int lru = 0;        // LruId
    uint64_t head = 0;  // raw pointers of the old mapping, 0 = empty
    uint64_t tail = 0;
    uint64_t count = 0;
  };
  std::vector<LruList> lrus;  // non-empty lists only

  // Process clock (clock.h): when its second 0 was, where it stood at the
  // stop and the wall clock at the stop.
  int64_t process_started = 0;
  uint32_t current_time = 0;
  int64_t stop_time = 0;

  // A replicating node (-x/-X) only; `replicating` says these were saved.
  // The engine's convergence state: the hybrid clock, every flush mark,
  // each live delete tombstone and every raised version-floor slot, so a
  // peer record that crossed a delete or a flush stays beaten
  // (tombstones.h, version_floor.h, flush_mark.h).
  bool replicating = false;
  uint64_t hlc = 0;
  unsigned cas_node_bit = 0;  // the CAS node bit the last link settled (engine.h)
  struct FlushMark {
    uint64_t version = 0;
    int64_t delay_ms = 0;
    int64_t due_ms = 0;  // wall clock
  };
  std::vector<FlushMark> flush_marks;
  std::vector<std::pair<std::string, uint64_t>> tombstones;  // key, version of the delete
  std::vector<std::pair<uint32_t, uint64_t>> floor_slots;    // slot, floor (non-zero only)
  // The node's place in the pair (replication.h): its node id (also its
  // stream's id), its own stream's end, and the peer stream it had applied
  // up to where. Filled by the replication layer.
  uint64_t node_id = 0;
  uint64_t stream_end = 0;
  uint64_t applied_stream = 0;
  uint64_t applied_offset = 0;
};

std::string EncodeWarmState(const WarmState& state);
// InvalidArgument (saying what is wrong) for anything but a complete,
// well-formed file with a matching checksum.
absl::StatusOr<WarmState> DecodeWarmState(std::string_view text);

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_WARM_STATE_H_
