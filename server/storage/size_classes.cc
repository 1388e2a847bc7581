// SizeClasses: see size_classes.h. The loop mirrors memcached 1.6.18
// slabs_init() line by line, including its unsigned-int truncation of
// `size *= factor`, because chunk sizes are visible in `stats slabs`.
#include "server/storage/size_classes.h"

#include <algorithm>

namespace tandem::server::storage {

SizeClasses::SizeClasses(size_t min_item_space, double growth_factor, size_t slab_chunk_max,
                         size_t page_size, const std::vector<uint32_t>& explicit_sizes)
    : page_size_(page_size) {
  sizes_.push_back(0);
  unsigned int size = static_cast<unsigned int>(kMemcachedItemHeader + min_item_space);
  while (static_cast<int>(sizes_.size()) < kMaxClasses) {
    const size_t next = sizes_.size() - 1;  // index into explicit_sizes
    if (!explicit_sizes.empty()) {
      if (next >= explicit_sizes.size()) break;
      size = explicit_sizes[next];
    } else if (size >= static_cast<double>(slab_chunk_max) / growth_factor) {
      break;
    }
    if (size % kAlign) size += kAlign - (size % kAlign);
    sizes_.push_back(size);
    if (explicit_sizes.empty()) size = static_cast<unsigned int>(size * growth_factor);
  }
  sizes_.push_back(slab_chunk_max);
}

int SizeClasses::ClassFor(size_t bytes) const {
  if (bytes == 0 || bytes > sizes_.back()) return 0;
  auto it = std::lower_bound(sizes_.begin() + 1, sizes_.end(), bytes);
  return static_cast<int>(it - sizes_.begin());
}

}  // namespace tandem::server::storage
