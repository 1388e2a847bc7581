// SizeClasses: the table of slab chunk sizes, computed from -n, -f, -I and
// slab_chunk_max exactly the way memcached 1.6.18's slabs_init() does, so
// `stats slabs` and `memcached -vv` agree class for class.
//
// memcached starts at sizeof(item) + chunk_size (48 + -n), rounds every size
// up to 8 bytes, multiplies by the factor with integer truncation, stops once
// a size reaches slab_chunk_max / factor, and makes the last class exactly
// slab_chunk_max. Items bigger than slab_chunk_max are stored as chains of
// chunks ("chunked items"). The table is pure data: no locks, no memory.
#ifndef TANDEM_SERVER_STORAGE_SIZE_CLASSES_H_
#define TANDEM_SERVER_STORAGE_SIZE_CLASSES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tandem::server::storage {

class SizeClasses {
 public:
  // memcached: MAX_NUMBER_OF_SLAB_CLASSES (64), classes numbered from 1.
  static constexpr int kMaxClasses = 63;
  static constexpr size_t kAlign = 8;  // CHUNK_ALIGN_BYTES
  // memcached's sizeof(item) on 64-bit, the base of the first class.
  static constexpr size_t kMemcachedItemHeader = 48;

  // `explicit_sizes` (-o slab_sizes) replaces the -n/-f progression: each
  // size rounded up to 8 bytes, then slab_chunk_max as the last class.
  SizeClasses(size_t min_item_space, double growth_factor, size_t slab_chunk_max,
              size_t page_size, const std::vector<uint32_t>& explicit_sizes = {});

  // Number of classes; valid ids are 1..count().
  int count() const { return static_cast<int>(sizes_.size()) - 1; }
  size_t chunk_size(int id) const { return sizes_[static_cast<size_t>(id)]; }
  size_t per_page(int id) const { return page_size_ / sizes_[static_cast<size_t>(id)]; }
  size_t page_size() const { return page_size_; }
  size_t largest() const { return sizes_.back(); }

  // Smallest class whose chunk holds `bytes`, or 0 if bytes > largest().
  int ClassFor(size_t bytes) const;

 private:
  std::vector<size_t> sizes_;  // sizes_[0] unused
  size_t page_size_;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_SIZE_CLASSES_H_
