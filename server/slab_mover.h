// SlabMover: the slab rebalancer's thread (memcached's slab_rebalance
// thread plus the automove part of its LRU maintainer). It carries out the
// page moves queued by `slabs reassign` or by its own automove decisions
// (Engine::RebalanceStep), and once a second, with slab_automove=1, feeds
// the classes' samples to SlabAutomove (storage/slab_automove.h) and
// queues what it decides. With slab_automove=2 it asks for a page, from any
// class, for every class that evicted since it last looked (every 100 ms;
// memcached does it on each eviction). The level and the ratio are read
// from the settings each time, so `slabs automove` takes effect at once.
//
// Runs only with slab_reassign on (memcached's default; -o no_slab_reassign
// or no_modern turn it off). A move in progress is retried every
// millisecond while items in its page are still in use; otherwise the
// thread sleeps until a move is queued or the next sample is due.
#ifndef TANDEM_SERVER_SLAB_MOVER_H_
#define TANDEM_SERVER_SLAB_MOVER_H_

#include <atomic>
#include <thread>

#include "server/settings.h"
#include "server/storage/engine.h"

namespace tandem::server {

class SlabMover {
 public:
  SlabMover(const Settings& settings, storage::Engine& engine)
      : settings_(settings), engine_(engine) {}
  ~SlabMover() { Stop(); }
  SlabMover(const SlabMover&) = delete;
  SlabMover& operator=(const SlabMover&) = delete;

  void Start();
  void Stop();

 private:
  void Run();

  const Settings& settings_;
  storage::Engine& engine_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_SLAB_MOVER_H_
