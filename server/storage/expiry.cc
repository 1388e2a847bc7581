// Expiry: see expiry.h. Mirrors memcached 1.6.18 realtime() and
// EXPTIME_TO_POSITIVE_TIME, including the 32-bit wrap of far-future times.
#include "server/storage/expiry.h"

namespace tandem::server::storage {

RelTime Expiry::ToRelTime(int64_t exptime) const {
  if (exptime == 0) return 0;
  if (exptime < 0) exptime = kMaxRelative + 1;  // an absolute time in 1970
  if (exptime > kMaxRelative) {
    const int64_t started = clock_->ProcessStarted();
    if (exptime <= started) return 1;
    return static_cast<RelTime>(exptime - started);
  }
  return static_cast<RelTime>(exptime + clock_->Now());
}

}  // namespace tandem::server::storage
