// OutputQueue::WriteFront, the TLS path's writer: it offers the first
// block's unsent bytes (at most `max`), drops exactly what the writer took,
// and after a refusal offers the same bytes again (SSL_write's retry rule).
#include "server/net/output_queue.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tandem::server::net {
namespace {

TEST(OutputQueueWriteFront, OffersTheFrontBlockInChunksAndRetriesTheSameBytes) {
  OutputQueue q;
  const std::string first(70 * 1024, 'a');  // past the 64 KB block size: the next append opens a block
  q.Tail()->append(first);
  q.Tail()->append("second block");
  std::string sent;
  std::vector<const char*> offered;
  auto take = [&](size_t limit) {
    return [&, limit](const char* data, size_t len) -> ssize_t {
      offered.push_back(data);
      const size_t n = std::min(len, limit);
      sent.append(data, n);
      return static_cast<ssize_t>(n);
    };
  };
  ASSERT_EQ(q.WriteFront(16384, take(16384)), 16384);
  // Refused: nothing dropped, and the retry starts at the same byte.
  ASSERT_EQ(q.WriteFront(16384, [&](const char* data, size_t) -> ssize_t {
    offered.push_back(data);
    return 0;
  }), 0);
  ASSERT_EQ(q.WriteFront(16384, take(1000)), 1000);
  EXPECT_EQ(offered[1], offered[2]);
  while (!q.empty()) {
    ASSERT_GT(q.WriteFront(16384, take(16384)), 0);
  }
  EXPECT_EQ(sent, first + "second block");
  EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace tandem::server::net
