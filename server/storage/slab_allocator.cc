// SlabAllocator (see slab_allocator.h): chunks from per-class free lists,
// pages reserved against -m with a CAS, pages carved from huge-page regions.
//
// Alloc takes the class mutex and tries, in order: the free list (a chunk
// freed earlier, LIFO, so the most recently touched memory is reused), the
// uncarved end of the class's newest page, and a new page. Free pushes the
// chunk back on the list; the list's link lives in the chunk itself, so a
// free chunk costs no memory of its own. Nothing is ever returned to the
// kernel; pages move between classes only through BeginMove/FinishMove
// (below), driven by the engine's rebalancer.
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

#include <sanitizer/asan_interface.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstddef>

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
// cost as much as the cache misses. Always, not only with -L as in
// memcached: measured against the same build without the advice, it saves
// about 15% of the server CPU of a pipelined get, while the kernel's zeroing
// of each fresh 2 MB page costs a node filling from empty about 0.45 us of
// system CPU per 100-byte item (README, "Benchmarking" and the full copy), which
// it makes up after a few million gets. Memory is still mapped lazily by
// the kernel and counted per slab page against -m, so RSS exceeds the pages
// in use by at most the unused half of the newest region; -L preallocates
// nothing (memcached -L maps all of -m at start).
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

void SlabAllocator::InstallPageLocked(int id, Class& c, char* page) {
  ++c.pages;
  c.page_list.push_back(page);
  c.end_ptr = page;
  c.end_left = classes_.per_page(id);
}

bool SlabAllocator::NewPageLocked(int id, Class& c) {
  // A page a move gave this class (already counted), then one from the
  // global pool, and only then new memory.
  if (!c.spare.empty()) {
    c.end_ptr = c.spare.back();
    c.spare.pop_back();
    c.end_left = classes_.per_page(id);
    return true;
  }
  char* pooled = nullptr;
  {
    absl::MutexLock lock(&pages_mu_);
    if (!pool_.empty()) {
      pooled = pool_.back();
      pool_.pop_back();
    }
  }
  if (pooled != nullptr) {
    InstallPageLocked(id, c, pooled);
    return true;
  }
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
  InstallPageLocked(id, c, static_cast<char*>(page));
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

void* SlabAllocator::AllocNoGrow(int id) {
  Class& c = classes_state_[static_cast<size_t>(id)];
  absl::MutexLock lock(&c.mu);
  if (c.free_list == nullptr && c.end_left == 0) return nullptr;
  if (c.free_list != nullptr) {
    FreeNode* n = c.free_list;
    c.free_list = n->next;
    --c.free_count;
    ++c.used;
    return n;
  }
  void* p = c.end_ptr;
  c.end_ptr += classes_.chunk_size(id);
  --c.end_left;
  ++c.used;
  return p;
}

void SlabAllocator::Free(int id, void* chunk) {
  Class& c = classes_state_[static_cast<size_t>(id)];
  absl::MutexLock lock(&c.mu);
  --c.used;
  if (InMovingLocked(c, chunk)) {  // stays off the free list: the page is leaving
    const size_t i = static_cast<size_t>(static_cast<char*>(chunk) - c.moving) / classes_.chunk_size(id);
    if (!c.moving_free[i]) {
      c.moving_free[i] = true;
      ++c.moving_free_count;
    }
    // Under ASan, any later read of the freed item (a reader the engine
    // failed to lock out) is reported; FinishMove unpoisons the page.
    ASAN_POISON_MEMORY_REGION(chunk, classes_.chunk_size(id));
    return;
  }
  auto* n = static_cast<FreeNode*>(chunk);
  n->next = c.free_list;
  c.free_list = n;
  ++c.free_count;
}

// Page moves leave a class's pages anywhere in the file, its carve position
// in any of them, and whole pages it was given uncarved (spare). So the
// layout describes every page of a class as carved to its last chunk: the
// chunks that were never handed out hold no item, and Restore lists every
// chunk that holds none as free. The count of free chunks is the same.
SlabAllocator::ArenaLayout SlabAllocator::Layout() const {
  ArenaLayout out;
  {
    absl::MutexLock lock(&pages_mu_);
    out.page_classes = arena_pages_;
  }
  const size_t page = classes_.page_size();
  out.classes.resize(static_cast<size_t>(classes_.count()) + 1);
  for (size_t p = 0; p < out.page_classes.size(); ++p) {
    const int id = out.page_classes[p];
    if (id == 0) continue;  // the global pool
    ClassEnd& e = out.classes[static_cast<size_t>(id)];
    ++e.pages;
    e.end_offset = p * page + classes_.per_page(id) * classes_.chunk_size(id);
    e.end_left = 0;
  }
  return out;
}

void SlabAllocator::Restore(const ArenaLayout& layout,
                            absl::FunctionRef<bool(const char*)> in_use) {
  const size_t page = classes_.page_size();
  {
    absl::MutexLock lock(&pages_mu_);
    arena_pages_ = layout.page_classes;
    for (size_t p = 0; p < layout.page_classes.size(); ++p) {
      if (layout.page_classes[p] == 0) pool_.push_back(arena_base_ + p * page);
    }
  }
  malloced_.store(layout.page_classes.size() * page, std::memory_order_relaxed);
  // Each class's pages in file order (BeginMove takes the front one).
  for (size_t p = 0; p < layout.page_classes.size(); ++p) {
    const int id = layout.page_classes[p];
    if (id == 0) continue;
    Class& c = classes_state_[static_cast<size_t>(id)];
    absl::MutexLock lock(&c.mu);
    c.page_list.push_back(arena_base_ + p * page);
  }
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
    if (id == 0) continue;
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
  s.free_chunks = c.free_count + c.end_left + c.spare.size() * s.chunks_per_page;
  return s;
}

// ===========================================================================
// Page moves
// ===========================================================================

// The oldest page goes, as in memcached: it most likely holds the oldest
// items. A page a move gave the class and that was never carved goes first,
// since it holds nothing at all. Free chunks of the page are cut from the
// free list (one walk of the list), the uncarved end is dropped, and from
// now on Free() marks the page's chunks instead of listing them, so nothing
// in the page is handed out again.
bool SlabAllocator::BeginMove(int src, int dst, PageMove* move) {
  move->src = src;
  move->dst = dst;
  if (src == 0) {
    absl::MutexLock lock(&pages_mu_);
    if (pool_.empty()) return false;
    move->page = pool_.back();
    pool_.pop_back();
    return true;
  }
  Class& c = classes_state_[static_cast<size_t>(src)];
  absl::MutexLock lock(&c.mu);
  if (c.pages < 2 || c.moving != nullptr || (c.spare.empty() && c.page_list.empty())) return false;
  const size_t per_page = classes_.per_page(src);
  const size_t size = classes_.chunk_size(src);
  char* page;
  const bool from_spare = !c.spare.empty();
  if (from_spare) {
    page = c.spare.back();
    c.spare.pop_back();
  } else {
    page = c.page_list.front();
  }
  for (size_t i = 0; i < c.page_list.size(); ++i) {
    if (c.page_list[i] == page) {
      c.page_list.erase(c.page_list.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  c.moving = page;
  c.moving_free.assign(per_page, false);
  c.moving_free_count = 0;
  auto mark = [&](const char* p) {
    const size_t i = static_cast<size_t>(p - page) / size;
    if (!c.moving_free[i]) {
      c.moving_free[i] = true;
      ++c.moving_free_count;
      ASAN_POISON_MEMORY_REGION(p, size);
    }
  };
  if (from_spare) {
    for (size_t k = 0; k < per_page; ++k) mark(page + k * size);
  } else if (c.end_ptr != nullptr && c.end_ptr >= page && c.end_ptr < page + classes_.page_size()) {
    for (size_t k = 0; k < c.end_left; ++k) mark(c.end_ptr + k * size);
    c.end_left = 0;
  }
  for (FreeNode** link = &c.free_list; *link != nullptr;) {
    FreeNode* n = *link;
    if (InMovingLocked(c, n)) {
      *link = n->next;
      --c.free_count;
      mark(reinterpret_cast<char*>(n));
    } else {
      link = &n->next;
    }
  }
  move->page = page;
  return true;
}

bool SlabAllocator::FinishMove(const PageMove& move) {
  if (move.src != 0) {
    Class& c = classes_state_[static_cast<size_t>(move.src)];
    absl::MutexLock lock(&c.mu);
    if (c.moving_free_count < classes_.per_page(move.src)) return false;
    --c.pages;
    ASAN_UNPOISON_MEMORY_REGION(move.page, classes_.page_size());
    c.moving = nullptr;
    c.moving_free.clear();
    c.moving_free_count = 0;
  }
  NoteArenaPageClass(move.page, move.dst);
  if (move.dst == 0) {
    absl::MutexLock lock(&pages_mu_);
    pool_.push_back(move.page);
    return true;
  }
  Class& d = classes_state_[static_cast<size_t>(move.dst)];
  absl::MutexLock lock(&d.mu);
  ++d.pages;
  d.page_list.push_back(move.page);
  if (d.end_left == 0) {
    d.end_ptr = move.page;
    d.end_left = classes_.per_page(move.dst);
  } else {
    d.spare.push_back(move.page);
  }
  return true;
}

// The memory file records which class owns each page (0: the pool), so a
// warm restart finds the chunks where the moves left them.
void SlabAllocator::NoteArenaPageClass(const char* page, int id) {
  if (arena_base_ == nullptr) return;
  absl::MutexLock lock(&pages_mu_);
  const size_t p = static_cast<size_t>(page - arena_base_) / classes_.page_size();
  if (p < arena_pages_.size()) arena_pages_[p] = static_cast<uint8_t>(id);
}

size_t SlabAllocator::pool_pages() const {
  absl::MutexLock lock(&pages_mu_);
  return pool_.size();
}

}  // namespace tandem::server::storage
