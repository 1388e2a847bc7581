// SlabAllocator: 1 MB pages carved into fixed-size chunks, one free list per
// size class, pages added lazily until the memory limit. Hand-written on
// purpose: predictable per-item overhead and a hard memory ceiling are what
// a cache sells, and malloc gives neither.
//
// Like memcached (do_slabs_newslab), a class with no page at all always gets
// its first page even past the limit, so every item size stays storable.
// Pages are never returned; a page is carved lazily (chunks are handed out
// from its unused end before being threaded on the free list) so untouched
// memory is never faulted in.
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
  struct ClassEnd {
    size_t pages = 0;
    size_t end_offset = 0;  // uncarved part of the class's newest page
    size_t end_left = 0;    // chunks left there
  };
  struct ArenaLayout {
    std::vector<uint8_t> page_classes;  // class id of arena page i
    std::vector<ClassEnd> classes;      // indexed by class id (0 unused)
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
  };

  bool NewPageLocked(int id, Class& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c.mu);

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
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_SLAB_ALLOCATOR_H_
