// WakeFd (see wake_fd.h).
#include "server/net/wake_fd.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

namespace tandem::server::net {

WakeFd::WakeFd(event_base* base, std::function<void()> fn) : fn_(std::move(fn)) {
  fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  event_ = event_new(base, fd_, fd_ >= 0 ? EV_READ | EV_PERSIST : EV_PERSIST, &WakeFd::OnReadable, this);
  if (event_ != nullptr) event_add(event_, nullptr);
}

WakeFd::~WakeFd() {
  if (event_ != nullptr) event_free(event_);
  if (fd_ >= 0) ::close(fd_);
}

void WakeFd::Wake() {
  if (fd_ < 0) {
    if (event_ != nullptr) event_active(event_, EV_READ, 0);
    return;
  }
  const uint64_t one = 1;
  // Fails only when the counter is about to overflow: a wake-up is pending anyway.
  [[maybe_unused]] const ssize_t n = ::write(fd_, &one, sizeof(one));
}

void WakeFd::OnReadable(evutil_socket_t fd, short, void* arg) {
  auto* self = static_cast<WakeFd*>(arg);
  if (fd >= 0) {
    uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = ::read(fd, &count, sizeof(count));  // resets the counter
  }
  self->fn_();
}

}  // namespace tandem::server::net
