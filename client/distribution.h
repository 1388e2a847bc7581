// Distribution: how a ring maps keys to shards (see ring.h for each rule),
// and kNoShard, the shard of a key when every shard is ejected. A header of
// its own so that the public client.h needs no ring internals.
#ifndef TANDEM_CLIENT_DISTRIBUTION_H_
#define TANDEM_CLIENT_DISTRIBUTION_H_

#include <cstddef>

namespace tandem::client {

inline constexpr size_t kNoShard = static_cast<size_t>(-1);

enum class Distribution { kKetama, kKetamaLibketama, kKetamaUnweighted, kModula };

}  // namespace tandem::client

#endif  // TANDEM_CLIENT_DISTRIBUTION_H_
