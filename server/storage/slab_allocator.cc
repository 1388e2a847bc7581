// SlabAllocator (see slab_allocator.h): chunks from per-class free lists,
// pages reserved against -m with a CAS, pages carved from huge-page regions.
//
// Alloc takes the class mutex and tries, in order: the free list (a chunk
// freed earlier, LIFO, so the most recently touched memory is reused), the
// uncarved end of the class's newest page, and a new page. Free pushes the
// chunk back on the list; the list's link lives in the chunk itself, so a
// free chunk costs no memory of its own. Nothing is ever returned to the
// kernel or moved between classes (memcached's slab rebalancer is not
// implemented): a class keeps every page it was ever given.
//
// A new page is first reserved in malloced_ with a compare-and-swap loop
// that refuses when the page would pass the limit, unless the class has no
// page at all (memcached's do_slabs_newslab rule, so every item size stays
// storable). Only then is the memory mapped; a failed map gives the bytes
// back and counts a malloc failure. The class mutex is held throughout, and
// pages_mu_ (the region bookkeeping) nests inside it as a leaf.
//
// Alloc returning nullptr is not an error: the engine then evicts from the
// class's COLD tail and tries again (engine_alloc.cc).
#include "server/storage/slab_allocator.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace tandem::server::storage {

SlabAllocator::SlabAllocator(const SizeClasses& classes, size_t memory_limit, char* arena_base,
                             size_t arena_size)
    : classes_(classes),
      limit_(memory_limit),
      classes_state_(new Class[static_cast<size_t>(classes.count()) + 1]),
      arena_base_(arena_base),
      arena_size_(arena_base != nullptr ? arena_size : 0) {}

SlabAllocator::~SlabAllocator() {
  absl::MutexLock lock(&pages_mu_);
  for (auto [addr, len] : mappings_) munmap(addr, len);
}

namespace {

constexpr size_t kHugePage = 2u << 20;

// mmap `len` bytes aligned to `align` (a power of two) by over-mapping and
// trimming the ends.
void* MapAligned(size_t len, size_t align) {
  const size_t span = len + align;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + align - 1) & ~(uintptr_t{align} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + span;
  if (end > aligned + len) munmap(reinterpret_cast<void*>(aligned + len), end - (aligned + len));
  return reinterpret_cast<void*>(aligned);
}

}  // namespace

// Slab pages are carved from 2 MB regions advised as transparent huge pages.
// A get touches a bucket and two or three lines of a random item; with 4 KB
// pages each of those is also a TLB miss, and on a large cache the page walks
// cost as much as the cache misses. Memory is still mapped lazily by the
// kernel and counted per slab page against -m, so RSS exceeds the pages in
// use by at most the unused half of the newest region.
void* SlabAllocator::CarvePage(size_t len, int id) {
  absl::MutexLock lock(&pages_mu_);
  if (arena_base_ != nullptr) {
    // The memory file: pages in file order, each page's class recorded so
    // the next start can find the chunks again.
    const size_t used = arena_pages_.size() * len;
    if (used + len > arena_size_) return nullptr;
    arena_pages_.push_back(static_cast<uint8_t>(id));
    return arena_base_ + used;
  }
  if (len > kHugePage || kHugePage % len != 0) {
    void* page = MapAligned(len, 4096);
    if (page != nullptr) mappings_.emplace_back(page, len);
    return page;
  }
  if (region_left_ < len) {
    void* region = MapAligned(kHugePage, kHugePage);
    if (region == nullptr) return nullptr;
    madvise(region, kHugePage, MADV_HUGEPAGE);
    mappings_.emplace_back(region, kHugePage);
    region_next_ = static_cast<char*>(region);
    region_left_ = kHugePage;
  }
  void* page = region_next_;
  region_next_ += len;
  region_left_ -= len;
  return page;
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
  void* page = CarvePage(len, id);
  if (page == nullptr) {
    malloced_.fetch_sub(len, std::memory_order_relaxed);
    malloc_fails_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  ++c.pages;
  c.end_ptr = static_cast<char*>(page);
  c.end_left = classes_.per_page(id);
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

SlabAllocator::ArenaLayout SlabAllocator::Layout() const {
  ArenaLayout out;
  {
    absl::MutexLock lock(&pages_mu_);
    out.page_classes = arena_pages_;
  }
  out.classes.resize(static_cast<size_t>(classes_.count()) + 1);
  for (int id = 1; id <= classes_.count(); ++id) {
    const Class& c = classes_state_[static_cast<size_t>(id)];
    absl::MutexLock lock(&c.mu);
    ClassEnd& e = out.classes[static_cast<size_t>(id)];
    e.pages = c.pages;
    e.end_offset = c.end_ptr == nullptr ? 0 : static_cast<size_t>(c.end_ptr - arena_base_);
    e.end_left = c.end_left;
  }
  return out;
}

void SlabAllocator::Restore(const ArenaLayout& layout,
                            absl::FunctionRef<bool(const char*)> in_use) {
  const size_t page = classes_.page_size();
  {
    absl::MutexLock lock(&pages_mu_);
    arena_pages_ = layout.page_classes;
  }
  malloced_.store(layout.page_classes.size() * page, std::memory_order_relaxed);
  for (int id = 1; id <= classes_.count(); ++id) {
    Class& c = classes_state_[static_cast<size_t>(id)];
    absl::MutexLock lock(&c.mu);
    const ClassEnd& e = layout.classes[static_cast<size_t>(id)];
    c.pages = e.pages;
    c.end_ptr = e.pages == 0 ? nullptr : arena_base_ + e.end_offset;
    c.end_left = e.end_left;
  }
  // Free lists: walk the pages from the end, so the lowest free chunk of a
  // class ends up at the head of its list.
  for (size_t p = layout.page_classes.size(); p-- > 0;) {
    const int id = layout.page_classes[p];
    Class& c = classes_state_[static_cast<size_t>(id)];
    absl::MutexLock lock(&c.mu);
    char* start = arena_base_ + p * page;
    const size_t size = classes_.chunk_size(id);
    size_t carved = classes_.per_page(id);
    // The class's newest page is carved only up to end_ptr.
    if (c.end_ptr != nullptr && c.end_ptr >= start && c.end_ptr <= start + page) {
      carved = static_cast<size_t>(c.end_ptr - start) / size;
    }
    for (size_t i = carved; i-- > 0;) {
      char* chunk = start + i * size;
      if (in_use(chunk)) {
        ++c.used;
        continue;
      }
      auto* n = reinterpret_cast<FreeNode*>(chunk);
      n->next = c.free_list;
      c.free_list = n;
      ++c.free_count;
    }
  }
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
