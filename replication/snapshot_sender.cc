// SnapshotSender: see snapshot_sender.h.
#include "replication/snapshot_sender.h"

#include <algorithm>

#include "replication/record_codec.h"

namespace tandem::replication {

void EncodeItemFrame(FrameType type, const server::storage::ItemView& item, int64_t now_ms, std::string* scratch,
                     std::string* out) {
  server::storage::Mutation m{};
  m.kind = server::storage::Mutation::Kind::kStore;
  m.key = item.key();
  m.flags = item.flags();
  m.expires_at = item.expires_at();
  m.cas = item.cas();
  m.version = item.version();
  m.origin_ms = now_ms;
  std::string_view contiguous;
  if (item.contiguous_value(&contiguous)) {
    m.value = contiguous;
  } else {
    scratch->clear();
    item.AppendValueTo(scratch);
    m.value = *scratch;
  }
  EncodeMutation(type, m, out);
}

void EncodeTombstoneFrame(FrameType type, std::string_view key, uint64_t version, int64_t now_ms, std::string* out) {
  server::storage::Mutation m{};
  m.kind = server::storage::Mutation::Kind::kDelete;
  m.key = key;
  m.version = version;
  m.origin_ms = now_ms;
  EncodeMutation(type, m, out);
}

void SnapshotSender::Step(size_t max_items, size_t max_bytes, std::string* out) {
  if (!active_) return;
  const int64_t now_ms = engine_.WallMs();
  if (!started_) {
    started_ = true;
    // Each flush mark that still matters, dated so that it falls due on
    // the receiver when it does here.
    engine_.ForEachFlush([&](uint64_t version, int64_t delay_ms, int64_t due_ms) {
      server::storage::Mutation flush{};
      flush.kind = server::storage::Mutation::Kind::kFlushAll;
      flush.version = version;
      flush.flush_delay_ms = delay_ms;
      flush.origin_ms = std::max<int64_t>(0, due_ms - delay_ms);
      EncodeMutation(FrameType::kSnapshotItem, flush, out);
    });
  }
  std::string value;
  bool more = engine_.SnapshotStep(&cursor_, max_items, [&](const server::storage::ItemView& item) {
    EncodeItemFrame(FrameType::kSnapshotItem, item, now_ms, &value, out);
    ++items_;
  }, [&](std::string_view key, uint64_t version) {
    EncodeTombstoneFrame(FrameType::kSnapshotItem, key, version, now_ms, out);
  }, max_bytes);
  if (!more) {
    EncodeSnapshotEnd(out);
    active_ = false;
  }
}

}  // namespace tandem::replication
