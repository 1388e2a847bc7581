// Tests for the text encoder: golden bytes for every helper, matching what
// memcached 1.6.18 puts on the wire.
#include "protocol/text_encoder.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "protocol/error_strings.h"

namespace tandem::protocol {
namespace {

TEST(TextEncoderTest, AppendLineAddsCrLf) {
  std::string out;
  AppendLine(&out, kStored);
  AppendLine(&out, kClientErrorBadDataChunk);
  EXPECT_EQ(out, "STORED\r\nCLIENT_ERROR bad data chunk\r\n");
}

TEST(TextEncoderTest, AppendsToExistingContent) {
  std::string out = "abc";
  AppendLine(&out, kEnd);
  EXPECT_EQ(out, "abcEND\r\n");
}

TEST(TextEncoderTest, ValueHeader) {
  std::string out;
  AppendValueHeader(&out, "k", 0, 5);
  out += "hello\r\n";
  AppendLine(&out, kEnd);
  EXPECT_EQ(out, "VALUE k 0 5\r\nhello\r\nEND\r\n");
}

TEST(TextEncoderTest, ValueHeaderExtremes) {
  std::string out;
  AppendValueHeader(&out, "key", std::numeric_limits<uint32_t>::max(), 0);
  EXPECT_EQ(out, "VALUE key 4294967295 0\r\n");
}

TEST(TextEncoderTest, ValueHeaderWithCas) {
  std::string out;
  AppendValueHeaderWithCas(&out, "k", 5, 1, 37);
  EXPECT_EQ(out, "VALUE k 5 1 37\r\n");
  out.clear();
  AppendValueHeaderWithCas(&out, "k", 0, 1048576,
                           std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(out, "VALUE k 0 1048576 18446744073709551615\r\n");
}

TEST(TextEncoderTest, NumberLine) {
  std::string out;
  AppendNumberLine(&out, 0);
  AppendNumberLine(&out, 42);
  AppendNumberLine(&out, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(out, "0\r\n42\r\n18446744073709551615\r\n");
}

TEST(TextEncoderTest, Version) {
  std::string out;
  AppendVersion(&out, "1.6.18");
  EXPECT_EQ(out, "VERSION 1.6.18\r\n");
}

TEST(TextEncoderTest, StatStringAndIntegers) {
  std::string out;
  AppendStat(&out, "version", "1.6.18");
  AppendStat(&out, "pid", 1234);
  AppendStat(&out, "curr_items", uint64_t{0});
  AppendStat(&out, "limit_maxbytes", uint64_t{67108864});
  AppendStat(&out, "delta", int64_t{-5});
  AppendStat(&out, "threads", 4u);
  AppendLine(&out, kEnd);
  EXPECT_EQ(out,
            "STAT version 1.6.18\r\n"
            "STAT pid 1234\r\n"
            "STAT curr_items 0\r\n"
            "STAT limit_maxbytes 67108864\r\n"
            "STAT delta -5\r\n"
            "STAT threads 4\r\n"
            "END\r\n");
}

TEST(TextEncoderTest, AppendIntFormatsEveryWidth) {
  std::string out;
  AppendInt(&out, int32_t{-2147483647 - 1});
  out += ' ';
  AppendInt(&out, int64_t{std::numeric_limits<int64_t>::min()});
  out += ' ';
  AppendInt(&out, size_t{10});
  EXPECT_EQ(out, "-2147483648 -9223372036854775808 10");
}

}  // namespace
}  // namespace tandem::protocol
