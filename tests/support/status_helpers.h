// Tiny Status helpers for tests. Abseil 20220623 (Debian 12) ships neither
// status macros nor gtest matchers, so the few we need live here.
#ifndef TANDEM_TESTS_SUPPORT_STATUS_HELPERS_H_
#define TANDEM_TESTS_SUPPORT_STATUS_HELPERS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tandem::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// EXPECT_THAT(status_or_statusor, IsOk());
MATCHER(IsOk, "is OK") {
  const absl::Status& status = ::tandem::testing::GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status.ToString();
  return status.ok();
}

}  // namespace tandem::testing

#define TANDEM_TEST_CONCAT_INNER_(a, b) a##b
#define TANDEM_TEST_CONCAT_(a, b) TANDEM_TEST_CONCAT_INNER_(a, b)

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::tandem::testing::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::tandem::testing::IsOk())

// ASSERT_OK_AND_ASSIGN(auto x, MakeX()); fails the test (and returns) when
// the StatusOr holds an error. Only usable in functions returning void.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                         \
  TANDEM_TEST_ASSERT_OK_AND_ASSIGN_IMPL_(TANDEM_TEST_CONCAT_(status_or_, __LINE__), \
                                         lhs, rexpr)
#define TANDEM_TEST_ASSERT_OK_AND_ASSIGN_IMPL_(var, lhs, rexpr) \
  auto var = (rexpr);                                           \
  ASSERT_TRUE(var.ok()) << var.status().ToString();             \
  lhs = std::move(var).value()

#endif  // TANDEM_TESTS_SUPPORT_STATUS_HELPERS_H_
