// More replication scenarios between real tandemd processes: binary and
// meta mutations stream like text ones; evictions stay local (a small node
// evicts, its peer keeps the keys); and the master killed with SIGKILL in
// the middle of a write load: the slave promotes within a bounded wait and
// keeps serving, the old master restarted with its own command line rejoins
// as slave and converges. Bounded polls only (replication_harness.h).
#include <signal.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/replication_harness.h"

namespace tandem::testing {
namespace {

using ::testing::AnyOf;
using ::testing::Eq;
using ::testing::HasSubstr;
using repl::Converged;
using repl::Get;
using repl::ReplStat;
using repl::Request;
using repl::WaitUntil;

const std::vector<std::string> kTuning = {"--repl-heartbeat-ms=100", "--repl-timeout-ms=1000"};

// ---- binary protocol requests ------------------------------------------------
void PutBE(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string BinaryRequest(uint8_t opcode, const std::string& key, const std::string& extras,
                          const std::string& value = "") {
  std::string p;
  p.push_back(static_cast<char>(0x80));
  p.push_back(static_cast<char>(opcode));
  PutBE(&p, key.size(), 2);
  p.push_back(static_cast<char>(extras.size()));
  p.append(3, '\0');  // data type, vbucket
  PutBE(&p, extras.size() + key.size() + value.size(), 4);
  p.append(12, '\0');  // opaque, cas
  return p + extras + key + value;
}

std::string Extras(std::initializer_list<std::pair<uint64_t, int>> fields) {
  std::string e;
  for (auto [v, bytes] : fields) PutBE(&e, v, bytes);
  return e;
}

// Sends one binary request and returns the response status (0 = success).
int BinaryStatus(int port, const std::string& request) {
  absl::StatusOr<RawSocket> s = RawSocket::Connect(port);
  if (!s.ok() || !s->Send(request).ok()) return -1;
  absl::StatusOr<std::string> header = s->ReadExactly(24, absl::Seconds(15));
  if (!header.ok()) return -1;
  const uint32_t body = (uint32_t{static_cast<uint8_t>((*header)[8])} << 24) |
                        (uint32_t{static_cast<uint8_t>((*header)[9])} << 16) |
                        (uint32_t{static_cast<uint8_t>((*header)[10])} << 8) | static_cast<uint8_t>((*header)[11]);
  if (body > 0 && !s->ReadExactly(body, absl::Seconds(15)).ok()) return -1;
  return (static_cast<uint8_t>((*header)[6]) << 8) | static_cast<uint8_t>((*header)[7]);
}

constexpr uint8_t kSet = 0x01, kAdd = 0x02, kReplace = 0x03, kDelete = 0x04, kIncrement = 0x05,
                  kDecrement = 0x06, kFlush = 0x08, kAppend = 0x0e, kPrepend = 0x0f, kTouch = 0x1c;

TEST(ReplicationScenarios, BinaryMutationsReplicate) {
  repl::Pair pair = repl::StartPair(kTuning);
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.m(), s = pair.s();
  const std::string store_extras = Extras({{5, 4}, {0, 4}});  // flags 5, no expiry
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kSet, "b:set", store_extras, "one")), 0);
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kAdd, "b:add", store_extras, "two")), 0);
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kSet, "b:rep", store_extras, "x")), 0);
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kReplace, "b:rep", Extras({{9, 4}, {0, 4}}), "three")), 0);
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kAppend, "b:set", "", "+")), 0);
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kPrepend, "b:set", "", "<")), 0);
  // incr on a miss creates the initial value (expiry 0 = create), then counts.
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kIncrement, "b:num", Extras({{1, 8}, {10, 8}, {0, 4}}))), 0);
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kIncrement, "b:num", Extras({{5, 8}, {0, 8}, {0, 4}}))), 0);
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kDecrement, "b:num", Extras({{2, 8}, {0, 8}, {0, 4}}))), 0);
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kTouch, "b:add", Extras({{1000, 4}}))), 0);
  EXPECT_THAT(Converged(m, s, "b:set"), HasSubstr("VALUE b:set 5 5 "));
  EXPECT_THAT(Get(s, "b:set"), HasSubstr("\r\n<one+\r\n"));
  EXPECT_THAT(Converged(m, s, "b:rep"), HasSubstr("VALUE b:rep 9 5 "));
  EXPECT_THAT(Converged(m, s, "b:num"), HasSubstr("\r\n13\r\n"));
  EXPECT_TRUE(WaitUntil([&] { return Request(s, "mg b:add t\r\n") != "HD t-1\r\n"; }));
  EXPECT_THAT(Request(s, "mg b:add t v\r\n", "two\r\n"), AnyOf(Eq("VA 3 t1000\r\ntwo\r\n"), Eq("VA 3 t999\r\ntwo\r\n")));
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kDelete, "b:add", "")), 0);
  EXPECT_TRUE(WaitUntil([&] { return Get(s, "b:add") == "END\r\n"; }));
  ASSERT_EQ(BinaryStatus(m, BinaryRequest(kFlush, "", "")), 0);
  EXPECT_TRUE(WaitUntil([&] { return Get(s, "b:set b:rep b:num") == "END\r\n"; }));
}

TEST(ReplicationScenarios, MoreMetaMutationsReplicate) {
  repl::Pair pair = repl::StartPair(kTuning);
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.m(), s = pair.s();
  ASSERT_EQ(Request(m, "ms mm 1 F3\r\na\r\n"), "HD\r\n");
  ASSERT_EQ(Request(m, "ms mm 1 MA\r\nb\r\n"), "HD\r\n");   // append
  ASSERT_EQ(Request(m, "ms mm 1 MP\r\nc\r\n"), "HD\r\n");   // prepend
  ASSERT_EQ(Request(m, "ms mr 1 MR\r\nr\r\n"), "NS\r\n");   // replace of a missing key: nothing
  ASSERT_EQ(Request(m, "ms madd 1 ME\r\nn\r\n"), "HD\r\n"); // add
  ASSERT_EQ(Request(m, "ma mc N0 J40\r\n"), "HD\r\n");      // autovivify
  ASSERT_EQ(Request(m, "ma mc D2 MD\r\n"), "HD\r\n");       // decrement
  ASSERT_EQ(Request(m, "mg madd T500\r\n"), "HD\r\n");      // touch through mg
  ASSERT_EQ(Request(m, "ms mi 1\r\ni\r\n"), "HD\r\n");
  ASSERT_EQ(Request(m, "md mi I T30\r\n"), "HD\r\n");       // invalidate: stale, new TTL
  EXPECT_EQ(Converged(m, s, "mm"), Get(m, "mm"));
  EXPECT_THAT(Get(s, "mm"), HasSubstr("VALUE mm 3 3 "));
  EXPECT_THAT(Get(s, "mm"), HasSubstr("\r\ncab\r\n"));
  EXPECT_THAT(Converged(m, s, "mc"), HasSubstr("\r\n38\r\n"));
  EXPECT_EQ(Get(s, "mr"), "END\r\n");
  EXPECT_TRUE(WaitUntil([&] { return Request(s, "mg madd t\r\n") != "HD t-1\r\n"; }));
  EXPECT_THAT(Request(s, "mg madd t\r\n"), AnyOf(Eq("HD t500\r\n"), Eq("HD t499\r\n")));
  EXPECT_TRUE(WaitUntil([&] { return Request(s, "mg mi t\r\n") != "HD t-1\r\n"; }));
  EXPECT_THAT(Request(s, "mg mi t\r\n"), AnyOf(Eq("HD t30\r\n"), Eq("HD t29\r\n")));
}

TEST(ReplicationScenarios, EvictionsStayLocal) {
  // The slave has 4 MB of memory, the master 64: 12 MB of writes make the
  // slave evict, and the master must keep everything.
  std::vector<std::string> slave_flags = kTuning;
  slave_flags.insert(slave_flags.end(), {"-m", "4"});
  std::unique_ptr<ServerProcess> master = repl::StartNode({"-X", "{port1}", kTuning[0], kTuning[1]});
  ASSERT_NE(master, nullptr);
  std::vector<std::string> args = {"-x", absl::StrCat("127.0.0.1:", master->extra_ports()[0]), "-X", "{port1}"};
  args.insert(args.end(), slave_flags.begin(), slave_flags.end());
  std::unique_ptr<ServerProcess> slave = repl::StartNode(args);
  ASSERT_NE(slave, nullptr);
  const int m = master->port(), s = slave->port();
  ASSERT_TRUE(WaitUntil([&] { return repl::LinkUp(m) && repl::LinkUp(s); }));
  const std::string value(10000, 'e');
  std::string batch;
  constexpr int kItems = 1200;
  for (int i = 0; i < kItems; ++i) absl::StrAppend(&batch, "set ev:", i, " 0 0 ", value.size(), " noreply\r\n", value, "\r\n");
  absl::StrAppend(&batch, "version\r\n");
  ASSERT_THAT(Request(m, batch, "VERSION"), HasSubstr("VERSION"));
  // Wait until the slave has applied the whole stream.
  ASSERT_TRUE(WaitUntil([&] { return ReplStat(m, "lag_bytes") == "0"; })) << slave->CapturedOutput();
  uint64_t evictions = 0;
  ASSERT_TRUE(absl::SimpleAtoi(repl::StatsOf(s, "")["evictions"], &evictions));
  EXPECT_GT(evictions, 0u);
  EXPECT_EQ(repl::StatsOf(m, "")["evictions"], "0");
  // The slave's evictions did not travel: the master still has every key.
  EXPECT_EQ(repl::StatsOf(m, "")["curr_items"], absl::StrCat(kItems));
  EXPECT_THAT(Get(m, "ev:0"), HasSubstr(value));
  EXPECT_EQ(Get(s, "ev:0"), "END\r\n");  // the oldest went first on the slave
  EXPECT_THAT(Get(s, absl::StrCat("ev:", kItems - 1)), HasSubstr(value));
}

TEST(ReplicationScenarios, MasterKilledUnderLoadFailsOverAndRejoins) {
  repl::Pair pair = repl::StartPair(kTuning);
  ASSERT_NE(pair.slave, nullptr);
  const int m = pair.m(), s = pair.s();
  const std::vector<int> master_ports = {m, pair.master->extra_ports()[0]};
  const std::vector<std::string> master_args = {"-X", "{port1}", kTuning[0], kTuning[1]};
  // A writer on each node; the master's stops when its node dies.
  std::atomic<bool> stop{false};
  std::atomic<int> slave_writes{0};
  auto writer = [&](int port, const std::string& prefix, std::atomic<int>* count) {
    for (int conn = 0; conn < 200 && !stop.load(); ++conn) {
      absl::StatusOr<RawSocket> sock = RawSocket::Connect(port, absl::Seconds(2));
      if (!sock.ok()) return;
      for (int i = 0; i < 100000 && !stop.load(); ++i) {
        std::string req = absl::StrCat("set ", prefix, i % 500, " 0 0 ", std::to_string(i).size(), "\r\n", i, "\r\n");
        if (!sock->Send(req).ok()) break;
        absl::StatusOr<std::string> r = sock->ReadUntil("\r\n", absl::Seconds(10));
        if (!r.ok() || *r != "STORED\r\n") break;
        if (count != nullptr) ++*count;
      }
    }
  };
  std::thread on_master(writer, m, "load:m:", nullptr);
  std::thread on_slave(writer, s, "load:s:", &slave_writes);
  ASSERT_TRUE(WaitUntil([&] { return slave_writes.load() > 200; }));

  const absl::Time killed = absl::Now();
  pair.master->Kill();
  on_master.join();
  ASSERT_TRUE(WaitUntil([&] { return ReplStat(s, "role") == "master"; }, absl::Seconds(15))) << pair.Logs();
  std::fprintf(stderr, "promotion under load: %.0f ms after kill -9\n",
               absl::ToDoubleMilliseconds(absl::Now() - killed));
  // The survivor kept serving: the slave's writer is still going.
  const int writes_at_promotion = slave_writes.load();
  EXPECT_TRUE(WaitUntil([&] { return slave_writes.load() > writes_at_promotion + 100; }));

  std::unique_ptr<ServerProcess> back = repl::StartNode(master_args, master_ports);
  ASSERT_NE(back, nullptr);
  EXPECT_TRUE(WaitUntil([&] { return ReplStat(m, "role") == "slave" && repl::LinkUp(m) && repl::LinkUp(s); }))
      << back->CapturedOutput() << pair.slave->CapturedOutput();
  stop = true;
  on_slave.join();
  std::string keys;
  for (int i = 0; i < 500; i += 7) absl::StrAppend(&keys, " load:s:", i);
  EXPECT_THAT(Converged(m, s, keys.substr(1)), HasSubstr("VALUE load:s:0 "));
  ASSERT_EQ(Request(m, "set rejoined 0 0 1\r\nr\r\n"), "STORED\r\n");
  Converged(m, s, "rejoined");
}

}  // namespace
}  // namespace tandem::testing
