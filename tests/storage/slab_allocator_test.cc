// Tests for SlabAllocator: lazy pages, free-list reuse, the memory limit
// (with memcached's "first page of a class is always granted" rule) and the
// per-class counters behind `stats slabs`.
#include "server/storage/slab_allocator.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace tandem::server::storage {
namespace {

class SlabAllocatorTest : public ::testing::Test {
 protected:
  SizeClasses classes_{48, 1.25, 512 * 1024, 1024 * 1024};
};

TEST_F(SlabAllocatorTest, PagesAreLazy) {
  SlabAllocator a(classes_, 64u << 20);
  EXPECT_EQ(a.total_malloced(), 0u);
  EXPECT_EQ(a.Stats(1).total_pages, 0u);
  void* p = a.Alloc(1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(a.total_malloced(), 1u << 20);
  SlabAllocator::ClassStats s = a.Stats(1);
  EXPECT_EQ(s.total_pages, 1u);
  EXPECT_EQ(s.total_chunks, 10922u);
  EXPECT_EQ(s.used_chunks, 1u);
  EXPECT_EQ(s.free_chunks, 10921u);
  a.Free(1, p);
  EXPECT_EQ(a.Stats(1).used_chunks, 0u);
  EXPECT_EQ(a.Stats(1).free_chunks, 10922u);
}

TEST_F(SlabAllocatorTest, ChunksAreDistinctAndAligned) {
  SlabAllocator a(classes_, 64u << 20);
  std::set<char*> seen;
  for (int i = 0; i < 20000; ++i) {
    char* p = static_cast<char*>(a.Alloc(2));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u);
    EXPECT_TRUE(seen.insert(p).second);
  }
  EXPECT_EQ(a.Stats(2).total_pages, 3u);  // 8738 chunks of 120 per page
}

TEST_F(SlabAllocatorTest, FreedChunksAreReused) {
  SlabAllocator a(classes_, 64u << 20);
  void* p = a.Alloc(5);
  a.Free(5, p);
  EXPECT_EQ(a.Alloc(5), p);
}

TEST_F(SlabAllocatorTest, LimitStopsNewPagesButFirstPageIsGranted) {
  SlabAllocator a(classes_, 2u << 20);
  // Class 39 (512 KB chunks, 2 per page): two pages fill the limit.
  std::vector<void*> got;
  while (void* p = a.Alloc(39)) got.push_back(p);
  EXPECT_EQ(got.size(), 4u);
  EXPECT_EQ(a.total_malloced(), 2u << 20);
  // A class with no page still gets one, like memcached.
  EXPECT_NE(a.Alloc(1), nullptr);
  EXPECT_EQ(a.total_malloced(), 3u << 20);
  // Raising the limit lets the class grow again.
  a.SetLimit(4u << 20);
  EXPECT_NE(a.Alloc(39), nullptr);
}

TEST_F(SlabAllocatorTest, ConcurrentClassesRespectTheLimit) {
  SlabAllocator a(classes_, 8u << 20);
  // Give every class its guaranteed first page, then race for the rest.
  for (int id = 1; id <= 4; ++id) ASSERT_NE(a.Alloc(id), nullptr);
  std::vector<std::thread> threads;
  std::atomic<size_t> got{0};
  for (int id = 1; id <= 4; ++id) {
    threads.emplace_back([&, id] {
      while (a.Alloc(id) != nullptr) ++got;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(a.total_malloced(), 8u << 20);
  size_t chunks = 0;
  for (int id = 1; id <= 4; ++id) chunks += a.Stats(id).used_chunks;
  EXPECT_EQ(chunks, got.load() + 4);
}

// ---- page moves ------------------------------------------------------------

// Class 1 holds 10922 chunks a page; fill two pages and a bit.
std::vector<char*> FillClass1(SlabAllocator& a, size_t n) {
  std::vector<char*> got;
  for (size_t i = 0; i < n; ++i) got.push_back(static_cast<char*>(a.Alloc(1)));
  return got;
}

TEST_F(SlabAllocatorTest, AMovedPageLeavesOnlyOnceEveryChunkInItIsFreed) {
  SlabAllocator a(classes_, 64u << 20);
  std::vector<char*> got = FillClass1(a, 2 * 10922 + 5);
  ASSERT_EQ(a.Stats(1).total_pages, 3u);
  const size_t malloced = a.total_malloced();
  // Free a few chunks of the first page before the move: they must leave
  // the free list with the page.
  for (size_t i = 0; i < 10; ++i) a.Free(1, got[i]);
  SlabAllocator::PageMove move;
  ASSERT_TRUE(a.BeginMove(1, 5, &move));
  EXPECT_EQ(move.page, got[0]);  // the oldest page goes
  size_t used = 0;
  a.ForEachUsedInMove(move, [&](char* p) {
    EXPECT_GE(p, move.page);
    EXPECT_LT(p, move.page + (1u << 20));
    ++used;
  });
  EXPECT_EQ(used, 10922u - 10);
  // Nothing of the moving page is handed out again, freed or not.
  std::vector<char*> more = FillClass1(a, 20000);
  for (char* p : more) {
    ASSERT_NE(p, nullptr);
    EXPECT_FALSE(p >= move.page && p < move.page + (1u << 20));
  }
  EXPECT_FALSE(a.FinishMove(move));
  for (size_t i = 10; i < 10922; ++i) a.Free(1, got[i]);
  EXPECT_TRUE(a.FinishMove(move));
  EXPECT_EQ(a.Stats(5).total_pages, 1u);
  // Class 5 carves the page it was given: no new memory.
  const size_t before = a.total_malloced();
  EXPECT_EQ(a.Alloc(5), move.page);
  EXPECT_EQ(a.total_malloced(), before);
  EXPECT_GT(before, malloced);  // (the 20000 allocations above needed pages)
}

TEST_F(SlabAllocatorTest, AClassKeepsItsLastPage) {
  SlabAllocator a(classes_, 64u << 20);
  a.Alloc(1);
  SlabAllocator::PageMove move;
  EXPECT_FALSE(a.BeginMove(1, 2, &move));
  EXPECT_FALSE(a.BeginMove(0, 2, &move));  // the pool is empty
}

TEST_F(SlabAllocatorTest, PoolPagesServeAnyClassPastTheLimit) {
  SlabAllocator a(classes_, 2u << 20);
  std::vector<char*> got = FillClass1(a, 10922 + 1);  // two pages: the limit
  ASSERT_EQ(a.total_malloced(), 2u << 20);
  SlabAllocator::PageMove move;
  ASSERT_TRUE(a.BeginMove(1, 0, &move));
  for (size_t i = 0; i < 10922; ++i) a.Free(1, got[i]);
  ASSERT_TRUE(a.FinishMove(move));
  EXPECT_EQ(a.pool_pages(), 1u);
  EXPECT_EQ(a.Stats(1).total_pages, 1u);
  // Class 2's first page comes from the pool, not from new memory, and
  // once it is full the limit holds again.
  ASSERT_NE(a.Alloc(2), nullptr);
  EXPECT_EQ(a.pool_pages(), 0u);
  EXPECT_EQ(a.total_malloced(), 2u << 20);
  EXPECT_EQ(a.Stats(2).total_pages, 1u);
  for (int i = 1; i < 8738; ++i) ASSERT_NE(a.Alloc(2), nullptr);
  EXPECT_EQ(a.Alloc(2), nullptr);
  EXPECT_EQ(a.total_malloced(), 2u << 20);
}

// ---- transparent huge pages --------------------------------------------------

// The /proc/self/smaps entry of the mapping holding `addr`: its VmFlags and
// AnonHugePages (kB). Found false when no mapping holds it.
struct SmapsEntry {
  bool found = false;
  std::string vm_flags;
  long anon_huge_kb = -1;
};

SmapsEntry SmapsEntryOf(const void* addr) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(addr);
  std::ifstream smaps("/proc/self/smaps");
  SmapsEntry e;
  bool inside = false;
  std::string line;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      if (inside) break;  // the next mapping starts
      inside = a >= lo && a < hi;
      e.found = inside;
      continue;
    }
    if (!inside) continue;
    if (line.rfind("AnonHugePages:", 0) == 0) e.anon_huge_kb = std::stol(line.substr(14));
    if (line.rfind("VmFlags:", 0) == 0) e.vm_flags = line.substr(8) + " ";
  }
  return e;
}

std::string ThpMode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string all, mode;
  std::getline(f, all);
  const size_t open = all.find('['), close = all.find(']');
  if (open != std::string::npos && close != std::string::npos) mode = all.substr(open + 1, close - open - 1);
  return mode;
}

// Slab memory is advised as transparent huge pages whatever -L says (a get
// then costs fewer TLB misses; README, "Benchmarking"): the mapping carries
// the kernel's "hg" (MADV_HUGEPAGE) flag, and once a 2 MB region is written
// it is one huge page unless THP is off on this machine.
TEST_F(SlabAllocatorTest, FilledRegionsAreTransparentHugePages) {
  const std::string mode = ThpMode();
  if (mode.empty() || mode == "never") {
    GTEST_SKIP() << "transparent huge pages are " << (mode.empty() ? "not in this kernel" : "[never]")
                 << " on this machine (/sys/kernel/mm/transparent_hugepage/enabled)";
  }
  SlabAllocator a(classes_, 64u << 20);
  // Two 1 MB pages of class 1 fill the first 2 MB region; write every chunk.
  const size_t chunk = classes_.chunk_size(1);
  std::vector<char*> got = FillClass1(a, 2 * (classes_.page_size() / chunk));
  for (char* p : got) {
    ASSERT_NE(p, nullptr);
    std::memset(p, 0x5a, chunk);
  }
  const SmapsEntry e = SmapsEntryOf(got.front());
  ASSERT_TRUE(e.found) << "no /proc/self/smaps entry holds the slab page";
  EXPECT_NE(e.vm_flags.find(" hg "), std::string::npos) << "VmFlags:" << e.vm_flags;
  EXPECT_GE(e.anon_huge_kb, 2048) << "THP mode [" << mode << "]";
}

}  // namespace
}  // namespace tandem::server::storage
