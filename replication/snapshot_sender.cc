// SnapshotSender: see snapshot_sender.h.
#include "replication/snapshot_sender.h"

#include "replication/record_codec.h"

namespace tandem::replication {

void SnapshotSender::Step(size_t budget, std::string* out) {
  if (!active_) return;
  if (!started_) {
    started_ = true;
    server::storage::Mutation flush{};
    flush.kind = server::storage::Mutation::Kind::kFlushAll;
    if (engine_.LastFlush(&flush.version, &flush.flush_delay)) EncodeMutation(FrameType::kSnapshotItem, flush, out);
  }
  std::string value;
  bool more = engine_.SnapshotStep(&cursor_, budget, [&](const server::storage::ItemView& item) {
    server::storage::Mutation m{};
    m.kind = server::storage::Mutation::Kind::kStore;
    m.key = item.key();
    m.flags = item.flags();
    m.expires_at = item.expires_at();
    m.cas = item.cas();
    m.version = item.version();
    std::string_view contiguous;
    if (item.contiguous_value(&contiguous)) {
      m.value = contiguous;
    } else {
      value.clear();
      item.AppendValueTo(&value);
      m.value = value;
    }
    EncodeMutation(FrameType::kSnapshotItem, m, out);
    ++items_;
  }, [&](std::string_view key, uint64_t version) {
    server::storage::Mutation m{};
    m.kind = server::storage::Mutation::Kind::kDelete;
    m.key = key;
    m.version = version;
    EncodeMutation(FrameType::kSnapshotItem, m, out);
  });
  if (!more) {
    EncodeSnapshotEnd(out);
    active_ = false;
  }
}

}  // namespace tandem::replication
