// VersionFloor: for each of 65536 hash slots, the newest version this node
// has forgotten there, so a peer's write older than something this node
// no longer remembers is dropped instead of resurrecting an older value.
//
// A replicating node decides which copy of a key is newer by the version
// its item carries (version.h); a delete leaves a tombstone for the same
// purpose (tombstones.h). Both are forgotten sooner or later: an item
// expires, is flushed or evicted, a tombstone ages out of its window or is
// dropped for room. Without a trace, a write older than the forgotten one,
// arriving late from the peer (in the stream after a partition, by a
// resync or in a full copy), would find the key empty and be stored, and
// the pair would keep the older value on one node and nothing on the
// other. So every removal raises the floor of the key's slot to the
// removed version, and Engine::ApplyReplicated drops a peer's store of an
// absent key whose version is at or below that floor.
//
// A slot covers many keys, so the floor can also drop a write that is
// newer than anything forgotten for its own key; the node cannot tell the
// two cases apart, and answers both the way that is safe for a cache: it
// deletes the key on both nodes (a fresh local delete that replicates),
// so the pair converges on a miss, never on the older value.
//
// Slots are the top 16 bits of the key's hash; the top 8 of those pick
// the hash-table segment (hash_table.h), so a slot is guarded by its
// segment's lock and needs no locking of its own. 512 KB per engine.
#ifndef TANDEM_SERVER_STORAGE_VERSION_FLOOR_H_
#define TANDEM_SERVER_STORAGE_VERSION_FLOOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace tandem::server::storage {

class VersionFloor {
 public:
  static constexpr int kSlotBits = 16;

  VersionFloor() : slots_(new uint64_t[size_t{1} << kSlotBits]()) {}

  // Raises the floor of `hash`'s slot to `version` (the caller holds the
  // slot's segment lock).
  void Raise(uint32_t hash, uint64_t version) {
    uint64_t& slot = slots_[Slot(hash)];
    if (version > slot) slot = version;
  }
  // Whether a write stamped `version` is at or below what the slot forgot.
  bool Below(uint32_t hash, uint64_t version) const {
    const uint64_t floor = slots_[Slot(hash)];
    return floor != 0 && version <= floor;
  }
  uint64_t Get(uint32_t hash) const { return slots_[Slot(hash)]; }
  // By slot number, for a warm restart (engine_warm.cc): nothing else runs.
  static constexpr size_t kSlots = size_t{1} << kSlotBits;
  uint64_t GetSlot(size_t slot) const { return slots_[slot]; }
  void RaiseSlot(size_t slot, uint64_t version) {
    if (slot < kSlots && version > slots_[slot]) slots_[slot] = version;
  }

 private:
  static size_t Slot(uint32_t hash) { return hash >> (32 - kSlotBits); }

  std::unique_ptr<uint64_t[]> slots_;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_VERSION_FLOOR_H_
