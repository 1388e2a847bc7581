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
//       40  nkey, clsid        key length, slab class of this chunk
//       42  iflags             kLinked/kFetched/kActive/kChunked + LRU id
//                              + kStale/kTokenSent (meta protocol)
//                              (one atomic byte: readers set bits lock-free)
//       43  version            replication HLC (version.h), unaligned
//       51  cas                only when CAS is enabled (memcached -C drops it)
//    51/59  key bytes, then the value (or, if chunked, a Chunk* to the chain)
//
// 59 bytes with CAS is exactly memcached's overhead (48-byte header + 8 CAS
// + the key's NUL + the value's "\r\n"), and memcached adds 4 more for
// nonzero flags. So every item needs at most what memcached's copy needs,
// and the engine places items by memcached's own size formula: same slab
// class, same chunked/not-chunked decision, same `stats slabs`. A 20-byte
// key with a 100-byte value takes a 192-byte chunk, as in memcached.
//
// Items whose memcached size exceeds slab_chunk_max keep only key + a
// pointer in the header chunk; the value lives in a singly linked chain of
// Chunks whose sizes follow memcached's do_item_alloc_chunk arithmetic.
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
  // Bits of iflags. The LRU id (LruId) lives in bits 4-5.
  static constexpr uint8_t kLinked = 1;   // in the hash table and an LRU
  static constexpr uint8_t kFetched = 2;  // read at least once
  static constexpr uint8_t kActive = 4;   // read twice: second chance in the LRU
  static constexpr uint8_t kChunked = 8;  // value is a Chunk chain
  // Meta protocol (memcached ITEM_STALE / ITEM_TOKEN_SENT): marked stale by
  // `md I` or `ms I`; a client was already handed the recache token (W).
  static constexpr uint8_t kStale = 64;
  static constexpr uint8_t kTokenSent = 128;
  // The top bit of clsid marks a key stored base64-decoded by `ms ... b`
  // (memcached ITEM_KEY_BINARY); class ids stay below 64. Read the class
  // with class_id().
  static constexpr uint8_t kClassMask = 0x7f;
  static constexpr uint8_t kKeyBinary = 0x80;
  static constexpr int kLruShift = 4;
  static constexpr uint8_t kLruMask = 3 << kLruShift;

  // Bytes of header before the version and cas slots.
  static constexpr size_t kFixed = 43;
  static constexpr size_t HeaderSize(bool use_cas) { return kFixed + 8 + (use_cas ? 8 : 0); }

  Item* h_next;
  Item* prev;
  Item* next;
  std::atomic<RelTime> time;
  RelTime exptime;
  uint32_t nbytes;
  uint32_t flags;
  uint8_t nkey;
  uint8_t clsid;
  std::atomic<uint8_t> iflags;
  // Not declared: version at kFixed, cas after it, then the key. (The
  // struct's own sizeof is padded to 48; the layout below ignores that.)

  int class_id() const { return clsid & kClassMask; }
  bool has(uint8_t bit) const { return (iflags.load(std::memory_order_relaxed) & bit) != 0; }
  void set(uint8_t bit) { iflags.fetch_or(bit, std::memory_order_relaxed); }
  void clear(uint8_t bit) { iflags.fetch_and(static_cast<uint8_t>(~bit), std::memory_order_relaxed); }
  LruId lru() const {
    return static_cast<LruId>((iflags.load(std::memory_order_relaxed) & kLruMask) >> kLruShift);
  }
  // Written under the class LRU lock; readers' bit flips may interleave.
  void set_lru(LruId id) {
    uint8_t f = iflags.load(std::memory_order_relaxed);
    const uint8_t bits = static_cast<uint8_t>(static_cast<uint8_t>(id) << kLruShift);
    while (!iflags.compare_exchange_weak(f, static_cast<uint8_t>((f & ~kLruMask) | bits),
                                         std::memory_order_relaxed)) {
    }
  }
};

static_assert(offsetof(Item, iflags) == 42, "item header moved: check memory per item");
static_assert(sizeof(std::atomic<uint8_t>) == 1 && sizeof(std::atomic<RelTime>) == 4);
static_assert(Item::HeaderSize(true) == 59, "must not exceed memcached's per-item overhead");

// Accessors that depend on whether the cas slot exists.
class ItemLayout {
 public:
  explicit ItemLayout(bool use_cas) : use_cas_(use_cas), header_(Item::HeaderSize(use_cas)) {}

  bool use_cas() const { return use_cas_; }
  size_t header() const { return header_; }

  uint64_t version(const Item* it) const { return Load(it, Item::kFixed); }
  void set_version(Item* it, uint64_t v) const { Store(it, Item::kFixed, v); }
  uint64_t cas(const Item* it) const { return use_cas_ ? Load(it, Item::kFixed + 8) : 0; }
  void set_cas(Item* it, uint64_t v) const {
    if (use_cas_) Store(it, Item::kFixed + 8, v);
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

  // Bytes our header chunk really needs, chunked or not.
  size_t InlineSize(size_t nkey, size_t nbytes) const { return header_ + nkey + nbytes; }
  size_t ChunkedHeaderSize(size_t nkey) const { return header_ + nkey + sizeof(Chunk*); }

 private:
  static uint64_t Load(const Item* it, size_t off) {
    uint64_t v;
    std::memcpy(&v, reinterpret_cast<const char*>(it) + off, sizeof v);
    return v;
  }
  static void Store(Item* it, size_t off, uint64_t v) {
    std::memcpy(reinterpret_cast<char*>(it) + off, &v, sizeof v);
  }

  bool use_cas_;
  size_t header_;
};

// memcached 1.6.18's own size arithmetic, used to choose slab classes so
// that items land exactly where memcached puts them.
struct MemcachedSizes {
  static constexpr size_t kItemHeader = 48;  // sizeof(item)
  static constexpr size_t kChunkHeader = 48; // sizeof(item_chunk)
  // ITEM_ntotal: header + cas + key + NUL + value + "\r\n" + 4 if flags.
  static constexpr size_t Total(size_t nkey, size_t nbytes, uint32_t flags, bool use_cas) {
    return kItemHeader + (use_cas ? 8 : 0) + nkey + 1 + nbytes + 2 + (flags != 0 ? 4 : 0);
  }
  // The header chunk of a chunked item (do_item_alloc's htotal).
  static constexpr size_t ChunkedHeader(size_t nkey, uint32_t flags, bool use_cas) {
    return kItemHeader + (use_cas ? 8 : 0) + nkey + 1 + (flags != 0 ? 4 : 0) + kChunkHeader;
  }
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_ITEM_H_
