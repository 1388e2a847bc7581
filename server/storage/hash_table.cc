// HashTable (see hash_table.h): the bucket arrays and the incremental
// doubling of one segment.
//
// A segment is in one of two states. Stable: new_ is null and every item
// hangs off table_[hash & (size-1)]. Expanding: new_ (twice the size) has
// been allocated and cursor_ says how far the move has got. Old bucket i
// below cursor_ is empty: its items were rehashed into new_[i] or
// new_[i + size], the two buckets they can land in once one more hash bit
// counts. BucketLocked applies that rule, so a find, insert or remove always
// touches exactly one chain whatever the phase. The move is paid for by
// inserts only (kMovePerInsert buckets each, under the segment lock the
// insert holds anyway) where memcached has a maintainer thread; a segment
// that stops taking inserts stays half-moved, which costs nothing but the
// second array. When cursor_ reaches the end the old array is freed and new_
// becomes table_.
//
// Growth starts at a load of 1.5 items per bucket and stops at 2^24 buckets
// per segment (2^32 in all, the 32-bit hash's limit). A failed allocation
// simply keeps the longer chains; nothing is ever refused for lack of
// buckets. Moved items are rehashed from their keys because the hash is not
// stored in the item (hash_table.h). Arrays of a page or more come from
// mmap, not malloc, so an outgrown array goes back to the kernel.
#include "server/storage/hash_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace tandem::server::storage {

namespace {
constexpr size_t kMovePerInsert = 4;  // buckets migrated per insert while expanding
}  // namespace

uint32_t HashTable::Hash(std::string_view key) {
  // Debian's Abseil has its own absl::string_view; hashing a std::string_view
  // would fall back to std::hash before absl's mixing. Go straight to absl.
  uint64_t h = absl::Hash<absl::string_view>{}(absl::string_view(key.data(), key.size()));
  return static_cast<uint32_t>(h ^ (h >> 32));
}

HashTable::HashTable(int hashpower) : segments_(new Segment[kSegments]) {
  int power = std::clamp(hashpower - kSegmentBits, 1, 32 - kSegmentBits);
  for (size_t i = 0; i < kSegments; ++i) {
    absl::MutexLock lock(&segments_[i].mu());
    segments_[i].InitLocked(power);
  }
}

size_t HashTable::TotalBuckets() const {
  size_t n = 0;
  for (size_t i = 0; i < kSegments; ++i) {
    absl::MutexLock lock(&segments_[i].mu());
    n += segments_[i].buckets();
  }
  return n;
}

bool HashTable::AnyExpanding() const {
  for (size_t i = 0; i < kSegments; ++i) {
    absl::MutexLock lock(&segments_[i].mu());
    if (segments_[i].expanding()) return true;
  }
  return false;
}

namespace {

// Bucket arrays of a page or more are mapped directly, so the arrays a
// segment outgrows go back to the kernel when freed. From malloc's heap they
// would stay resident as free space: as much memory again as the final table
// (8 MB at a million items), which showed up in RSS per item.
constexpr size_t kMapThreshold = 4096;

Item** AllocBuckets(size_t n) {
  const size_t bytes = n * sizeof(Item*);
  if (bytes < kMapThreshold) return static_cast<Item**>(std::calloc(n, sizeof(Item*)));
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<Item**>(p);  // zero-filled by the kernel
}

void FreeBuckets(Item** buckets, size_t n) {
  if (buckets == nullptr) return;
  const size_t bytes = n * sizeof(Item*);
  if (bytes < kMapThreshold) {
    std::free(buckets);
  } else {
    munmap(buckets, bytes);
  }
}

}  // namespace

HashTable::Segment::~Segment() {
  FreeBuckets(table_, size());
  FreeBuckets(new_, new_size());
}

void HashTable::Segment::InitLocked(int power) {
  power_ = power;
  table_ = AllocBuckets(size());
}

void HashTable::Segment::ReserveLocked(size_t items) {
  if (count_ != 0 || expanding()) return;
  int power = power_;
  while (power < 32 - kSegmentBits && (size_t{1} << power) < items) ++power;
  if (power == power_) return;
  Item** table = AllocBuckets(size_t{1} << power);
  if (table == nullptr) return;  // keep the smaller table; inserts grow it
  FreeBuckets(table_, size());
  table_ = table;
  power_ = power;
}

Item** HashTable::Segment::BucketLocked(uint32_t hash) const {
  size_t index = hash & (size() - 1);
  if (new_ != nullptr && index < cursor_) return &new_[hash & (new_size() - 1)];
  return &table_[index];
}

Item* HashTable::Segment::FindLocked(uint32_t hash, std::string_view key,
                                     const ItemLayout& layout) const {
  for (Item* it = *BucketLocked(hash); it != nullptr; it = it->h_next) {
    if (it->nkey == key.size() &&
        std::memcmp(layout.key(it), key.data(), key.size()) == 0) {
      return it;
    }
  }
  return nullptr;
}

void HashTable::Segment::InsertLocked(Item* it, uint32_t hash, const ItemLayout& layout) {
  if (new_ != nullptr) {
    ExpandStepLocked(kMovePerInsert, layout);
  } else if (count_ >= size() + size() / 2 && power_ < 32 - kSegmentBits) {
    // Start growing. If allocation fails we simply keep the longer chains.
    new_ = AllocBuckets(new_size());
    cursor_ = 0;
    if (new_ != nullptr) ExpandStepLocked(kMovePerInsert, layout);
  }
  Item** head = BucketLocked(hash);
  it->h_next = *head;
  *head = it;
  ++count_;
}

void HashTable::Segment::RemoveLocked(Item* it, uint32_t hash) {
  Item** pp = BucketLocked(hash);
  while (*pp != nullptr && *pp != it) pp = &(*pp)->h_next;
  if (*pp == it) {
    *pp = it->h_next;
    it->h_next = nullptr;
    --count_;
  }
}

void HashTable::Segment::ExpandStepLocked(size_t buckets, const ItemLayout& layout) {
  const size_t new_mask = new_size() - 1;
  for (size_t n = 0; n < buckets && cursor_ < size(); ++n, ++cursor_) {
    Item* it = table_[cursor_];
    table_[cursor_] = nullptr;
    while (it != nullptr) {
      Item* next = it->h_next;
      Item** head = &new_[Hash(layout.key_view(it)) & new_mask];
      it->h_next = *head;
      *head = it;
      it = next;
    }
  }
  if (cursor_ == size()) {
    FreeBuckets(table_, size());
    table_ = new_;
    new_ = nullptr;
    cursor_ = 0;
    ++power_;
  }
}

}  // namespace tandem::server::storage
