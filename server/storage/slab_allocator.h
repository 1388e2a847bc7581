// SlabAllocator: 1 MB pages carved into fixed-size chunks, one free list per
// size class, pages added lazily until the memory limit. Hand-written on
// purpose: predictable per-item overhead and a hard memory ceiling are what
// a cache sells, and malloc gives neither.
//
// Like memcached (do_slabs_newslab), a class with no page at all always gets
// its first page even past the limit, so every item size stays storable.
// A page is carved lazily (chunks are handed out from its unused end before
// being threaded on the free list) so untouched memory is never faulted in.
//
// Pages move between classes (memcached's slab rebalancer): BeginMove takes
// one page of a class out of service (its free chunks leave the free list,
// and chunks freed later stay off it), the engine frees whatever still
// lives there (engine_rebalance.cc), and FinishMove hands the empty page to
// another class or to the global pool (memcached's class 0), from which any
// class takes a page before asking for new memory. Memory never goes back
// to the kernel; -m bounds the pages malloced, wherever they are.
//
// Locking: each class has its own mutex (stores of different sizes do not
// contend); the bytes malloced so far are an atomic reserved with a CAS
// before a page is allocated, so the limit holds without a global lock.
// These are the innermost locks of the engine (segment -> LRU -> slab).
//
// Warm restart (-e): given an arena (a shared mapping of the memory file,
// server/storage/memory_file.h), pages are carved from it in order instead
// of from anonymous memory, and the allocator remembers which class owns
// each arena page. Layout() reports that bookkeeping for the metadata file;
// Restore() takes it back on the next start, with a predicate telling which
// carved chunks hold restored items (every other carved chunk goes on its
// class's free list).
#ifndef TANDEM_SERVER_STORAGE_SLAB_ALLOCATOR_H_
#define TANDEM_SERVER_STORAGE_SLAB_ALLOCATOR_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/size_classes.h"

namespace tandem::server::storage {

class SlabAllocator {
 public:
  struct ClassStats {
    size_t chunk_size = 0;
    size_t chunks_per_page = 0;
    size_t total_pages = 0;
    size_t total_chunks = 0;
    size_t used_chunks = 0;
    size_t free_chunks = 0;  // free list + uncarved end of the last page
  };

  // The arena's page bookkeeping, as saved across a warm restart. Offsets
  // are from the arena base.
  // A saved class has every page carved (Layout counts uncarved chunks as
  // free chunks), so its end is the end of its last page in the file.
  struct ClassEnd {
    size_t pages = 0;
    size_t end_offset = 0;  // end of the class's last page in the file
    size_t end_left = 0;    // chunks left there
  };
  struct ArenaLayout {
    std::vector<uint8_t> page_classes;  // class id of arena page i (0: the global pool)
    std::vector<ClassEnd> classes;      // indexed by class id (0 unused)
  };

  // A page being emptied for a move (BeginMove .. FinishMove).
  struct PageMove {
    int src = 0;
    int dst = 0;
    char* page = nullptr;
  };

  // arena_base/arena_size: carve pages from that memory (warm restart);
  // null: anonymous memory.
  SlabAllocator(const SizeClasses& classes, size_t memory_limit, char* arena_base = nullptr,
                size_t arena_size = 0);
  ~SlabAllocator();
  SlabAllocator(const SlabAllocator&) = delete;
  SlabAllocator& operator=(const SlabAllocator&) = delete;

  // A chunk of class `id`, or nullptr when the class has no free chunk and
  // no page may be added (the caller then evicts and retries).
  void* Alloc(int id);
  // A chunk only if the class has one free without a new page (the
  // rebalancer's rescues must not grow the class it is shrinking).
  void* AllocNoGrow(int id);
  void Free(int id, void* chunk);

  void SetLimit(size_t bytes) { limit_.store(bytes, std::memory_order_relaxed); }
  size_t limit() const { return limit_.load(std::memory_order_relaxed); }
  size_t total_malloced() const { return malloced_.load(std::memory_order_relaxed); }
  size_t malloc_fails() const { return malloc_fails_.load(std::memory_order_relaxed); }
  ClassStats Stats(int id) const;
  const SizeClasses& classes() const { return classes_; }

  char* arena_base() const { return arena_base_; }
  size_t arena_size() const { return arena_size_; }
  // Arena only, with no allocation running (serving has stopped).
  ArenaLayout Layout() const;
  // Arena only, on a fresh allocator before any Alloc: takes `layout` back
  // (already validated by the caller: engine_warm.cc) and puts every carved
  // chunk for which in_use(chunk) is false on its class's free list.
  void Restore(const ArenaLayout& layout, absl::FunctionRef<bool(const char*)> in_use);
  // ---- page moves (one at a time; the engine serialises them) -----------
  // Takes the oldest page of `src` (1..count(), or 0: a page of the global
  // pool) out of service for a move to `dst` (0: the pool). False when src
  // has fewer than two pages (the pool: none), so a class keeps a page.
  bool BeginMove(int src, int dst, PageMove* move);
  // Calls fn(chunk) for each chunk of the moving page still allocated.
  template <typename Fn>
  void ForEachUsedInMove(const PageMove& move, Fn&& fn);
  // True once every chunk of the moving page is free; then the page goes
  // to move.dst and the move is over.
  bool FinishMove(const PageMove& move);
  size_t pool_pages() const;
  // Whether every page -m allows has been malloced (memcached's
  // mem_limit_reached, which lets automove return free pages to the pool).
  bool limit_reached() const { return total_malloced() + classes_.page_size() > limit(); }

 private:
  struct FreeNode {
    FreeNode* next;
  };
  struct alignas(64) Class {
    mutable absl::Mutex mu;
    FreeNode* free_list ABSL_GUARDED_BY(mu) = nullptr;
    size_t free_count ABSL_GUARDED_BY(mu) = 0;
    char* end_ptr ABSL_GUARDED_BY(mu) = nullptr;  // uncarved part of the newest page
    size_t end_left ABSL_GUARDED_BY(mu) = 0;      // chunks left there
    size_t pages ABSL_GUARDED_BY(mu) = 0;
    size_t used ABSL_GUARDED_BY(mu) = 0;
    // Every page of the class, oldest first (memcached's slab_list), and
    // pages given by a move that are not carved yet.
    std::vector<char*> page_list ABSL_GUARDED_BY(mu);
    std::vector<char*> spare ABSL_GUARDED_BY(mu);
    // The page being emptied, and which of its chunks are free.
    char* moving ABSL_GUARDED_BY(mu) = nullptr;
    std::vector<bool> moving_free ABSL_GUARDED_BY(mu);
    size_t moving_free_count ABSL_GUARDED_BY(mu) = 0;
  };

  bool NewPageLocked(int id, Class& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c.mu);
  void NoteArenaPageClass(const char* page, int id);
  void InstallPageLocked(int id, Class& c, char* page) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c.mu);
  bool InMovingLocked(const Class& c, const void* p) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(c.mu) {
    return c.moving != nullptr && static_cast<const char*>(p) >= c.moving &&
           static_cast<const char*>(p) < c.moving + classes_.page_size();
  }

  const SizeClasses& classes_;
  std::atomic<size_t> limit_;
  std::atomic<size_t> malloced_{0};
  std::atomic<size_t> malloc_fails_{0};
  std::unique_ptr<Class[]> classes_state_;
  // Carves a page from the current 2 MB huge-page region, or from the
  // arena (see .cc); `id` is the class it is for.
  void* CarvePage(size_t len, int id);

  char* const arena_base_;
  const size_t arena_size_;

  mutable absl::Mutex pages_mu_;  // the regions and where the next page starts
  std::vector<std::pair<void*, size_t>> mappings_ ABSL_GUARDED_BY(pages_mu_);
  char* region_next_ ABSL_GUARDED_BY(pages_mu_) = nullptr;
  size_t region_left_ ABSL_GUARDED_BY(pages_mu_) = 0;
  std::vector<uint8_t> arena_pages_ ABSL_GUARDED_BY(pages_mu_);  // class of each carved arena page
  std::vector<char*> pool_ ABSL_GUARDED_BY(pages_mu_);  // memcached's class 0
};

template <typename Fn>
void SlabAllocator::ForEachUsedInMove(const PageMove& move, Fn&& fn) {
  if (move.src == 0) return;  // a pool page holds nothing
  std::vector<char*> used;
  {
    Class& c = classes_state_[static_cast<size_t>(move.src)];
    absl::MutexLock lock(&c.mu);
    const size_t size = classes_.chunk_size(move.src);
    for (size_t i = 0; i < c.moving_free.size(); ++i) {
      if (!c.moving_free[i]) used.push_back(c.moving + i * size);
    }
  }
  for (char* p : used) fn(p);
}

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_SLAB_ALLOCATOR_H_
