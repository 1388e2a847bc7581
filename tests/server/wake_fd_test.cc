// WakeFd: a wake-up from another thread runs the callback on the loop's
// thread, and a burst of wake-ups is one callback. (What it saves, the
// futex round of event_active(), is a benchmark's to show, not a test's.)
#include "server/net/wake_fd.h"

#include <event2/event.h>
#include <event2/thread.h>

#include <thread>

#include "gtest/gtest.h"

namespace tandem::server::net {
namespace {

class WakeFdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    evthread_use_pthreads();  // as tandemd does: bases get a lock
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
  }
  void TearDown() override { event_base_free(base_); }

  event_base* base_ = nullptr;
};

TEST_F(WakeFdTest, AWakeFromAnotherThreadRunsTheCallbackOnTheLoopThread) {
  std::thread::id ran_on;
  int calls = 0;
  WakeFd wake(base_, [&] {
    ran_on = std::this_thread::get_id();
    ++calls;
    event_base_loopbreak(base_);
  });
  std::thread loop([&] { event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY); });
  const std::thread::id loop_id = loop.get_id();
  std::thread([&] { wake.Wake(); }).join();
  loop.join();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ran_on, loop_id);
}

TEST_F(WakeFdTest, WakeUpsBeforeTheLoopRunsAreOneCallback) {
  int calls = 0;
  WakeFd wake(base_, [&] { ++calls; });
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(calls, 0);
  wake.Wake();
  wake.Wake();
  wake.Wake();
  event_base_loop(base_, EVLOOP_ONCE);
  EXPECT_EQ(calls, 1);
  event_base_loop(base_, EVLOOP_NONBLOCK);
  EXPECT_EQ(calls, 1);  // the counter was drained: no second callback
  wake.Wake();
  event_base_loop(base_, EVLOOP_ONCE);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace tandem::server::net
