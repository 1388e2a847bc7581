// The option and command surface beyond the core protocol, on real
// processes: options refused at start-up (exit code and stderr, against
// memcached where it has the behaviour), -X as memcached's bare flag and as
// repcached's port on real command lines, lru_crawler metadump read by
// Debian's memcached-tool, idle_kicks, and replication health in plain
// `stats` with the peer shown at its listen address.
//
// Replies memcached also gives are pinned byte for byte in
// tests/differential/corpus/56_surface.txt; this file covers what needs a
// process's exit, an external tool, time, or a pair.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/replication_harness.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using repl::Request;
using repl::StatsOf;
using repl::WaitUntil;

struct Exit {
  int code = -1;
  std::string err;
};

// Runs `binary args...` (which must exit by itself within 5 s, else it is
// killed by timeout(1)) and returns its exit code and stderr.
Exit RunToExit(const std::string& binary, const std::vector<std::string>& args) {
  char err_path[] = "/tmp/tandem_surface_errXXXXXX";
  const int fd = mkstemp(err_path);
  if (fd < 0) return {};
  close(fd);
  std::vector<std::string> argv = {"timeout", "5", binary};
  argv.insert(argv.end(), args.begin(), args.end());
  if (geteuid() == 0) argv.insert(argv.end(), {"-u", "nobody"});
  const std::string command = absl::StrCat(absl::StrJoin(argv, " "), " </dev/null >/dev/null 2>", err_path);
  const int status = std::system(command.c_str());
  Exit out;
  out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* f = std::fopen(err_path, "r")) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.err.append(buf, n);
    std::fclose(f);
  }
  unlink(err_path);
  return out;
}

std::unique_ptr<ServerProcess> StartTandemd(std::vector<std::string> args, int extra_ports = 0) {
  ServerOptions o;
  o.binary = TandemdPath();
  o.args = std::move(args);
  o.extra_port_count = extra_ports;
  auto p = ServerProcess::Start(o);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::move(*p) : nullptr;
}

// The names of plain `stats`, in order.
std::vector<std::string> StatNames(int port) {
  std::vector<std::string> names;
  for (absl::string_view line : absl::StrSplit(Request(port, "stats\r\n", "END\r\n"), "\r\n", absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts.size() == 3 && parts[0] == "STAT") names.push_back(parts[1]);
  }
  return names;
}

// ---------------------------------------------------------------------------
// Start-up refusals.
// ---------------------------------------------------------------------------

TEST(SurfaceStartup, ExtstoreAndProxyOptionsStopStartupWithAClearLine) {
  Exit ext = RunToExit(TandemdPath(), {"-p", "0", "-o", "ext_path=/tmp/tandem_surface_none:64m"});
  EXPECT_EQ(ext.code, 1);
  EXPECT_EQ(ext.err, "tandemd: extstore is not supported (-o ext_path)\n");
  Exit proxy = RunToExit(TandemdPath(), {"-p", "0", "-o", "idle_timeout=5,proxy_config=/etc/proxy.lua"});
  EXPECT_EQ(proxy.code, 1);
  EXPECT_EQ(proxy.err, "tandemd: the proxy is not supported (-o proxy_config)\n");
  // Debian's memcached has no proxy either, and also exits 1.
  if (IsExecutable(MemcachedPath())) {
    EXPECT_EQ(RunToExit(MemcachedPath(), {"-p", "0", "-o", "proxy_config=/etc/proxy.lua"}).code, 1);
  }
}

TEST(SurfaceStartup, BadSlabSizesExitWithMemcachedsWordsAndCode) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"slab_sizes=100-50", "slab size 50 cannot be lower than or equal to a previous class size"},
      {"slab_sizes=100-104", "slab size 104 must be at least 8 bytes larger than previous class"},
      {"slab_sizes=10-100", "slab size 10 is out of valid range"},
  };
  for (const auto& [option, words] : cases) {
    Exit t = RunToExit(TandemdPath(), {"-p", "0", "-o", option});
    EXPECT_EQ(t.code, 64) << option;  // EX_USAGE
    EXPECT_EQ(t.err, absl::StrCat("tandemd: ", words, "\n")) << option;
    if (IsExecutable(MemcachedPath())) {
      Exit m = RunToExit(MemcachedPath(), {"-p", "0", "-o", option});
      EXPECT_EQ(m.code, 64) << option;
      EXPECT_THAT(m.err, HasSubstr(words)) << option;
    }
  }
}

// ---------------------------------------------------------------------------
// -X: memcached's bare flag and repcached's port.
// ---------------------------------------------------------------------------

// A memcached.conf with a "-X" line followed by other flags.
TEST(SurfaceDashX, BareDashXBeforeAnotherFlagDisablesDumping) {
  std::unique_ptr<ServerProcess> t = StartTandemd({"-X", "-o", "idle_timeout=5", "-c", "100"});
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(Request(t->port(), "lru_crawler metadump all\r\n"), "ERROR metadump not allowed\r\n");
  EXPECT_EQ(Request(t->port(), "stats cachedump 1 1\r\n"), "CLIENT_ERROR stats cachedump not allowed\r\n");
  std::map<std::string, std::string> settings = StatsOf(t->port(), "settings");
  EXPECT_EQ(settings["dump_enabled"], "no");
  EXPECT_EQ(settings["idle_timeout"], "5");
  EXPECT_EQ(settings["maxconns"], "100");
  // Not a replicating node: no replication fields in plain stats.
  std::vector<std::string> names = StatNames(t->port());
  EXPECT_EQ(std::count(names.begin(), names.end(), "repl_role"), 0);
}

TEST(SurfaceDashX, BareDashXLastOnTheLine) {
  std::unique_ptr<ServerProcess> t = StartTandemd({"-v", "-X"});
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(StatsOf(t->port(), "settings")["dump_enabled"], "no");
}

// -X PORT: a master waiting for its slave; dumping stays on; plain stats
// ends with the replication health after memcached's own fields.
TEST(SurfaceDashX, DashXWithANumberIsTheReplicationPort) {
  std::unique_ptr<ServerProcess> t = StartTandemd({"-X", "{port1}", "-o", "idle_timeout=5"}, 1);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(StatsOf(t->port(), "settings")["dump_enabled"], "yes");
  EXPECT_EQ(StatsOf(t->port(), "replication")["role"], "master");
  std::vector<std::string> names = StatNames(t->port());
  ASSERT_GE(names.size(), 4u);
  EXPECT_EQ(names[names.size() - 4], "lru_bumps_dropped");  // memcached's last field
  EXPECT_EQ(names[names.size() - 3], "repl_role");
  EXPECT_EQ(names[names.size() - 2], "repl_link");
  EXPECT_EQ(names[names.size() - 1], "repl_lag_bytes");
  std::map<std::string, std::string> stats = StatsOf(t->port(), "");
  EXPECT_EQ(stats["repl_role"], "master");
  EXPECT_EQ(stats["repl_link"], "down");
  EXPECT_EQ(stats["repl_lag_bytes"], "0");
}

// ---------------------------------------------------------------------------
// Replication health and the peer's address.
// ---------------------------------------------------------------------------

TEST(SurfaceReplication, PeerIsTheListenAddressAndPlainStatsCarryHealth) {
  repl::Pair pair = repl::StartPair();
  ASSERT_NE(pair.slave, nullptr);
  const int master_repl = pair.master->extra_ports()[0];
  const int slave_repl = pair.slave->extra_ports()[0];
  // The slave dialled the master: the master sees a source port, but its
  // report names where the slave listens (announced in its HELLO).
  EXPECT_EQ(repl::ReplStat(pair.m(), "peer"), absl::StrCat("127.0.0.1:", slave_repl)) << pair.Logs();
  EXPECT_EQ(repl::ReplStat(pair.s(), "peer"), absl::StrCat("127.0.0.1:", master_repl));
  ASSERT_EQ(Request(pair.m(), "set k 0 0 1\r\nx\r\n"), "STORED\r\n");
  for (int port : {pair.m(), pair.s()}) {
    std::map<std::string, std::string> stats = StatsOf(port, "");
    EXPECT_EQ(stats["repl_role"], port == pair.m() ? "master" : "slave");
    EXPECT_EQ(stats["repl_link"], "up");
  }
  // Lag drains to 0 once the slave has acknowledged the write.
  EXPECT_TRUE(WaitUntil([&] { return StatsOf(pair.m(), "")["repl_lag_bytes"] == "0"; }, absl::Seconds(5)));
  EXPECT_EQ(StatsOf(pair.m(), "")["repl_lag_bytes"], StatsOf(pair.m(), "replication")["lag_bytes"]);
}

// ---------------------------------------------------------------------------
// lru_crawler metadump and memcached-tool.
// ---------------------------------------------------------------------------

// tandemd has no external storage: every extstore command says so (memcached
// without extstore answers OK to a well-formed setting that nothing uses).
TEST(SurfaceExtstore, EveryExtstoreCommandIsAClearError) {
  std::unique_ptr<ServerProcess> t = StartTandemd({});
  ASSERT_NE(t, nullptr);
  for (const char* line : {"extstore\r\n", "extstore item_size 1024\r\n", "extstore foo 1\r\n",
                           "extstore max_frag 0.5\r\n", "extstore item_size 1 noreply\r\n"}) {
    EXPECT_EQ(Request(t->port(), line), "SERVER_ERROR extstore is not supported\r\n") << line;
  }
  EXPECT_EQ(Request(t->port(), "version\r\n").substr(0, 8), "VERSION ");
}

TEST(SurfaceMetadump, LinesCarryEveryFieldAndEncodeTheKey) {
  std::unique_ptr<ServerProcess> t = StartTandemd({});
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(Request(t->port(), "set a%b/c 7 1000 3\r\nxyz\r\n"), "STORED\r\n");
  const std::string dump = Request(t->port(), "lru_crawler metadump all\r\n", "END\r\n");
  EXPECT_THAT(dump, MatchesRegex("key=a%25b%2Fc exp=[0-9]+ la=[0-9]+ cas=1 fetch=no cls=1 size=71\nEND\r\n"));
  // exp is the unix time of expiry, la the unix time of the last access.
  std::vector<std::string> fields = absl::StrSplit(dump, ' ');
  ASSERT_GE(fields.size(), 3u);
  const long exp = std::stol(fields[1].substr(4));
  const long la = std::stol(fields[2].substr(3));
  EXPECT_NEAR(static_cast<double>(exp - la), 1000.0, 2.0);
  EXPECT_NEAR(static_cast<double>(la), static_cast<double>(time(nullptr)), 5.0);
}

TEST(SurfaceMetadump, MemcachedToolDumpPrintsTheItems) {
  const std::string tool = "/usr/share/memcached/scripts/memcached-tool";
  if (access(tool.c_str(), R_OK) != 0 || std::system("command -v perl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << tool << " (Debian package memcached) or perl not installed";
  }
  std::unique_ptr<ServerProcess> t = StartTandemd({});
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(Request(t->port(), "set alpha 5 0 3\r\nbar\r\n"), "STORED\r\n");
  ASSERT_EQ(Request(t->port(), "set beta 0 0 4\r\nbeta\r\n"), "STORED\r\n");
  const std::string command =
      absl::StrCat("timeout 10 perl ", tool, " 127.0.0.1:", t->port(), " dump 2>/dev/null");
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    pclose(p);
  }
  EXPECT_THAT(out, HasSubstr("add alpha 5 0 3\r\nbar\r\n"));
  EXPECT_THAT(out, HasSubstr("add beta 0 0 4\r\nbeta\r\n"));
}

// ---------------------------------------------------------------------------
// idle_kicks.
// ---------------------------------------------------------------------------

TEST(SurfaceIdle, IdleKicksCountsConnectionsClosedForIdleness) {
  std::unique_ptr<ServerProcess> t = StartTandemd({"-o", "idle_timeout=1"});
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(StatsOf(t->port(), "")["idle_kicks"], "0");
  auto a = RawSocket::Connect(t->port());
  auto b = RawSocket::Connect(t->port());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->IsClosedByPeer(absl::Seconds(4)));
  EXPECT_TRUE(b->IsClosedByPeer(absl::Seconds(4)));
  // The stats connection itself is fresh: only the two idle ones count.
  EXPECT_EQ(StatsOf(t->port(), "")["idle_kicks"], "2");
}

// ---------------------------------------------------------------------------
// watch.
// ---------------------------------------------------------------------------

// Reads whatever `sock` receives until `lines` newline-terminated lines
// have arrived (after "OK\r\n") or 5 s pass.
std::vector<std::string> WatchLines(RawSocket& sock, size_t lines) {
  std::string got;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline && static_cast<size_t>(std::count(got.begin(), got.end(), '\n')) < lines + 1) {
    got += sock.ReadAvailable(absl::Milliseconds(50), absl::Milliseconds(200));
  }
  std::vector<std::string> out = absl::StrSplit(got, '\n', absl::SkipEmpty());
  return out;
}

TEST(SurfaceWatch, StreamsFetchersAndMutationsInMemcachedsFormat) {
  std::unique_ptr<ServerProcess> t = StartTandemd({});
  ASSERT_NE(t, nullptr);
  auto watcher = RawSocket::Connect(t->port());
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE(watcher->Send("watch fetchers mutations\r\n").ok());
  ASSERT_EQ(*watcher->ReadUntil("\r\n"), "OK\r\n");
  ASSERT_EQ(Request(t->port(), "set a%b 0 100 2\r\nhi\r\n"), "STORED\r\n");
  ASSERT_EQ(Request(t->port(), "get a%b nokey\r\n", "END\r\n"), "VALUE a%b 0 2\r\nhi\r\nEND\r\n");
  ASSERT_EQ(Request(t->port(), "add a%b 0 0 1\r\nx\r\n"), "NOT_STORED\r\n");
  std::vector<std::string> lines = WatchLines(*watcher, 4);
  ASSERT_EQ(lines.size(), 4u) << absl::StrJoin(lines, "\n");
  const std::string ts = "ts=[0-9]+\\.[0-9]+ gid=[0-9]+ ";
  EXPECT_THAT(lines[0], MatchesRegex(ts + "type=item_store key=a%25b status=stored cmd=set ttl=100 clsid=1 cfd=[0-9]+ size=2"));
  EXPECT_THAT(lines[1], MatchesRegex(ts + "type=item_get key=a%25b status=found clsid=1 cfd=[0-9]+ size=2"));
  EXPECT_THAT(lines[2], MatchesRegex(ts + "type=item_get key=nokey status=not_found clsid=0 cfd=[0-9]+ size=0"));
  EXPECT_THAT(lines[3], MatchesRegex(ts + "type=item_store key=a%25b status=not_stored cmd=add ttl=0 clsid=1 cfd=[0-9]+ size=1"));
  EXPECT_EQ(StatsOf(t->port(), "")["log_watchers"], "1");
  // The watcher reads nothing more: a command on it is not answered.
  ASSERT_TRUE(watcher->Send("version\r\n").ok());
  EXPECT_EQ(watcher->ReadAvailable(absl::Milliseconds(200), absl::Milliseconds(500)), "");
}

TEST(SurfaceWatch, EvictionsAreStreamed) {
  std::unique_ptr<ServerProcess> t = StartTandemd({"-m", "8"});
  ASSERT_NE(t, nullptr);
  auto watcher = RawSocket::Connect(t->port());
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE(watcher->Send("watch evictions\r\n").ok());
  ASSERT_EQ(*watcher->ReadUntil("\r\n"), "OK\r\n");
  auto writer = RawSocket::Connect(t->port());
  ASSERT_TRUE(writer.ok());
  const std::string value(1000, 'v');
  std::string batch;
  for (int i = 0; i < 12000; ++i) absl::StrAppend(&batch, "set ev", i, " 0 0 1000 noreply\r\n", value, "\r\n");
  ASSERT_TRUE(writer->Send(batch).ok());
  ASSERT_TRUE(writer->Send("version\r\n").ok());
  ASSERT_TRUE(writer->ReadUntil("\r\n", absl::Seconds(10)).ok());
  std::vector<std::string> lines = WatchLines(*watcher, 1);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0], MatchesRegex("ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=eviction key=ev0 fetch=no ttl=-1 la=[0-9]+ "
                                     "clsid=[0-9]+ size=1000"));
}

// A watcher that does not read loses lines (counted, then reported as
// skipped=N) and never slows the clients: every get is answered.
TEST(SurfaceWatch, ASlowWatcherSkipsLinesAndNeverBlocksWorkers) {
  std::unique_ptr<ServerProcess> t = StartTandemd({"-o", "watcher_logbuf_size=1", "-t", "2"});
  ASSERT_NE(t, nullptr);
  auto watcher = RawSocket::Connect(t->port());
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE(watcher->Send("watch\r\n").ok());
  ASSERT_EQ(*watcher->ReadUntil("\r\n"), "OK\r\n");
  auto client = RawSocket::Connect(t->port());
  ASSERT_TRUE(client.ok());
  std::string line = "get";
  for (int i = 0; i < 100; ++i) absl::StrAppend(&line, " missing", i);
  line += "\r\n";
  // 300,000 fetches, ~27 MB of log lines: far beyond the socket buffers.
  for (int round = 0; round < 3000; ++round) {
    ASSERT_TRUE(client->Send(line).ok());
    ASSERT_TRUE(client->ReadUntil("END\r\n", absl::Seconds(10)).ok()) << "round " << round;
  }
  std::map<std::string, std::string> stats = StatsOf(t->port(), "");
  EXPECT_GT(std::stoull(stats["log_watcher_skipped"]), 0u);
  EXPECT_EQ(std::stoull(stats["log_watcher_skipped"]) + std::stoull(stats["log_watcher_sent"]), 300000u);
  // Reading again, the watcher is told how many lines it lost.
  std::string got;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  ASSERT_EQ(Request(t->port(), "get one_more\r\n", "END\r\n"), "END\r\n");
  while (absl::Now() < deadline && got.find("skipped=") == std::string::npos) {
    got += watcher->ReadAvailable(absl::Milliseconds(50), absl::Milliseconds(200));
    if (got.size() > (64u << 20)) break;
  }
  EXPECT_THAT(got, HasSubstr("skipped="));
}

// A watcher that hangs up leaves its place (and, under ASan, nothing is
// touched after the connection is gone).
TEST(SurfaceWatch, AWatcherThatHangsUpLeavesItsPlace) {
  std::unique_ptr<ServerProcess> t = StartTandemd({});
  ASSERT_NE(t, nullptr);
  for (int i = 0; i < 25; ++i) {
    auto watcher = RawSocket::Connect(t->port());
    ASSERT_TRUE(watcher.ok());
    ASSERT_TRUE(watcher->Send("watch mutations\r\n").ok());
    ASSERT_EQ(*watcher->ReadUntil("\r\n"), "OK\r\n") << i;
    ASSERT_EQ(Request(t->port(), "set w 0 0 1\r\nx\r\n"), "STORED\r\n");
  }  // each watcher closes here
  EXPECT_TRUE(WaitUntil([&] { return StatsOf(t->port(), "")["log_watchers"] == "0"; }, absl::Seconds(5)));
  EXPECT_TRUE(t->IsRunning());
}

// `watch` over UDP cannot stream; it must not hold one of the 20 watcher
// places either.
TEST(SurfaceWatch, UdpWatchKeepsNoWatcher) {
  std::unique_ptr<ServerProcess> t = StartTandemd({"-U", "{port1}"}, 1);
  ASSERT_NE(t, nullptr);
  const int udp_port = t->extra_ports()[0];
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(udp_port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  for (int i = 0; i < 25; ++i) {
    const std::string datagram = std::string("\x00\x01\x00\x00\x00\x01\x00\x00", 8) + "watch\r\n";
    ASSERT_EQ(sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
              static_cast<ssize_t>(datagram.size()));
    char buf[64];
    recv(fd, buf, sizeof(buf), 0);  // "OK", or nothing if lost
  }
  close(fd);
  EXPECT_EQ(StatsOf(t->port(), "")["log_watchers"], "0");
  auto watcher = RawSocket::Connect(t->port());
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE(watcher->Send("watch\r\n").ok());
  EXPECT_EQ(*watcher->ReadUntil("\r\n"), "OK\r\n");
}

}  // namespace
}  // namespace tandem::testing
