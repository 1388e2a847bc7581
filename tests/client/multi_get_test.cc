// Tests for the multi-get request bytes: one `get`/`gets` line per
// kKeysPerRequest keys, in the caller's key order; a bad key is refused.
#include "client/multi_get.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace tandem::client {
namespace {

TEST(MultiGetTest, OneLineForFewKeys) {
  std::string out = "prefix";
  EXPECT_EQ(AppendGetRequests({"a", "bb"}, false, &out).value(), 1u);
  EXPECT_EQ(out, "prefixget a bb\r\n");
  out.clear();
  EXPECT_EQ(AppendGetRequests({"k"}, true, &out).value(), 1u);
  EXPECT_EQ(out, "gets k\r\n");
}

TEST(MultiGetTest, NoKeysNoRequest) {
  std::string out;
  EXPECT_EQ(AppendGetRequests({}, false, &out).value(), 0u);
  EXPECT_EQ(out, "");
}

TEST(MultiGetTest, SplitsEveryHundredKeys) {
  std::vector<std::string> names;
  for (size_t i = 0; i < 2 * kKeysPerRequest + 1; ++i) names.push_back(absl::StrCat("k", i));
  std::vector<std::string_view> keys(names.begin(), names.end());
  std::string expected;
  for (size_t begin = 0; begin < keys.size(); begin += kKeysPerRequest) {
    expected += "gets";
    for (size_t i = begin; i < keys.size() && i < begin + kKeysPerRequest; ++i) absl::StrAppend(&expected, " ", names[i]);
    expected += "\r\n";
  }
  std::string out;
  EXPECT_EQ(AppendGetRequests(keys, true, &out).value(), 3u);
  EXPECT_EQ(out, expected);
  EXPECT_TRUE(out.ends_with(" k199\r\ngets k200\r\n"));
}

TEST(MultiGetTest, RefusesABadKeyWithoutAppendingItsLine) {
  std::string out;
  EXPECT_FALSE(AppendGetRequests({"ok", "not ok"}, false, &out).ok());
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace tandem::client
