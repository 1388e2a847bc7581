// Item: the header that lives at the start of a slab chunk, followed by the
// key and the value. This layout is the product's memory efficiency, so it
// is hand-packed and checked with static_asserts.
//
//   offset  field
//        0  h_next             hash chain (segment lock)
//        8  prev, next         LRU links (class LRU lock)
//       24  time               last access, RelTime (atomic: read by the LRU)
//       28  exptime            RelTime, 0 = never
//       32  nbytes             value length, without memcached's "\r\n"
//       36  flags              client flags
//       40  hash               low 32 bits of the key hash: segment + bucket,
//                              so rehash and eviction never rehash the key
//       44  nkey, clsid, lru   key length, slab class, HOT/WARM/COLD
//       47  iflags             kLinked/kFetched/kActive/kChunked (atomic bits)
//       48  version            replication HLC (version.h)
//       56  cas                only when CAS is enabled (memcached -C drops it)
//    56/64  key bytes, then the value (or, if chunked, a Chunk* to the chain)
//
// 64 bytes with CAS: a 20-byte key and 100-byte value need 184 bytes, the
// same 192-byte class memcached uses (its header is 56 and it stores the
// key's NUL and the value's "\r\n").
//
// Items larger than slab_chunk_max keep only key + a pointer in the header
// chunk; the value lives in a singly linked chain of Chunks taken from the
// largest class (the last one from the best-fitting class), like memcached's
// chunked items.
#ifndef TANDEM_SERVER_STORAGE_ITEM_H_
#define TANDEM_SERVER_STORAGE_ITEM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "server/storage/clock.h"

namespace tandem::server::storage {

enum class LruId : uint8_t { kHot = 0, kWarm = 1, kCold = 2, kNone = 3 };

struct Chunk {
  Chunk* next;
  uint32_t used;      // value bytes in this chunk
  uint8_t clsid;
  uint8_t pad[3];
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
};
static_assert(sizeof(Chunk) == 16);

struct Item {
  // Bits of iflags.
  static constexpr uint8_t kLinked = 1;   // in the hash table and an LRU
  static constexpr uint8_t kFetched = 2;  // read at least once
  static constexpr uint8_t kActive = 4;   // read twice: second chance in the LRU
  static constexpr uint8_t kChunked = 8;  // value is a Chunk chain

  Item* h_next;
  Item* prev;
  Item* next;
  std::atomic<RelTime> time;
  RelTime exptime;
  uint32_t nbytes;
  uint32_t flags;
  uint32_t hash;
  uint8_t nkey;
  uint8_t clsid;
  std::atomic<LruId> lru;
  std::atomic<uint8_t> iflags;
  uint64_t version;
  // uint64_t cas follows when CAS is enabled.

  static constexpr size_t HeaderSize(bool use_cas) { return use_cas ? 64 : 56; }

  bool has(uint8_t bit) const { return (iflags.load(std::memory_order_relaxed) & bit) != 0; }
  void set(uint8_t bit) { iflags.fetch_or(bit, std::memory_order_relaxed); }
  void clear(uint8_t bit) { iflags.fetch_and(static_cast<uint8_t>(~bit), std::memory_order_relaxed); }
};

static_assert(sizeof(Item) == 56, "item header grew: check memory per item");
static_assert(offsetof(Item, version) == 48);

// Accessors that depend on whether the cas slot exists.
class ItemLayout {
 public:
  explicit ItemLayout(bool use_cas) : use_cas_(use_cas), header_(Item::HeaderSize(use_cas)) {}

  bool use_cas() const { return use_cas_; }
  size_t header() const { return header_; }

  uint64_t cas(const Item* it) const {
    if (!use_cas_) return 0;
    uint64_t v;
    std::memcpy(&v, reinterpret_cast<const char*>(it) + sizeof(Item), sizeof v);
    return v;
  }
  void set_cas(Item* it, uint64_t v) const {
    if (use_cas_) std::memcpy(reinterpret_cast<char*>(it) + sizeof(Item), &v, sizeof v);
  }
  char* key(Item* it) const { return reinterpret_cast<char*>(it) + header_; }
  const char* key(const Item* it) const { return reinterpret_cast<const char*>(it) + header_; }
  std::string_view key_view(const Item* it) const { return {key(it), it->nkey}; }
  // Inline value (not chunked).
  char* value(Item* it) const { return key(it) + it->nkey; }
  const char* value(const Item* it) const { return key(it) + it->nkey; }
  // Chunked value: the head pointer stored after the key.
  Chunk* first_chunk(const Item* it) const {
    Chunk* c;
    std::memcpy(&c, value(it), sizeof c);
    return c;
  }
  void set_first_chunk(Item* it, Chunk* c) const { std::memcpy(value(it), &c, sizeof c); }

  // Bytes the header chunk needs for an item, chunked or not.
  size_t InlineSize(size_t nkey, size_t nbytes) const { return header_ + nkey + nbytes; }
  size_t ChunkedHeaderSize(size_t nkey) const { return header_ + nkey + sizeof(Chunk*); }

 private:
  bool use_cas_;
  size_t header_;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_ITEM_H_
