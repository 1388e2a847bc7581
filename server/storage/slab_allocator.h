// SlabAllocator: 1 MB pages carved into fixed-size chunks, one free list per
// size class, pages added lazily until the memory limit. Hand-written on
// purpose: predictable per-item overhead and a hard memory ceiling are what
// a cache sells, and malloc gives neither.
//
// Like memcached (do_slabs_newslab), a class with no page at all always gets
// its first page even past the limit, so every item size stays storable.
// Pages are never returned; a page is carved lazily (chunks are handed out
// from its unused end before being threaded on the free list) so untouched
// memory is never faulted in. One mutex guards everything; it is the
// innermost lock of the engine (segment -> LRU -> slab).
#ifndef TANDEM_SERVER_STORAGE_SLAB_ALLOCATOR_H_
#define TANDEM_SERVER_STORAGE_SLAB_ALLOCATOR_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
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

  SlabAllocator(const SizeClasses& classes, size_t memory_limit);
  ~SlabAllocator();
  SlabAllocator(const SlabAllocator&) = delete;
  SlabAllocator& operator=(const SlabAllocator&) = delete;

  // A chunk of class `id`, or nullptr when the class has no free chunk and
  // no page may be added (the caller then evicts and retries).
  void* Alloc(int id);
  void Free(int id, void* chunk);

  // Chunks in the class's pages, read without the lock (LRU shares).
  size_t Capacity(int id) const {
    return capacity_[static_cast<size_t>(id)].load(std::memory_order_relaxed);
  }

  void SetLimit(size_t bytes);
  size_t limit() const;
  size_t total_malloced() const;
  size_t malloc_fails() const;
  ClassStats Stats(int id) const;
  const SizeClasses& classes() const { return classes_; }

 private:
  struct FreeNode {
    FreeNode* next;
  };
  struct Class {
    FreeNode* free_list = nullptr;
    size_t free_count = 0;
    char* end_ptr = nullptr;  // uncarved part of the newest page
    size_t end_left = 0;      // chunks left there
    size_t pages = 0;
    size_t used = 0;
  };

  bool NewPageLocked(int id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SizeClasses& classes_;
  mutable absl::Mutex mu_;
  size_t limit_ ABSL_GUARDED_BY(mu_);
  size_t malloced_ ABSL_GUARDED_BY(mu_) = 0;
  size_t malloc_fails_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Class> classes_state_ ABSL_GUARDED_BY(mu_);
  std::vector<void*> pages_ ABSL_GUARDED_BY(mu_);
  std::vector<std::atomic<size_t>> capacity_;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_SLAB_ALLOCATOR_H_
