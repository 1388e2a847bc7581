// WriteReceipt: what a mutating engine call left in the replication stream.
//
// The engine fills it from its MutationObserver's answer (the stream offset
// just past the call's last record); the executor hands it to the
// connection, whose --repl-sync reply then waits until the peer has applied
// the stream up to there. A small header of its own so the server's
// protocol side can carry it without seeing the engine.
#ifndef TANDEM_SERVER_STORAGE_WRITE_RECEIPT_H_
#define TANDEM_SERVER_STORAGE_WRITE_RECEIPT_H_

#include <cstdint>

namespace tandem::server::storage {

struct WriteReceipt {
  uint64_t stream_end = 0;  // 0: the call appended no record (or no replication)
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_WRITE_RECEIPT_H_
