#include "replication/log_throttle.h"

#include "gtest/gtest.h"

namespace tandem::replication {
namespace {

TEST(LogThrottleTest, FirstLineOfASubjectIsWrittenAndRepeatsWaitForTheInterval) {
  LogThrottle throttle(60000);
  EXPECT_EQ(throttle.Filter("b:11212", "dial failed: refused", 0), "dial failed: refused");
  EXPECT_EQ(throttle.Filter("b:11212", "dial failed: refused", 1000), "");
  EXPECT_EQ(throttle.Filter("b:11212", "dial failed: refused", 59999), "");
  EXPECT_EQ(throttle.Filter("b:11212", "dial failed: refused", 60000),
            "dial failed: refused (3 times in the last 60 s)");
  // Nothing suppressed since: the line comes alone.
  EXPECT_EQ(throttle.Filter("b:11212", "dial failed: refused", 120000), "dial failed: refused");
}

TEST(LogThrottleTest, ANewCauseIsWrittenAtOnce) {
  LogThrottle throttle(60000);
  EXPECT_NE(throttle.Filter("b", "refused", 0), "");
  EXPECT_EQ(throttle.Filter("b", "timed out", 10), "timed out");
  EXPECT_EQ(throttle.Filter("b", "timed out", 20), "");
}

TEST(LogThrottleTest, SubjectsAreThrottledApartAndForgottenOnRecovery) {
  LogThrottle throttle(60000);
  EXPECT_NE(throttle.Filter("a", "wrong secret", 0), "");
  EXPECT_NE(throttle.Filter("b", "wrong secret", 0), "");
  EXPECT_EQ(throttle.Filter("a", "wrong secret", 5), "");
  throttle.Forget("a");
  EXPECT_EQ(throttle.Filter("a", "wrong secret", 6), "wrong secret");
}

TEST(LogThrottleTest, ManySubjectsStayBounded) {
  LogThrottle throttle(60000, /*max_subjects=*/4);
  for (int i = 0; i < 1000; ++i) throttle.Filter("stranger" + std::to_string(i), "refused", i);
  // The oldest were forgotten, so an early stranger is news again; a recent
  // one is still throttled.
  EXPECT_NE(throttle.Filter("stranger0", "refused", 2000), "");
  EXPECT_EQ(throttle.Filter("stranger999", "refused", 2000), "");
}

}  // namespace
}  // namespace tandem::replication
