// SlabAllocator: see slab_allocator.h.
#include "server/storage/slab_allocator.h"

#include <cstdlib>

namespace tandem::server::storage {

SlabAllocator::SlabAllocator(const SizeClasses& classes, size_t memory_limit)
    : classes_(classes),
      limit_(memory_limit),
      classes_state_(new Class[static_cast<size_t>(classes.count()) + 1]) {}

SlabAllocator::~SlabAllocator() {
  absl::MutexLock lock(&pages_mu_);
  for (void* p : pages_) std::free(p);
}

bool SlabAllocator::NewPageLocked(int id, Class& c) {
  const size_t len = classes_.page_size();
  // memcached: refuse past the limit unless the class has no page yet.
  // Reserve the bytes first so concurrent classes cannot overshoot together.
  size_t cur = malloced_.load(std::memory_order_relaxed);
  do {
    if (cur + len > limit_.load(std::memory_order_relaxed) && c.pages > 0) return false;
  } while (!malloced_.compare_exchange_weak(cur, cur + len, std::memory_order_relaxed));
  // Page-aligned: chunks whose size is a multiple of 64 start on a cache
  // line, so a header plus a short key spans as few lines as possible.
  void* page = len % 4096 == 0 ? std::aligned_alloc(4096, len) : std::malloc(len);
  if (page == nullptr) {
    malloced_.fetch_sub(len, std::memory_order_relaxed);
    malloc_fails_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  {
    absl::MutexLock lock(&pages_mu_);
    pages_.push_back(page);
  }
  ++c.pages;
  c.end_ptr = static_cast<char*>(page);
  c.end_left = classes_.per_page(id);
  c.capacity.fetch_add(c.end_left, std::memory_order_relaxed);
  return true;
}

void* SlabAllocator::Alloc(int id) {
  Class& c = classes_state_[static_cast<size_t>(id)];
  absl::MutexLock lock(&c.mu);
  if (c.free_list != nullptr) {
    FreeNode* n = c.free_list;
    c.free_list = n->next;
    --c.free_count;
    ++c.used;
    return n;
  }
  if (c.end_left == 0 && !NewPageLocked(id, c)) return nullptr;
  void* p = c.end_ptr;
  c.end_ptr += classes_.chunk_size(id);
  --c.end_left;
  ++c.used;
  return p;
}

void SlabAllocator::Free(int id, void* chunk) {
  Class& c = classes_state_[static_cast<size_t>(id)];
  absl::MutexLock lock(&c.mu);
  auto* n = static_cast<FreeNode*>(chunk);
  n->next = c.free_list;
  c.free_list = n;
  ++c.free_count;
  --c.used;
}

SlabAllocator::ClassStats SlabAllocator::Stats(int id) const {
  const Class& c = classes_state_[static_cast<size_t>(id)];
  absl::MutexLock lock(&c.mu);
  ClassStats s;
  s.chunk_size = classes_.chunk_size(id);
  s.chunks_per_page = classes_.per_page(id);
  s.total_pages = c.pages;
  s.total_chunks = c.pages * s.chunks_per_page;
  s.used_chunks = c.used;
  s.free_chunks = c.free_count + c.end_left;
  return s;
}

}  // namespace tandem::server::storage
