// Backlog and MutationLog: offsets, wrap-around, overrun, and the stream a
// peer reads back.
#include "replication/backlog.h"

#include <string>

#include "gtest/gtest.h"
#include "replication/mutation_log.h"
#include "replication/record_codec.h"

namespace tandem::replication {
namespace {

TEST(Backlog, AppendAndReadBack) {
  Backlog b(16);
  b.Append("hello");
  b.Append("world");
  EXPECT_EQ(b.start(), 0u);
  EXPECT_EQ(b.end(), 10u);
  std::string out;
  EXPECT_EQ(b.CopyFrom(3, 100, &out), 7u);
  EXPECT_EQ(out, "loworld");
  EXPECT_TRUE(b.Contains(10));
  EXPECT_FALSE(b.Contains(11));
}

// A warm restart: the stream goes on from where the stopped process ended
// it; only that offset (a peer that had applied everything) can resume,
// anything before it is gone (a full copy).
TEST(Backlog, ResumesAtTheSavedEndWithNothingBeforeIt) {
  Backlog b(8);
  b.ResumeAt(1000);
  EXPECT_EQ(b.start(), 1000u);
  EXPECT_EQ(b.end(), 1000u);
  EXPECT_TRUE(b.Contains(1000));
  EXPECT_FALSE(b.Contains(999));
  EXPECT_FALSE(b.Contains(0));
  b.Append("abcdef");
  b.Append("ghijk");
  EXPECT_EQ(b.start(), 1003u);
  EXPECT_EQ(b.end(), 1011u);
  std::string out;
  EXPECT_EQ(b.CopyFrom(1005, 100, &out), 6u);
  EXPECT_EQ(out, "fghijk");
  b.ResumeAt(5);  // ignored: the backlog holds bytes
  EXPECT_EQ(b.end(), 1011u);
}

TEST(MutationLog, ResumesAtTheSavedEnd) {
  MutationLog log(1 << 16);
  log.ResumeAt(4242);
  EXPECT_EQ(log.end(), 4242u);
  EXPECT_TRUE(log.Contains(4242));
  EXPECT_FALSE(log.Contains(4241));
}

TEST(Backlog, WrapsAndForgetsTheOldest) {
  Backlog b(8);
  b.Append("abcdef");
  b.Append("ghijk");  // 11 bytes written, 8 kept: "defghijk"
  EXPECT_EQ(b.start(), 3u);
  EXPECT_EQ(b.end(), 11u);
  EXPECT_FALSE(b.Contains(2));
  std::string out;
  EXPECT_EQ(b.CopyFrom(2, 100, &out), 0u);
  EXPECT_EQ(b.CopyFrom(3, 100, &out), 8u);
  EXPECT_EQ(out, "defghijk");
  out.clear();
  EXPECT_EQ(b.CopyFrom(5, 3, &out), 3u);
  EXPECT_EQ(out, "fgh");
}

TEST(Backlog, WriteLargerThanCapacityGrowsTheRingAndKeepsTheWindow) {
  Backlog b(4);
  b.Append("ab");
  b.Append("0123456789");  // grows to 10 + 4, keeping "ab"
  EXPECT_EQ(b.capacity(), 14u);
  EXPECT_EQ(b.start(), 0u);
  EXPECT_EQ(b.end(), 12u);
  std::string out;
  b.CopyFrom(0, 12, &out);
  EXPECT_EQ(out, "ab0123456789");
  b.Append("xyz");  // the grown ring wraps as before
  EXPECT_EQ(b.start(), 1u);
  out.clear();
  b.CopyFrom(1, 14, &out);
  EXPECT_EQ(out, "b0123456789xyz");
}

TEST(MutationLog, RecordsStreamAndWake) {
  MutationLog log(1 << 16);
  int wakes = 0;
  log.SetWake([&] { ++wakes; });
  server::storage::Mutation m{};
  m.kind = server::storage::Mutation::Kind::kStore;
  m.key = "k";
  m.value = "value";
  log.OnMutation(m);
  log.OnMutation(m);
  EXPECT_EQ(wakes, 1);  // coalesced until the link drains
  log.ClearWake();
  log.OnMutation(m);
  EXPECT_EQ(wakes, 2);
  EXPECT_EQ(log.end(), 3 * MutationFrameSize(m));
  std::string stream;
  ASSERT_TRUE(log.Read(0, 1 << 20, &stream));
  Frame f;
  size_t n = 0;
  ASSERT_TRUE(DecodeFrame(stream, kMaxBody, &f, &n).ok());
  EXPECT_EQ(f.type, FrameType::kRecord);
  server::storage::Mutation got{};
  ASSERT_TRUE(ParseMutation(f.payload, &got).ok());
  EXPECT_EQ(got.value, "value");
}

TEST(MutationLog, ReadsWholeFramesOnly) {
  // The link interleaves heartbeats and acks between chunks it reads, so a
  // chunk that ended inside a record would corrupt the stream.
  MutationLog log(1 << 16);
  const std::string value(100, 'v');  // Mutation only points at it
  server::storage::Mutation m{};
  m.kind = server::storage::Mutation::Kind::kStore;
  m.key = "k";
  m.value = value;
  for (int i = 0; i < 5; ++i) log.OnMutation(m);
  const size_t frame = MutationFrameSize(m);
  std::string out;
  ASSERT_TRUE(log.Read(0, 2 * frame + frame / 2, &out));
  EXPECT_EQ(out.size(), 2 * frame);
  out.clear();
  ASSERT_TRUE(log.Read(frame, 10, &out));  // the next frame alone is over max
  EXPECT_EQ(out.size(), frame);
  out.clear();
  ASSERT_TRUE(log.Read(0, 1 << 20, &out));
  EXPECT_EQ(out.size(), 5 * frame);
  EXPECT_EQ(WholeFramesPrefix(out), out.size());
  EXPECT_EQ(WholeFramesPrefix(std::string_view(out).substr(0, out.size() - 1)), 4 * frame);
  EXPECT_EQ(FrameSizeAt(std::string_view(out).substr(0, 7)), 0u);
}

// What the link sends: the same whole frames as Read, copied once from the
// ring into space the caller reserves, also across the ring's wrap.
TEST(MutationLog, ReadIntoGivesWholeFramesAcrossTheWrap) {
  const std::string value(100, 'v');
  server::storage::Mutation m{};
  m.kind = server::storage::Mutation::Kind::kStore;
  m.key = "k";
  m.value = value;
  const size_t frame = MutationFrameSize(m);
  MutationLog log(3 * frame + frame / 2);  // the 4th and later frames wrap
  for (int i = 0; i < 5; ++i) log.OnMutation(m);
  const uint64_t from = 2 * frame;  // frames 3..5; the 4th crosses the wrap
  std::string space;
  int calls = 0;
  size_t read = 0;
  const auto reserve = [&](size_t n) {
    space.assign(n, '\0');
    ++calls;
    return space.data();
  };
  ASSERT_TRUE(log.ReadInto(from, 1 << 20, &read, reserve));
  EXPECT_EQ(read, 3 * frame);
  EXPECT_EQ(calls, 1);
  std::string copied;
  ASSERT_TRUE(log.Read(from, 1 << 20, &copied));
  EXPECT_EQ(space, copied);
  EXPECT_EQ(WholeFramesPrefix(space), space.size());
  ASSERT_TRUE(log.ReadInto(from, 2 * frame - 1, &read, reserve));  // cut to whole frames
  EXPECT_EQ(read, frame);
  EXPECT_EQ(space, copied.substr(0, frame));
  ASSERT_TRUE(log.ReadInto(from + frame, 10, &read, reserve));  // the first frame alone is over max
  EXPECT_EQ(read, frame);
  EXPECT_EQ(space, copied.substr(frame, frame));
  calls = 0;
  ASSERT_TRUE(log.ReadInto(log.end(), 10, &read, reserve));
  EXPECT_EQ(read, 0u);
  EXPECT_EQ(calls, 0);  // nothing to send: nothing reserved
  EXPECT_FALSE(log.ReadInto(0, 10, &read, reserve));  // overwritten: a full copy
  const auto no_memory = [](size_t) -> char* { return nullptr; };
  ASSERT_TRUE(log.ReadInto(from, 1 << 20, &read, no_memory));
  EXPECT_EQ(read, 0u);
}

TEST(MutationLog, OverrunIsReported) {
  MutationLog log(128);
  server::storage::Mutation m{};
  m.kind = server::storage::Mutation::Kind::kStore;
  m.key = "k";
  std::string v(100, 'v');
  m.value = v;
  log.OnMutation(m);
  log.OnMutation(m);
  std::string out;
  EXPECT_FALSE(log.Read(0, 10, &out));  // the peer would need a full copy
  EXPECT_TRUE(log.Read(log.end(), 10, &out));
}

}  // namespace
}  // namespace tandem::replication
