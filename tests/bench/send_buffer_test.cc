// SendBuffer: unsent bytes survive partial sends, appends go after them,
// and the string is emptied once everything is sent.
#include "tools/bench/send_buffer.h"

#include "gtest/gtest.h"

namespace tandem::bench {
namespace {

TEST(SendBufferTest, PartialSendsKeepTheRestInOrder) {
  SendBuffer buffer(16);
  EXPECT_TRUE(buffer.empty());
  buffer.tail()->append("get a\r\n");
  EXPECT_EQ(buffer.unsent(), "get a\r\n");
  buffer.Consume(2);  // sent front smaller than the rest: kept
  EXPECT_EQ(buffer.unsent(), "t a\r\n");
  buffer.tail()->append("get b\r\n");
  EXPECT_EQ(buffer.unsent(), "t a\r\nget b\r\n");
  buffer.Consume(7);  // the sent front is now the larger part: dropped
  EXPECT_EQ(buffer.unsent(), "t b\r\n");
  EXPECT_EQ(buffer.tail()->size(), 5u);
  buffer.Consume(5);
  EXPECT_TRUE(buffer.empty());
  EXPECT_TRUE(buffer.tail()->empty());
}

TEST(SendBufferTest, ClearDropsEverything) {
  SendBuffer buffer(16);
  buffer.tail()->append("set k 0 0 1\r\nx\r\n");
  buffer.Consume(3);
  buffer.Clear();
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.unsent(), "");
}

}  // namespace
}  // namespace tandem::bench
