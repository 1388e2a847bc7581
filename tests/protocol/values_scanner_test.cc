// ScanValuesReply: values read in place, nothing visited before END, and
// anything else left to ReplyParser.
#include "protocol/values_scanner.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tandem::protocol {
namespace {

struct Seen {
  std::string key, data;
  uint32_t flags;
  uint64_t cas;
  bool operator==(const Seen&) const = default;
};

ScanStatus Scan(std::string_view input, std::vector<Seen>* seen, size_t* consumed) {
  return ScanValuesReply(
      input, [&](const ScannedValue& v) { seen->push_back({std::string(v.key), std::string(v.data), v.flags, v.cas}); },
      consumed);
}

TEST(ValuesScannerTest, VisitsEveryValueOnceTheWholeReplyIsThere) {
  const std::string reply = "VALUE a 5 4\r\nx\r\ny\r\nVALUE bb 0 0 77\r\n\r\nEND\r\nSTORED\r\n";
  std::vector<Seen> seen;
  size_t consumed = 0;
  ASSERT_EQ(Scan(reply, &seen, &consumed), ScanStatus::kDone);
  EXPECT_EQ(consumed, reply.size() - 8);
  EXPECT_EQ(seen, (std::vector<Seen>{{"a", "x\r\ny", 5, 0}, {"bb", "", 0, 77}}));
  // Cut anywhere before the end of END: nothing visited, more needed.
  for (size_t cut = 0; cut < consumed; ++cut) {
    std::vector<Seen> none;
    EXPECT_EQ(Scan(std::string_view(reply).substr(0, cut), &none, &consumed), ScanStatus::kNeedMore) << cut;
    EXPECT_TRUE(none.empty()) << cut;
  }
  seen.clear();
  ASSERT_EQ(Scan("END\r\n", &seen, &consumed), ScanStatus::kDone);
  EXPECT_EQ(consumed, 5u);
  EXPECT_TRUE(seen.empty());
}

TEST(ValuesScannerTest, AnythingElseIsLeftToTheReplyParser) {
  for (std::string other : {"SERVER_ERROR out of memory\r\n", "ERROR\r\n", "STORED\r\n", "VALUE a x 1\r\nz\r\nEND\r\n",
                            "VALUE a 0 1\r\nzz\r\nEND\r\n", "VALUE a 0 1 2 3\r\nz\r\nEND\r\n", "VALUE  0 1\r\nz\r\nEND\r\n",
                            "CLIENT_ERR"}) {
    std::vector<Seen> seen;
    size_t consumed = 0;
    EXPECT_EQ(Scan(other, &seen, &consumed), ScanStatus::kOther) << other;
    EXPECT_TRUE(seen.empty());
  }
  // A header line longer than any real one never ends the wait.
  std::vector<Seen> seen;
  size_t consumed = 0;
  EXPECT_EQ(Scan("VALUE " + std::string(70000, 'k'), &seen, &consumed), ScanStatus::kOther);
}

}  // namespace
}  // namespace tandem::protocol
