// Tests for SniffProtocol: 0x80 is binary, every other first byte is text.
#include "protocol/sniff.h"

#include "gtest/gtest.h"

namespace tandem::protocol {
namespace {

TEST(SniffTest, BinaryMagicIsBinary) {
  EXPECT_EQ(SniffProtocol(0x80), Wire::kBinary);
}

TEST(SniffTest, TextCommandsAreText) {
  for (char c : std::string_view("gsacidtvqfmr \r\n")) {
    EXPECT_EQ(SniffProtocol(static_cast<uint8_t>(c)), Wire::kText) << c;
  }
}

TEST(SniffTest, OnlyTheRequestMagicIsBinary) {
  int binary = 0;
  for (int b = 0; b < 256; ++b) {
    if (SniffProtocol(static_cast<uint8_t>(b)) == Wire::kBinary) ++binary;
  }
  EXPECT_EQ(binary, 1);
  // The response magic is not a request.
  EXPECT_EQ(SniffProtocol(0x81), Wire::kText);
}

}  // namespace
}  // namespace tandem::protocol
