// Warm restart (-e / --memory-file) with real processes: a graceful stop
// (SIGUSR1) and a start with the same -e and memory settings bring every
// item back byte for byte (gets shows the same CAS) with its TTL still
// running; a changed setting, a kill -9, a SIGTERM, a corrupted metadata
// file or memory file start empty and say why on stderr, never crash. The
// differential case runs one sequence across a warm restart against
// /usr/bin/memcached -e and tandemd -e and compares the replies.
//
// Memory files live in a mkdtemp directory under /dev/shm (a RAM disk, as
// in production) when it is writable, else /tmp; the directory is removed
// at the end. Every process is stopped by its PID.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"
#include "tests/support/status_helpers.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class MemoryDir {
 public:
  MemoryDir() {
    for (const char* root : {"/dev/shm", "/tmp"}) {
      std::string tmpl = absl::StrCat(root, "/tandem-warm-XXXXXX");
      if (access(root, W_OK) == 0 && mkdtemp(tmpl.data()) != nullptr) {
        path_ = tmpl;
        // memcached opens the file after dropping to -u's user.
        std::filesystem::permissions(path_, std::filesystem::perms::all);
        return;
      }
    }
  }
  ~MemoryDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

absl::StatusOr<std::unique_ptr<ServerProcess>> Start(const std::string& binary,
                                                     std::vector<std::string> args) {
  ServerOptions o;
  o.binary = binary;
  o.args = std::move(args);
  return ServerProcess::Start(o);
}

// Sends `request` and returns every reply byte up to a trailing meta no-op.
std::string Exchange(int port, const std::string& request) {
  absl::StatusOr<RawSocket> s = RawSocket::Connect(port);
  if (!s.ok()) return absl::StrCat("<connect: ", s.status().ToString(), ">");
  if (absl::Status st = s->Send(request + "mn\r\n"); !st.ok()) return "<send failed>";
  absl::StatusOr<std::string> reply = s->ReadUntil("MN\r\n", absl::Seconds(10));
  if (!reply.ok()) return absl::StrCat("<read: ", reply.status().ToString(), ">");
  return reply->substr(0, reply->size() - 4);
}

std::string SetCommand(const std::string& key, uint32_t flags, int64_t ttl,
                       const std::string& value) {
  return absl::StrCat("set ", key, " ", flags, " ", ttl, " ", value.size(), "\r\n", value, "\r\n");
}

// A value whose bytes depend on its key and position, so a misplaced chunk
// or a value of another key shows.
std::string ValueFor(const std::string& key, size_t size) {
  std::string v(size, '\0');
  for (size_t i = 0; i < size; ++i)
    v[i] = static_cast<char>((i * 131 + key.size() * 7 + key[0]) % 251);
  return v;
}

struct Item {
  std::string key;
  uint32_t flags;
  int64_t ttl;
  size_t size;
};

// Several slab classes, the largest class, and chunked values up to -I.
const std::vector<Item>& Items() {
  static const auto* items = new std::vector<Item>{
      {"tiny", 0, 0, 1},
      {"small", 7, 0, 90},
      {"medium", 42, 1000, 2000},
      {"large", 4294967295u, 0, 100000},
      {"chunked", 3, 1000, 600000},
      {"max", 9, 0, 1000000},
      {"empty", 5, 0, 0},
      {"shortlived", 1, 2, 50},
      {"bigshortlived", 1, 2, 700000},
  };
  return *items;
}

std::string GetsAll() {
  std::string req = "gets";
  for (const Item& it : Items()) absl::StrAppend(&req, " ", it.key);
  return req + "\r\n";
}

// "mg KEY t" -> the TTL it reports.
int64_t Ttl(int port, const std::string& key) {
  const std::string reply = Exchange(port, absl::StrCat("mg ", key, " t\r\n"));
  int64_t t = -2;
  if (absl::StartsWith(reply, "HD t")) {
    const std::string digits = reply.substr(4, reply.find('\r') - 4);
    if (!absl::SimpleAtoi(digits, &t)) t = -3;
  }
  return t;
}

class WarmRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty()) << "no writable directory for the memory file";
  }
  std::vector<std::string> Args(const std::string& memory = "64") {
    return {"-e", dir_.File("mem"), "-m", memory};
  }
  std::unique_ptr<ServerProcess> StartTandem(const std::vector<std::string>& args) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> p = Start(TandemdPath(), args);
    EXPECT_OK(p);
    return p.ok() ? std::move(*p) : nullptr;
  }
  void Fill(int port) {
    std::string req;
    for (const Item& it : Items())
      req += SetCommand(it.key, it.flags, it.ttl, ValueFor(it.key, it.size));
    std::string want;
    for (size_t i = 0; i < Items().size(); ++i) want += "STORED\r\n";
    ASSERT_EQ(Exchange(port, req), want);
  }
  static void StopGracefully(ServerProcess& p) {
    absl::StatusOr<ExitStatus> st = p.SignalAndWait(SIGUSR1, absl::Seconds(10));
    ASSERT_OK(st);
    EXPECT_TRUE(st->exited && st->code == 0) << st->ToString() << p.CapturedOutput();
  }

  MemoryDir dir_;
};

TEST_F(WarmRestartTest, AGracefulStopBringsEveryItemBackWithItsCasAndRunningTtl) {
  auto first = StartTandem(Args());
  ASSERT_NE(first, nullptr);
  Fill(first->port());
  // Items changed in place or by other verbs keep what those did.
  ASSERT_EQ(Exchange(first->port(),
                     "set counter 0 0 2\r\n41\r\nincr counter 1\r\nappend small 0 0 3\r\nabc\r\n"
                     "touch medium 500\r\n"),
            "STORED\r\n42\r\nSTORED\r\nTOUCHED\r\n");
  const std::string gets_all = GetsAll() + "gets counter\r\n";
  const std::string before = Exchange(first->port(), gets_all);
  ASSERT_THAT(before, HasSubstr("VALUE max 9 1000000 "));
  ASSERT_THAT(before, HasSubstr("VALUE shortlived 1 50 "));
  const int64_t ttl_before = Ttl(first->port(), "medium");
  ASSERT_GE(ttl_before, 499);
  StopGracefully(*first);
  EXPECT_TRUE(std::filesystem::exists(dir_.File("mem.meta")));
  const absl::Time stopped = absl::Now();

  absl::SleepFor(absl::Milliseconds(2200));  // the TTL-2 items expire meanwhile
  auto second = StartTandem(Args());
  ASSERT_NE(second, nullptr);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("mem.meta"))) << "read once, then removed";
  const std::string after = Exchange(second->port(), gets_all);
  // Byte for byte, CAS included, without the two items that expired.
  std::string want = before;
  for (const Item& it : Items()) {
    if (it.ttl != 2) continue;
    const size_t at = want.find(absl::StrCat("VALUE ", it.key, " "));
    ASSERT_NE(at, std::string::npos);
    const size_t header_end = want.find("\r\n", at) + 2;
    want.erase(at, header_end - at + it.size + 2);
  }
  EXPECT_EQ(after, want);
  // The TTL kept running while the process was down.
  const int64_t ttl_after = Ttl(second->port(), "medium");
  const int64_t down = absl::ToInt64Seconds(absl::Now() - stopped);
  EXPECT_LE(ttl_after, ttl_before - 2) << "TTL must count the time stopped";
  EXPECT_GE(ttl_after, ttl_before - down - 1);
  // CAS continues past the restored ones, skipping one as memcached's does
  // (it saves a freshly taken CAS id); the cache keeps working.
  uint64_t max_cas = 0;
  for (absl::string_view line : absl::StrSplit(before, "\r\n")) {
    uint64_t cas = 0;
    if (absl::StartsWith(line, "VALUE ") &&
        absl::SimpleAtoi(line.substr(line.rfind(' ') + 1), &cas)) {
      max_cas = std::max(max_cas, cas);
    }
  }
  ASSERT_GT(max_cas, 0u) << before;
  uint64_t counter_cas = 0;
  for (absl::string_view line : absl::StrSplit(before, "\r\n")) {
    if (absl::StartsWith(line, "VALUE counter ")) {
      ASSERT_TRUE(absl::SimpleAtoi(line.substr(line.rfind(' ') + 1), &counter_cas));
    }
  }
  EXPECT_EQ(Exchange(second->port(),
                     absl::StrCat("cas counter 0 0 1 ", counter_cas, "\r\n7\r\ngets counter\r\n")),
            absl::StrCat("STORED\r\nVALUE counter 0 1 ", max_cas + 2, "\r\n7\r\nEND\r\n"));
  EXPECT_THAT(Exchange(second->port(), "stats\r\n"), HasSubstr("STAT curr_items 8\r\n"));
  EXPECT_THAT(second->CapturedOutput(), Not(HasSubstr("[restart]")));

  // A second cycle works the same (the restored memory was saved again).
  StopGracefully(*second);
  absl::SleepFor(absl::Milliseconds(1100));
  auto third = StartTandem(Args());
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(Exchange(third->port(), "get max counter\r\n"),
            absl::StrCat("VALUE max 9 1000000\r\n", ValueFor("max", 1000000),
                         "\r\nVALUE counter 0 1\r\n7\r\nEND\r\n"));
}

// memcached's `shutdown graceful` raises SIGUSR1: the same save; a plain
// `shutdown` is a stop without one.
TEST_F(WarmRestartTest, ShutdownGracefulSavesAndPlainShutdownDoesNot) {
  std::vector<std::string> args = Args();
  args.push_back("-A");
  auto first = StartTandem(args);
  ASSERT_NE(first, nullptr);
  EXPECT_THAT(Exchange(first->port(), "stats settings\r\n"),
              HasSubstr(absl::StrCat("STAT memory_file ", dir_.File("mem"), "\r\n")));
  ASSERT_EQ(Exchange(first->port(), "set k 3 0 2\r\nhi\r\n"), "STORED\r\n");
  {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(first->port());
    ASSERT_OK(s);
    ASSERT_OK(s->Send("shutdown graceful\r\n"));
    EXPECT_TRUE(s->IsClosedByPeer(absl::Seconds(5)));
  }
  for (int i = 0; i < 100 && first->IsRunning(); ++i) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_FALSE(first->IsRunning());
  auto second = StartTandem(args);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(Exchange(second->port(), "get k\r\n"), "VALUE k 3 2\r\nhi\r\nEND\r\n");
  {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(second->port());
    ASSERT_OK(s);
    ASSERT_OK(s->Send("shutdown\r\n"));
    EXPECT_TRUE(s->IsClosedByPeer(absl::Seconds(5)));
  }
  for (int i = 0; i < 100 && second->IsRunning(); ++i) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_FALSE(second->IsRunning());
  EXPECT_FALSE(std::filesystem::exists(dir_.File("mem.meta")));
  auto third = StartTandem(args);
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(Exchange(third->port(), "get k\r\n"), "END\r\n");
}

TEST_F(WarmRestartTest, ASecondProcessOnTheSameFileIsRefused) {
  auto first = StartTandem(Args());
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(Exchange(first->port(), "set k 0 0 1\r\nv\r\n"), "STORED\r\n");
  ServerOptions o;
  o.binary = TandemdPath();
  o.args = Args();
  o.max_port_attempts = 1;
  absl::StatusOr<std::unique_ptr<ServerProcess>> second = ServerProcess::Start(o);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr(absl::StrCat("memory file ", dir_.File("mem"), " is in use by another process")));
  EXPECT_EQ(Exchange(first->port(), "get k\r\n"), "VALUE k 0 1\r\nv\r\nEND\r\n");
}

TEST_F(WarmRestartTest, AChangedMemorySettingStartsEmptyAndSaysWhy) {
  struct Change {
    std::vector<std::string> extra;
    std::string memory;
    std::string reason;
  };
  const std::vector<Change> changes = {
      {{},
       "65",
       "[restart] restart incompatible due to setting for [maxbytes] [old value: 67108864], "
       "starting with a clean cache\n"},
      {{"-n", "64"}, "64", "setting for [chunk_size] [old value: 48]"},
      {{"-f", "1.5"}, "64", "setting for [growth_factor] [old value: 1.25]"},
      {{"-I", "2m"}, "64", "setting for [item_size_max] [old value: 1048576]"},
      {{"-o", "slab_chunk_max=262144"}, "64", "setting for [slab_chunk_max] [old value: 524288]"},
      {{"-C"}, "64", "setting for [use_cas] [old value: true]"},
  };
  for (const Change& c : changes) {
    SCOPED_TRACE(c.reason);
    auto first = StartTandem(Args());
    ASSERT_NE(first, nullptr);
    Fill(first->port());
    StopGracefully(*first);
    std::vector<std::string> args = Args(c.memory);
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    auto second = StartTandem(args);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(Exchange(second->port(), "get tiny max\r\n"), "END\r\n");
    EXPECT_THAT(second->CapturedOutput(), HasSubstr(c.reason));
    EXPECT_THAT(
        Exchange(second->port(), SetCommand("max", 0, 0, ValueFor("max", 300000)) + "get tiny\r\n"),
        "STORED\r\nEND\r\n");
    second->Stop();
  }
}

TEST_F(WarmRestartTest, ACrashOrSigtermStartsEmpty) {
  auto first = StartTandem(Args());
  ASSERT_NE(first, nullptr);
  Fill(first->port());
  StopGracefully(*first);
  // The warm start consumes the metadata, so a kill -9 after it leaves none.
  auto second = StartTandem(Args());
  ASSERT_NE(second, nullptr);
  ASSERT_THAT(Exchange(second->port(), "get tiny\r\n"), HasSubstr("VALUE tiny 0 1\r\n"));
  ASSERT_EQ(Exchange(second->port(), "set later 0 0 1\r\nx\r\n"), "STORED\r\n");
  second->Kill();
  auto third = StartTandem(Args());
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(Exchange(third->port(), "get tiny later\r\n"), "END\r\n");
  EXPECT_THAT(third->CapturedOutput(),
              HasSubstr("[restart] no metadata save file, starting with a clean cache\n"));
  // SIGTERM is a stop, not memcached's graceful one: nothing is saved.
  ASSERT_EQ(Exchange(third->port(), "set after 0 0 1\r\ny\r\n"), "STORED\r\n");
  absl::StatusOr<ExitStatus> st = third->SignalAndWait(SIGTERM, absl::Seconds(10));
  ASSERT_OK(st);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("mem.meta")));
  auto fourth = StartTandem(Args());
  ASSERT_NE(fourth, nullptr);
  EXPECT_EQ(Exchange(fourth->port(), "get after\r\n"), "END\r\n");
}

TEST_F(WarmRestartTest, ACorruptedMetadataOrMemoryFileStartsEmptyWithoutACrash) {
  struct Spoil {
    const char* name;
    std::function<void(const std::string& meta, const std::string& mem)> apply;
    const char* reason;
  };
  const std::vector<Spoil> spoils = {
      {"garbage", [](const std::string& meta, const std::string&) { WriteFile(meta, "garbage\n"); },
       "[restart] corrupt metadata file"},
      {"empty", [](const std::string& meta, const std::string&) { WriteFile(meta, ""); },
       "[restart] corrupt metadata file"},
      {"truncated",
       [](const std::string& meta, const std::string&) {
         const std::string text = ReadFile(meta);
         WriteFile(meta, text.substr(0, text.size() / 2));
       },
       "[restart] corrupt metadata file"},
      {"one byte changed",
       [](const std::string& meta, const std::string&) {
         std::string text = ReadFile(meta);
         const size_t at = text.find("curr_items ") + 11;
         text[at] = static_cast<char>(text[at] + 1);
         WriteFile(meta, text);
       },
       "[restart] corrupt metadata file (metadata checksum does not match)"},
      {"memory file zeroed",
       [](const std::string&, const std::string& mem) {
         std::fstream f(mem, std::ios::in | std::ios::out | std::ios::binary);
         const std::string zeros(8u << 20, '\0');
         f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
       },
       "[restart] memory file does not match its metadata"},
      {"memory file removed",
       [](const std::string&, const std::string& mem) { std::filesystem::remove(mem); },
       "[restart] memory file"},
  };
  for (const Spoil& s : spoils) {
    SCOPED_TRACE(s.name);
    auto first = StartTandem(Args());
    ASSERT_NE(first, nullptr);
    Fill(first->port());
    StopGracefully(*first);
    s.apply(dir_.File("mem.meta"), dir_.File("mem"));
    auto second = StartTandem(Args());
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(Exchange(second->port(), GetsAll()), "END\r\n");
    EXPECT_THAT(second->CapturedOutput(), HasSubstr(s.reason));
    EXPECT_THAT(second->CapturedOutput(), HasSubstr("starting with a clean cache\n"));
    EXPECT_EQ(Exchange(second->port(), "set k 0 0 1\r\nv\r\nget k\r\n"),
              "STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n");
    EXPECT_TRUE(second->IsRunning());
    second->Stop();
  }
}

// The same sequence against memcached -e and tandemd -e, across a warm
// restart of each; the replies must be identical, CAS values included.
TEST_F(WarmRestartTest, DifferentialAgainstMemcachedAcrossAWarmRestart) {
  if (!IsExecutable(MemcachedPath())) GTEST_SKIP() << "no " << MemcachedPath();
  MemoryDir memcached_dir;
  ASSERT_FALSE(memcached_dir.path().empty());
  struct Side {
    std::string binary;
    std::vector<std::string> args;
    std::unique_ptr<ServerProcess> proc;
    std::vector<std::string> replies;
  };
  Side sides[2] = {{MemcachedPath(), {"-e", memcached_dir.File("mem"), "-m", "64"}, nullptr, {}},
                   {TandemdPath(), Args(), nullptr, {}}};

  std::string load;
  for (const Item& it : Items())
    load += SetCommand(it.key, it.flags, it.ttl, ValueFor(it.key, it.size));
  load +=
      "set counter 0 0 2\r\n41\r\nincr counter 9\r\nappend small 0 0 3\r\nabc\r\n"
      "prepend tiny 0 0 2\r\nzz\r\ndelete large\r\ntouch medium 500\r\n"
      "set gone 0 0 1\r\nx\r\ndelete gone\r\nset flushed 0 0 1\r\nf\r\n";
  const std::vector<std::string> before_restart = {load, GetsAll() + "gets counter tiny\r\n"};
  const std::vector<std::string> after_restart = {
      GetsAll() + "gets counter tiny gone flushed\r\n",
      "mg max s f c v k\r\nmg chunked s f c k\r\nmg counter v c\r\nmg shortlived v\r\n",
      "incr counter 1\r\ngets counter\r\nappend tiny 0 0 1\r\n!\r\ngets tiny\r\n",
      "set new 0 0 3\r\nnew\r\ngets new\r\nadd small 0 0 1\r\nx\r\nreplace empty 2 0 "
      "1\r\ne\r\ngets empty\r\n",
      "cache_memlimit 100\r\ncache_memlimit 64\r\n",
      "stats items\r\n",
  };
  for (Side& side : sides) {
    SCOPED_TRACE(side.binary);
    auto p = Start(side.binary, side.args);
    ASSERT_OK(p);
    side.proc = std::move(*p);
    for (const std::string& req : before_restart)
      side.replies.push_back(Exchange(side.proc->port(), req));
    StopGracefully(*side.proc);
  }
  // memcached refuses a restart in the same second as the stop; the TTL-2
  // items expire meanwhile on both.
  absl::SleepFor(absl::Milliseconds(2200));
  for (Side& side : sides) {
    SCOPED_TRACE(side.binary);
    auto p = Start(side.binary, side.args);
    ASSERT_OK(p);
    side.proc = std::move(*p);
    for (const std::string& req : after_restart)
      side.replies.push_back(Exchange(side.proc->port(), req));
    EXPECT_THAT(side.proc->CapturedOutput(), Not(HasSubstr("clean cache")));
  }
  ASSERT_EQ(sides[0].replies.size(), sides[1].replies.size());
  for (size_t i = 0; i < sides[0].replies.size(); ++i) {
    // `stats items` ages and per-class counters legitimately differ in
    // value; its names must match.
    if (i == sides[0].replies.size() - 1) {
      auto names = [](const std::string& r) {
        std::vector<std::string> out;
        for (absl::string_view l : absl::StrSplit(r, "\r\n", absl::SkipEmpty())) {
          out.emplace_back(l.substr(0, l.rfind(' ')));
        }
        return out;
      };
      EXPECT_EQ(names(sides[1].replies[i]), names(sides[0].replies[i]));
      continue;
    }
    EXPECT_EQ(EscapeBytes(sides[1].replies[i]), EscapeBytes(sides[0].replies[i]))
        << "exchange " << i;
  }
  EXPECT_THAT(sides[0].replies[2], HasSubstr("VALUE max 9 1000000 "));
}

}  // namespace
}  // namespace tandem::testing
