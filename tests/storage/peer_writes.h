// The peer's side of replication, for storage tests that play its writes
// into an engine with ApplyReplicated: versions (version.h) taken from the
// wall clock at chosen offsets from now, the mutations themselves, and an
// observer noting the versions of the engine's own writes, and a fixture
// holding a replicating engine. A Mutation points at its key and value:
// keep them alive while it is used.
#ifndef TANDEM_TESTS_STORAGE_PEER_WRITES_H_
#define TANDEM_TESTS_STORAGE_PEER_WRITES_H_

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "server/storage/clock.h"
#include "server/storage/engine.h"
#include "server/storage/mutation.h"
#include "server/storage/mutation_observer.h"
#include "server/storage/version.h"

namespace tandem::server::storage {

// The version of an event `offset_ms` from now (negative: in the past).
inline uint64_t WallVersion(int64_t offset_ms = 0) {
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  return Hlc::Make(static_cast<uint64_t>(ms + offset_ms), 0);
}

inline Mutation PeerStore(std::string_view key, std::string_view value, uint64_t version) {
  Mutation m{};
  m.kind = Mutation::Kind::kStore;
  m.key = key;
  m.value = value;
  m.version = version;
  m.cas = 1;
  return m;
}

inline Mutation PeerDelete(std::string_view key, uint64_t version) {
  Mutation m{};
  m.kind = Mutation::Kind::kDelete;
  m.key = key;
  m.version = version;
  return m;
}

// A peer's flush_all stamped `version`, due `delay_s` after the version's
// time (the applier has already put its times on our clock).
inline Mutation PeerFlush(uint64_t version, int64_t delay_s = 0) {
  Mutation m{};
  m.kind = Mutation::Kind::kFlushAll;
  m.version = version;
  m.origin_ms = static_cast<int64_t>(Hlc::PhysicalMs(version));
  m.flush_delay_ms = delay_s * 1000;
  return m;
}

// Remembers the version of the engine's last local mutation of each kind.
class LastVersionObserver : public MutationObserver {
 public:
  uint64_t OnMutation(const Mutation& m) override {
    last_[static_cast<size_t>(m.kind)] = m.version;
    return 0;
  }
  uint64_t last(Mutation::Kind kind) const { return last_[static_cast<size_t>(kind)]; }

 private:
  std::array<uint64_t, static_cast<size_t>(Mutation::Kind::kFlushAll) + 1> last_{};
};

// An engine on a manual clock with an observer set, as on a replicating
// node (tombstones kept for 60 s, flushes marked).
class ReplicatingEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.clock = &clock_;
    o.tombstone_window_ms = 60000;
    engine_ = std::make_unique<Engine>(o);
    engine_->SetObserver(&observer_);
  }
  // The value stored under `key`, "<miss>" when there is none.
  std::string GetValue(std::string_view key) {
    std::string v;
    if (!engine_->Get(key, [&](const ItemView& it) { it.AppendValueTo(&v); })) return "<miss>";
    return v;
  }

  ManualClock clock_;
  LastVersionObserver observer_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_TESTS_STORAGE_PEER_WRITES_H_
