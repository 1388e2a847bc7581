// SlabAllocator: see slab_allocator.h.
#include "server/storage/slab_allocator.h"

#include <cstdlib>

namespace tandem::server::storage {

SlabAllocator::SlabAllocator(const SizeClasses& classes, size_t memory_limit)
    : classes_(classes), limit_(memory_limit),
      capacity_(static_cast<size_t>(classes.count()) + 1) {
  absl::MutexLock lock(&mu_);
  classes_state_.resize(static_cast<size_t>(classes.count()) + 1);
}

SlabAllocator::~SlabAllocator() {
  absl::MutexLock lock(&mu_);
  for (void* p : pages_) std::free(p);
}

bool SlabAllocator::NewPageLocked(int id) {
  Class& c = classes_state_[static_cast<size_t>(id)];
  const size_t len = classes_.page_size();
  // memcached: refuse past the limit unless the class has no page yet.
  if (malloced_ + len > limit_ && c.pages > 0) return false;
  // Page-aligned: chunks whose size is a multiple of 64 start on a cache
  // line, so a header plus a short key spans as few lines as possible.
  void* page = len % 4096 == 0 ? std::aligned_alloc(4096, len) : std::malloc(len);
  if (page == nullptr) {
    ++malloc_fails_;
    return false;
  }
  pages_.push_back(page);
  malloced_ += len;
  ++c.pages;
  c.end_ptr = static_cast<char*>(page);
  c.end_left = classes_.per_page(id);
  capacity_[static_cast<size_t>(id)].fetch_add(c.end_left, std::memory_order_relaxed);
  return true;
}

void* SlabAllocator::Alloc(int id) {
  absl::MutexLock lock(&mu_);
  Class& c = classes_state_[static_cast<size_t>(id)];
  if (c.free_list != nullptr) {
    FreeNode* n = c.free_list;
    c.free_list = n->next;
    --c.free_count;
    ++c.used;
    return n;
  }
  if (c.end_left == 0 && !NewPageLocked(id)) return nullptr;
  void* p = c.end_ptr;
  c.end_ptr += classes_.chunk_size(id);
  --c.end_left;
  ++c.used;
  return p;
}

void SlabAllocator::Free(int id, void* chunk) {
  absl::MutexLock lock(&mu_);
  Class& c = classes_state_[static_cast<size_t>(id)];
  auto* n = static_cast<FreeNode*>(chunk);
  n->next = c.free_list;
  c.free_list = n;
  ++c.free_count;
  --c.used;
}

void SlabAllocator::SetLimit(size_t bytes) {
  absl::MutexLock lock(&mu_);
  limit_ = bytes;
}

size_t SlabAllocator::limit() const {
  absl::MutexLock lock(&mu_);
  return limit_;
}

size_t SlabAllocator::total_malloced() const {
  absl::MutexLock lock(&mu_);
  return malloced_;
}

size_t SlabAllocator::malloc_fails() const {
  absl::MutexLock lock(&mu_);
  return malloc_fails_;
}

SlabAllocator::ClassStats SlabAllocator::Stats(int id) const {
  absl::MutexLock lock(&mu_);
  const Class& c = classes_state_[static_cast<size_t>(id)];
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
