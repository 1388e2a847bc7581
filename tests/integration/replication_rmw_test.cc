// Read-modify-write on a pair ("Pairs that keep their promises", items 6
// and 7): CAS tokens are unique across the two nodes, and conditional and
// read-modify-write commands are carried out by the key's owner node
// (server/forwarding.h, replication/forwarder.h), so two clients racing on
// the two nodes behave as if they shared one memcached. Real processes on
// loopback, bounded waits (replication_harness.h).
#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/integration/replication_harness.h"
#include "tests/support/raw_socket.h"

namespace tandem::testing {
namespace {

using repl::Converged;
using repl::Pair;
using repl::Request;
using repl::StartPair;

// The CAS `gets key` shows on `port` (0 when missing).
uint64_t CasOf(int port, const std::string& key) {
  const std::string reply = repl::Get(port, key);
  std::vector<std::string> words = absl::StrSplit(reply.substr(0, reply.find("\r\n")), ' ');
  uint64_t cas = 0;
  if (words.size() == 5 && absl::SimpleAtoi(words[4], &cas)) return cas;
  return 0;
}

// ---------------------------------------------------------------------------
// CAS tokens
// ---------------------------------------------------------------------------

TEST(ReplicationRmw, CasValuesOfKeysWrittenOnBothNodesNeverCollide) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  std::set<uint64_t> seen;
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Request(pair.m(), absl::StrCat("set a:", i, " 0 0 1\r\nx\r\n")), "STORED\r\n");
    ASSERT_EQ(Request(pair.s(), absl::StrCat("set b:", i, " 0 0 1\r\ny\r\n")), "STORED\r\n");
  }
  for (int i = 0; i < 50; ++i) {
    const uint64_t a = CasOf(pair.m(), absl::StrCat("a:", i));
    const uint64_t b = CasOf(pair.s(), absl::StrCat("b:", i));
    ASSERT_NE(a, 0u);
    ASSERT_NE(b, 0u);
    EXPECT_TRUE(seen.insert(a).second) << "duplicate CAS " << a;
    EXPECT_TRUE(seen.insert(b).second) << "duplicate CAS " << b;
  }
  // The replicated copies keep their origin's token.
  for (int i = 0; i < 50; i += 7) {
    Converged(pair.m(), pair.s(), absl::StrCat("a:", i, " b:", i));
  }
}

TEST(ReplicationRmw, CasWithATokenFromBeforeThePeersSetFails) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  for (int i = 0; i < 20; ++i) {
    const std::string key = absl::StrCat("tok:", i);
    ASSERT_EQ(Request(pair.m(), absl::StrCat("set ", key, " 0 0 1\r\nx\r\n")), "STORED\r\n");
    const uint64_t token = CasOf(pair.m(), key);
    ASSERT_NE(token, 0u);
    // B writes after it has seen A's write: causally newer. (Two writes on
    // different nodes less than a millisecond apart are concurrent under
    // the hybrid clock, and either may win.)
    ASSERT_TRUE(repl::WaitUntil([&] { return repl::Get(pair.s(), key).find("\r\nx\r\n") != std::string::npos; }));
    ASSERT_EQ(Request(pair.s(), absl::StrCat("set ", key, " 0 0 1\r\ny\r\n")), "STORED\r\n");
    ASSERT_NE(CasOf(pair.s(), key), token);
    // Once B's set has reached A, A's token is stale everywhere.
    ASSERT_TRUE(repl::WaitUntil([&] { return repl::Get(pair.m(), key).find("\r\ny\r\n") != std::string::npos; }));
    EXPECT_EQ(Request(pair.m(), absl::StrCat("cas ", key, " 0 0 1 ", token, "\r\nz\r\n")), "EXISTS\r\n");
    EXPECT_EQ(Request(pair.s(), absl::StrCat("cas ", key, " 0 0 1 ", token, "\r\nz\r\n")), "EXISTS\r\n");
  }
}

// ---------------------------------------------------------------------------
// Forwarding to the key's owner
// ---------------------------------------------------------------------------

TEST(ReplicationRmw, ConcurrentIncrementsOnBothNodesAllCount) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  constexpr int kN = 500;
  std::vector<std::string> keys;
  for (int k = 0; k < 4; ++k) {  // some owned by each node
    keys.push_back(absl::StrCat("ctr:", k));
    ASSERT_EQ(Request(pair.m(), absl::StrCat("set ", keys.back(), " 0 0 1\r\n0\r\n")), "STORED\r\n");
  }
  Converged(pair.m(), pair.s(), absl::StrJoin(keys, " "));
  auto incr_all = [&](int port) {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(port, absl::Seconds(5));
    ASSERT_TRUE(s.ok());
    for (int i = 0; i < kN; ++i) {
      std::string batch;
      for (const std::string& k : keys) absl::StrAppend(&batch, "incr ", k, " 1\r\n");
      ASSERT_TRUE(s->Send(batch).ok());
      for (size_t k = 0; k < keys.size(); ++k) ASSERT_TRUE(s->ReadUntil("\r\n", absl::Seconds(10)).ok());
    }
  };
  std::thread a(incr_all, pair.m());
  std::thread b(incr_all, pair.s());
  a.join();
  b.join();
  for (const std::string& k : keys) {
    const std::string want = absl::StrCat("VALUE ", k, " 0 ", std::to_string(2 * kN).size(), "\r\n", 2 * kN, "\r\nEND\r\n");
    EXPECT_TRUE(repl::WaitUntil([&] {
      return Request(pair.m(), absl::StrCat("get ", k, "\r\n"), "END\r\n") == want &&
             Request(pair.s(), absl::StrCat("get ", k, "\r\n"), "END\r\n") == want;
    })) << k << ": " << Request(pair.m(), absl::StrCat("get ", k, "\r\n"), "END\r\n")
        << Request(pair.s(), absl::StrCat("get ", k, "\r\n"), "END\r\n");
  }
}

TEST(ReplicationRmw, ConcurrentAddOfOneKeySucceedsOnExactlyOneNode) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  constexpr int kKeys = 200;
  std::vector<std::string> ra(kKeys), rb(kKeys);
  auto add_all = [&](int port, char tag, std::vector<std::string>* replies) {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(port, absl::Seconds(5));
    ASSERT_TRUE(s.ok());
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_TRUE(s->Send(absl::StrCat("add lock:", i, " 0 0 1\r\n", std::string(1, tag), "\r\n")).ok());
      absl::StatusOr<std::string> r = s->ReadUntil("\r\n", absl::Seconds(10));
      ASSERT_TRUE(r.ok());
      (*replies)[i] = *r;
    }
  };
  std::thread a(add_all, pair.m(), 'A', &ra);
  std::thread b(add_all, pair.s(), 'B', &rb);
  a.join();
  b.join();
  for (int i = 0; i < kKeys; ++i) {
    const int stored = (ra[i] == "STORED\r\n") + (rb[i] == "STORED\r\n");
    EXPECT_EQ(stored, 1) << "lock:" << i << " A: " << ra[i] << " B: " << rb[i];
    const std::string winner = ra[i] == "STORED\r\n" ? "A" : "B";
    const std::string got = Converged(pair.m(), pair.s(), absl::StrCat("lock:", i));
    EXPECT_NE(got.find(absl::StrCat("\r\n", winner, "\r\n")), std::string::npos) << got;
  }
}

TEST(ReplicationRmw, ConcurrentAppendsLoseNothing) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  ASSERT_EQ(Request(pair.m(), "set log 0 0 1\r\n|\r\n"), "STORED\r\n");
  Converged(pair.m(), pair.s(), "log");
  constexpr int kN = 200;
  auto append_all = [&](int port, char tag) {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(port, absl::Seconds(5));
    ASSERT_TRUE(s.ok());
    for (int i = 0; i < kN; ++i) {
      const std::string token = absl::StrCat(std::string(1, tag), i, ",");
      ASSERT_TRUE(s->Send(absl::StrCat("append log 0 0 ", token.size(), "\r\n", token, "\r\n")).ok());
      absl::StatusOr<std::string> r = s->ReadUntil("\r\n", absl::Seconds(10));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(*r, "STORED\r\n");
    }
  };
  std::thread a(append_all, pair.m(), 'A');
  std::thread b(append_all, pair.s(), 'B');
  a.join();
  b.join();
  const std::string got = Converged(pair.m(), pair.s(), "log");
  for (int i = 0; i < kN; ++i) {
    EXPECT_NE(got.find(absl::StrCat("A", i, ",")), std::string::npos) << "A" << i;
    EXPECT_NE(got.find(absl::StrCat("B", i, ",")), std::string::npos) << "B" << i;
  }
}

// Every key's owner is one of the two nodes: send each command to both, and
// half the keys exercise the forwarded path on each node.
TEST(ReplicationRmw, MetaArithAndAddAreForwarded) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  for (int k = 0; k < 8; ++k) {
    const std::string key = absl::StrCat("mctr:", k);
    EXPECT_EQ(Request(pair.m(), absl::StrCat("ma ", key, " N0 J10 v\r\n")), "VA 2\r\n");
    EXPECT_EQ(Request(pair.s(), absl::StrCat("ma ", key, " v\r\n"), "\r\n11\r\n"), "VA 2\r\n11\r\n");
    EXPECT_EQ(Request(pair.m(), absl::StrCat("ma ", key, " MD D5 v\r\n"), "\r\n6\r\n"), "VA 1\r\n6\r\n");
    // ms in add mode: exactly one of the two nodes stores it.
    const std::string madd = absl::StrCat("ms madd:", k, " 1 ME\r\nx\r\n");
    const std::string r1 = Request(pair.s(), madd);
    const std::string r2 = Request(pair.m(), madd);
    EXPECT_EQ(r1, "HD\r\n");
    EXPECT_EQ(r2, "NS\r\n");
  }
}

std::string BinaryArith(uint8_t opcode, const std::string& key, uint64_t delta, uint64_t initial,
                        uint32_t expiration) {
  std::string p(24, '\0');
  p[0] = static_cast<char>(0x80);
  p[1] = static_cast<char>(opcode);
  p[2] = 0;
  p[3] = static_cast<char>(key.size());
  p[4] = 20;  // extras
  const uint32_t body = 20 + static_cast<uint32_t>(key.size());
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<char>((body >> (24 - 8 * i)) & 0xff);
  p[12] = 0x12;  // opaque
  for (int i = 0; i < 8; ++i) p.push_back(static_cast<char>((delta >> (56 - 8 * i)) & 0xff));
  for (int i = 0; i < 8; ++i) p.push_back(static_cast<char>((initial >> (56 - 8 * i)) & 0xff));
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<char>((expiration >> (24 - 8 * i)) & 0xff));
  p += key;
  return p;
}

std::string BinaryAdd(const std::string& key, const std::string& value) {
  std::string p(24, '\0');
  p[0] = static_cast<char>(0x80);
  p[1] = 0x02;  // ADD
  p[3] = static_cast<char>(key.size());
  p[4] = 8;
  const uint32_t body = 8 + static_cast<uint32_t>(key.size() + value.size());
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<char>((body >> (24 - 8 * i)) & 0xff);
  p += std::string(8, '\0');
  p += key;
  p += value;
  return p;
}

// One binary request; the reply packet's status and (for arithmetic) value.
std::pair<int, uint64_t> BinaryCall(int port, const std::string& packet) {
  absl::StatusOr<RawSocket> s = RawSocket::Connect(port, absl::Seconds(5));
  if (!s.ok() || !s->Send(packet).ok()) return {-1, 0};
  absl::StatusOr<std::string> header = s->ReadExactly(24, absl::Seconds(10));
  if (!header.ok()) return {-1, 0};
  const int status = (static_cast<uint8_t>((*header)[6]) << 8) | static_cast<uint8_t>((*header)[7]);
  uint32_t body = 0;
  for (int i = 0; i < 4; ++i) body = (body << 8) | static_cast<uint8_t>((*header)[8 + i]);
  absl::StatusOr<std::string> rest = s->ReadExactly(body, absl::Seconds(10));
  if (!rest.ok()) return {-1, 0};
  uint64_t value = 0;
  if (status == 0 && body == 8) {
    for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>((*rest)[i]);
  }
  return {status, value};
}

TEST(ReplicationRmw, BinaryIncrementAndAddAreForwarded) {
  Pair pair = StartPair();
  ASSERT_NE(pair.slave, nullptr);
  for (int k = 0; k < 8; ++k) {
    const std::string key = absl::StrCat("bctr:", k);
    EXPECT_EQ(BinaryCall(pair.m(), BinaryArith(0x05, key, 1, 100, 0)), std::make_pair(0, uint64_t{100}));
    EXPECT_EQ(BinaryCall(pair.s(), BinaryArith(0x05, key, 5, 0, 0)), std::make_pair(0, uint64_t{105}));
    EXPECT_EQ(BinaryCall(pair.m(), BinaryArith(0x06, key, 2, 0, 0)), std::make_pair(0, uint64_t{103}));
    const std::string akey = absl::StrCat("badd:", k);
    EXPECT_EQ(BinaryCall(pair.s(), BinaryAdd(akey, "x")).first, 0);
    EXPECT_EQ(BinaryCall(pair.m(), BinaryAdd(akey, "y")).first, 0x0002);  // exists
  }
}

}  // namespace
}  // namespace tandem::testing
