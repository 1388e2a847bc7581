// WakeFd: wakes one thread's event loop from other threads through an
// eventfd of its own, instead of event_active() on a fd-less event.
//
// libevent's event_active() takes the target base's lock and writes the
// base's notify fd while still holding it. A woken loop that runs at once
// (on the waker's core, the wake-up preempts the waker) first takes that
// lock after epoll_wait, so it blocks, sleeps, and runs again only once
// the waker lets go: two more context switches and two futex calls per
// wake-up (seen with strace on a forwarded incr).
// A forwarded command (server/forwarding.h) crosses threads twice on the
// node the client talks to (worker -> link thread -> worker), each time
// on the client's latency path; those two doors are WakeFds. Writing an
// eventfd takes no lock, and a burst of Wake()s adds up in its counter:
// one callback on the loop.
//
// Without an eventfd (the process is out of descriptors) it falls back to
// event_active(), which is correct, only slower.
#ifndef TANDEM_SERVER_NET_WAKE_FD_H_
#define TANDEM_SERVER_NET_WAKE_FD_H_

#include <event2/event.h>

#include <functional>

namespace tandem::server::net {

class WakeFd {
 public:
  // fn runs on base's loop thread after one or more Wake()s.
  WakeFd(event_base* base, std::function<void()> fn);
  ~WakeFd();
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;

  // Any thread. Harmless once the loop has stopped.
  void Wake();

 private:
  static void OnReadable(evutil_socket_t fd, short what, void* arg);

  int fd_ = -1;  // -1: the event_active() fallback
  event* event_ = nullptr;
  std::function<void()> fn_;
};

}  // namespace tandem::server::net

#endif  // TANDEM_SERVER_NET_WAKE_FD_H_
