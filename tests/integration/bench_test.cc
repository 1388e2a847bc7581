// tandem-bench against real tandemd processes: the bench's own counts of
// gets, sets, hits and misses must equal what the servers counted (their
// `stats`), exactly. One connection and a --requests cap make that exact
// for a plain run (no request is cut off by a deadline); preload adds one
// set per key; a --cluster run through the client library must add up to
// the sum over its shards. Also: --progress writes to stderr only, so
// stdout stays a parseable --json document, and bad flag combinations are
// usage errors.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"
#include "tests/support/subprocess.h"

namespace tandem::testing {
namespace {

std::string BenchPath() { return std::string(TANDEM_BIN_DIR) + "/tandem-bench"; }

std::unique_ptr<ServerProcess> StartTandemd() {
  ServerOptions options;
  options.binary = TandemdPath();
  options.args = {"-t", "2", "-m", "64"};
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

// The counters of `stats` that a bench run moves.
struct Counts {
  int64_t cmd_get = 0, cmd_set = 0, get_hits = 0, get_misses = 0;
  Counts operator-(const Counts& o) const {
    return {cmd_get - o.cmd_get, cmd_set - o.cmd_set, get_hits - o.get_hits,
            get_misses - o.get_misses};
  }
  Counts operator+(const Counts& o) const {
    return {cmd_get + o.cmd_get, cmd_set + o.cmd_set, get_hits + o.get_hits,
            get_misses + o.get_misses};
  }
};

Counts ServerCounts(int port) {
  Counts c;
  absl::StatusOr<RawSocket> socket = RawSocket::Connect(port);
  EXPECT_TRUE(socket.ok()) << socket.status();
  if (!socket.ok() || !socket->Send("stats\r\n").ok()) return c;
  absl::StatusOr<std::string> reply = socket->ReadUntil("END\r\n");
  EXPECT_TRUE(reply.ok()) << reply.status();
  if (!reply.ok()) return c;
  std::map<std::string, int64_t*> wanted = {{"cmd_get", &c.cmd_get},
                                            {"cmd_set", &c.cmd_set},
                                            {"get_hits", &c.get_hits},
                                            {"get_misses", &c.get_misses}};
  for (absl::string_view line : absl::StrSplit(*reply, "\r\n")) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts.size() != 3 || parts[0] != "STAT") continue;
    auto it = wanted.find(parts[1]);
    if (it != wanted.end()) {
      EXPECT_TRUE(absl::SimpleAtoi(parts[2], it->second)) << line;
    }
  }
  return c;
}

// A number field of the first "servers" entry of a --json document.
int64_t BenchField(const std::string& json, const std::string& field) {
  size_t servers = json.find("\"servers\": [");
  if (servers == std::string::npos) {
    ADD_FAILURE() << "no servers in " << json;
    return -1;
  }
  size_t pos = json.find(absl::StrCat("\"", field, "\": "), servers);
  int64_t v = -1;
  if (pos == std::string::npos) {
    ADD_FAILURE() << "no " << field << " in " << json;
    return -1;
  }
  pos += field.size() + 4;
  size_t end = json.find_first_of(",}", pos);
  EXPECT_TRUE(absl::SimpleAtoi(json.substr(pos, end - pos), &v)) << field << " in " << json;
  return v;
}

// Runs tandem-bench and checks it finished cleanly.
ProgramResult RunBench(const std::vector<std::string>& args) {
  ProgramResult r = RunProgram(BenchPath(), args, "", absl::Seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  return r;
}

// The bench's counts as the server would count them (cmd_get and the hit
// counters are per key, a multi-get counting each of its keys).
Counts BenchCounts(const std::string& json) {
  Counts c;
  c.get_hits = BenchField(json, "hits");
  c.get_misses = BenchField(json, "misses");
  c.cmd_get = c.get_hits + c.get_misses;
  c.cmd_set = BenchField(json, "sets");
  return c;
}

void ExpectEqual(const Counts& bench, const Counts& server) {
  EXPECT_EQ(bench.cmd_get, server.cmd_get);
  EXPECT_EQ(bench.cmd_set, server.cmd_set);
  EXPECT_EQ(bench.get_hits, server.get_hits);
  EXPECT_EQ(bench.get_misses, server.get_misses);
}

TEST(BenchTest, PlainRunCountsEqualTheServersStats) {
  std::unique_ptr<ServerProcess> server = StartTandemd();
  ASSERT_NE(server, nullptr);
  const Counts before = ServerCounts(server->port());
  ProgramResult r = RunBench({absl::StrCat("--server=127.0.0.1:", server->port()),
                              "--connections=1", "--threads=1", "--pipeline=4", "--requests=4000",
                              "--keys=500", "--key-size=12", "--get-ratio=0.8",
                              "--value-size=10-300", "--key-distribution=zipf", "--json"});
  const std::string& json = r.out;
  EXPECT_NE(json.find("\"mode\": \"plain\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"key_distribution\": \"zipf\""), std::string::npos);
  EXPECT_NE(json.find("\"p90_us\": "), std::string::npos);
  EXPECT_EQ(BenchField(json, "requests"), 4000);
  EXPECT_EQ(BenchField(json, "errors"), 0);
  EXPECT_EQ(BenchField(json, "gets") + BenchField(json, "sets"), 4000);
  const Counts bench = BenchCounts(json);
  EXPECT_EQ(bench.cmd_get, BenchField(json, "gets"));  // one key per get
  EXPECT_GT(bench.get_hits, 0);  // zipf's hot keys were set early on
  EXPECT_GT(bench.get_misses, 0);
  ExpectEqual(bench, ServerCounts(server->port()) - before);
}

TEST(BenchTest, PreloadSetsAreCountedToo) {
  std::unique_ptr<ServerProcess> server = StartTandemd();
  ASSERT_NE(server, nullptr);
  const Counts before = ServerCounts(server->port());
  ProgramResult r = RunBench({absl::StrCat("--server=127.0.0.1:", server->port()),
                              "--connections=1", "--requests=1500", "--keys=300",
                              "--get-ratio=1", "--multiget=5", "--preload",
                              "--key-distribution=gaussian", "--value-size=0-64", "--json"});
  const Counts bench = BenchCounts(r.out);
  EXPECT_EQ(bench.cmd_get, 1500 * 5);
  EXPECT_EQ(bench.get_misses, 0);  // every key was preloaded, and every hit validated
  EXPECT_EQ(BenchField(r.out, "errors"), 0);
  Counts server_counts = ServerCounts(server->port()) - before;
  server_counts.cmd_set -= 300;  // one preload set per key
  ExpectEqual(bench, server_counts);
}

// The README's zipf example (sizes 32-4096) followed by a run with
// another size over the same keys: the first run's values are bench values
// too, not corruption (they used to count as bad_value and exit 2).
TEST(BenchTest, ValuesLeftByARunWithOtherSizesAreNotErrors) {
  std::unique_ptr<ServerProcess> server = StartTandemd();
  ASSERT_NE(server, nullptr);
  const std::string address = absl::StrCat("--server=127.0.0.1:", server->port());
  RunBench({address, "--connections=1", "--requests=3000", "--keys=200", "--key-distribution=zipf",
            "--value-size=32-4096", "--json"});
  for (std::string sizes : {"--value-size=8", "--value-size=5000-6000"}) {
    SCOPED_TRACE(sizes);
    ProgramResult r = RunBench({address, "--connections=1", "--requests=2000", "--keys=200", "--get-ratio=1",
                                sizes, "--json"});
    EXPECT_EQ(BenchField(r.out, "errors"), 0) << r.out;
    EXPECT_GT(BenchField(r.out, "hits"), 0);
  }
  // A value that breaks the pattern is still caught (key 0 of 1, 16 bytes).
  absl::StatusOr<RawSocket> raw = RawSocket::Connect(server->port());
  ASSERT_TRUE(raw.ok()) << raw.status();
  ASSERT_TRUE(raw->Send("set key:000000000000 0 0 4\r\nzzzz\r\n").ok());
  ASSERT_EQ(raw->ReadUntil("\r\n").value_or(""), "STORED\r\n");
  ProgramResult bad = RunProgram(BenchPath(), {address, "--connections=1", "--requests=10", "--keys=1",
                                               "--get-ratio=1", "--json"}, "", absl::Seconds(60));
  EXPECT_EQ(bad.exit_code, 2) << bad.err << bad.out;
  EXPECT_NE(bad.out.find("\"bad_value\": 10"), std::string::npos) << bad.err << bad.out;
}

TEST(BenchTest, ClusterRunCountsEqualTheSumOverShards) {
  std::unique_ptr<ServerProcess> a = StartTandemd();
  std::unique_ptr<ServerProcess> b = StartTandemd();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::string cluster =
      absl::StrCat("127.0.0.1:", a->port(), ",127.0.0.1:", b->port());
  for (const char* distribution : {"ketama", "modula"}) {
    SCOPED_TRACE(distribution);
    const Counts a0 = ServerCounts(a->port());
    const Counts b0 = ServerCounts(b->port());
    ProgramResult r = RunBench({absl::StrCat("--cluster=", cluster),
                                absl::StrCat("--distribution=", distribution), "--connections=3",
                                "--requests=3000", "--keys=1000", "--get-ratio=0.7",
                                "--multiget=3", "--value-size=1-500", "--json"});
    const std::string& json = r.out;
    EXPECT_NE(json.find("\"mode\": \"cluster\""), std::string::npos) << json;
    EXPECT_NE(json.find(absl::StrCat("\"distribution\": \"", distribution, "\"")),
              std::string::npos);
    EXPECT_EQ(BenchField(json, "requests"), 3000);
    EXPECT_EQ(BenchField(json, "errors"), 0);
    const Counts bench = BenchCounts(json);
    EXPECT_EQ(bench.cmd_get, 3 * BenchField(json, "gets"));
    const Counts on_a = ServerCounts(a->port()) - a0;
    const Counts on_b = ServerCounts(b->port()) - b0;
    ExpectEqual(bench, on_a + on_b);
    EXPECT_GT(on_a.cmd_get, 0);  // both shards took part
    EXPECT_GT(on_b.cmd_get, 0);
    EXPECT_GT(on_a.cmd_set, 0);
    EXPECT_GT(on_b.cmd_set, 0);
  }
}

TEST(BenchTest, ProgressGoesToStderrAndJsonStaysClean) {
  std::unique_ptr<ServerProcess> server = StartTandemd();
  ASSERT_NE(server, nullptr);
  ProgramResult r = RunBench({absl::StrCat("--server=127.0.0.1:", server->port()),
                              "--connections=2", "--requests=300", "--progress", "--json"});
  EXPECT_TRUE(r.out.starts_with("{\n")) << r.out;
  EXPECT_TRUE(r.out.ends_with("}\n")) << r.out;
  EXPECT_EQ(r.out.find("ops/s"), std::string::npos);
  EXPECT_NE(r.err.find(" ops/s, 300 ops, "), std::string::npos) << r.err;
}

TEST(BenchTest, BadCombinationsAreUsageErrors) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--compare=127.0.0.1:1,127.0.0.1:2", "--requests=10"},
           {"--cluster=127.0.0.1:1", "--pipeline=2"},
           {"--cluster=127.0.0.1:1", "--protocol=meta"},
           {"--cluster=127.0.0.1:1", "--server=127.0.0.1:1"},
           {"--server=127.0.0.1:1", "--distribution=modula"},
           {"--cluster=127.0.0.1:1", "--distribution=rendezvous"},
           {"--cluster=127.0.0.1:1/"},
           {"--server=127.0.0.1:1", "--value-size=9-3"},
           {"--server=127.0.0.1:1", "--key-distribution=pareto"},
           {"--server=127.0.0.1:1", "--key-distribution=zipf", "--zipf-s=0"},
           {"--server=127.0.0.1:1", "--requests=0"},
       }) {
    ProgramResult r = RunProgram(BenchPath(), args);
    EXPECT_EQ(r.exit_code, 1) << absl::StrJoin(args, " ") << "\n" << r.err;
    EXPECT_NE(r.err.find("tandem-bench: "), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace tandem::testing
