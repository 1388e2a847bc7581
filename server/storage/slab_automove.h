// SlabAutomove: decides which slab page should move where, from samples
// of each class taken once a second. It follows memcached 1.6's default
// algorithm (slab_automove=1, doc/new_lru.txt and slab_automove.c), so an
// operator tuning slab_automove_ratio / _window gets what memcached gives:
//
// - Each class keeps a window of `window` samples: the age of its COLD
//   tail, whether it evicted (and its share of all evictions that second),
//   and whether it was "dirty" (evicted, ran out of memory or grew a page).
// - A class holding more than 2.5 pages of free chunks that was not dirty
//   during the whole window gives a page back to the global pool, but only
//   once all of -m has been malloced (before that, free memory is free).
// - Otherwise, once the window has filled, the class with the oldest
//   average tail age (and more than two pages) gives a page to the class
//   with the youngest average age that is evicting (in more than half the
//   window's samples, or more than a quarter of all evictions), if the
//   youngest age is below `ratio` times the oldest and the youngest class
//   evicted in this very sample.
//
// Pure: no locks, no engine; the caller (server/slab_mover) feeds samples
// and carries out the decision with Engine::SlabsReassign.
#ifndef TANDEM_SERVER_STORAGE_SLAB_AUTOMOVE_H_
#define TANDEM_SERVER_STORAGE_SLAB_AUTOMOVE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tandem::server::storage {

// One class at one moment (Engine::SlabClassSamples); index = class id.
struct SlabClassSample {
  uint64_t evicted = 0;       // cumulative
  uint64_t outofmemory = 0;   // cumulative
  uint64_t age = 0;           // seconds since the COLD tail item was touched; 0 if empty
  uint64_t total_pages = 0;
  uint64_t free_chunks = 0;
  uint64_t chunks_per_page = 0;
};

class SlabAutomove {
 public:
  struct Move {
    int src = -1;  // -1: no move
    int dst = -1;  // 0: the global page pool
  };

  SlabAutomove(int window, double ratio);

  // One sample per class (index 0 unused); limit_reached: all of -m is
  // malloced. The first call only records the baseline.
  Move Run(const std::vector<SlabClassSample>& now, bool limit_reached);

 private:
  struct Slot {
    uint64_t age = 0;
    bool dirty = false;
    double evicted_ratio = 0;
    bool evicted_seen = false;
  };

  size_t window_;
  double ratio_;
  uint64_t runs_ = 0;
  std::vector<SlabClassSample> before_;
  std::vector<std::vector<Slot>> slots_;  // [class][window position]
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_SLAB_AUTOMOVE_H_
