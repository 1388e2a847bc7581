// tandem-cli against a real tandemd: one-shot commands and `locate` through
// plain pipes (exact stdout bytes and exit codes), a piped session, `top`
// bounded by --iterations, and the interactive mode through a real
// pseudo-terminal (line editing keys, history, replies shown byte for byte).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/ring.h"
#include "gtest/gtest.h"
#include "tests/support/free_port_listener.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"
#include "tests/support/status_helpers.h"
#include "tests/support/subprocess.h"

namespace tandem::testing {
namespace {

std::string CliPath() { return std::string(TANDEM_BIN_DIR) + "/tandem-cli"; }

using CliResult = ProgramResult;

// Runs tandem-cli with `args`, `input` on its stdin; every wait bounded.
CliResult RunCli(const std::vector<std::string>& args, const std::string& input = "",
                 absl::Duration timeout = absl::Seconds(10)) {
  return RunProgram(CliPath(), args, input, timeout);
}

// A loopback listener owned by the test, standing in for a server: it
// says only what the test sends, or, never accepted from, nothing at all
// (a hung node: the kernel completes the handshake, no reply ever comes).
class StandInServer {
 public:
  StandInServer() {
    const FreePortListener listener = ListenOnFreePort("127.0.0.1");
    listener_ = listener.fd;
    port_ = listener.port;
  }
  ~StandInServer() {
    if (peer_ >= 0) ::close(peer_);
    if (listener_ >= 0) ::close(listener_);
  }
  bool listening() const { return port_ != 0; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  bool Accept(absl::Duration timeout = absl::Seconds(5)) {
    pollfd pfd{listener_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) return false;
    peer_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    return peer_ >= 0;
  }
  bool Send(std::string_view bytes) {
    return ::send(peer_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // What the client sent, up to and including `suffix` (all of it if
  // `suffix` does not come within `timeout`).
  std::string ReadUntil(std::string_view suffix, absl::Duration timeout = absl::Seconds(5)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (received_.find(suffix) == std::string::npos && absl::Now() < deadline) {
      pollfd pfd{peer_, POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(peer_, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      received_.append(buffer, static_cast<size_t>(n));
    }
    const size_t at = received_.find(suffix);
    const size_t end = at == std::string::npos ? received_.size() : at + suffix.size();
    std::string out = received_.substr(0, end);
    received_.erase(0, end);
    return out;
  }

 private:
  int listener_ = -1;
  int peer_ = -1;
  int port_ = 0;
  std::string received_;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.binary = TandemdPath();
    options.args = {"-t", "1"};
    auto server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    address_ = absl::StrCat("127.0.0.1:", server_->port());
    // Interactive sessions keep their history here, not in $HOME.
    history_ = absl::StrCat(::testing::TempDir(), "/cli-test-history-", getpid());
    ::setenv("TANDEM_CLI_HISTORY", history_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("TANDEM_CLI_HISTORY");
    std::remove(history_.c_str());
  }

  std::string history_;
  std::unique_ptr<ServerProcess> server_;
  std::string address_;
};

TEST_F(CliTest, OneShotCommandsPrintTheReplyBytes) {
  CliResult r = RunCli({address_, "set", "greeting", "7", "0", "5", "hello"});
  EXPECT_EQ(r.out, "STORED\r\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The data block from stdin, byte for byte (CR LF inside included).
  r = RunCli({address_, "set", "bin", "0", "0", "4"}, "a\r\nb");
  EXPECT_EQ(r.out, "STORED\r\n");
  r = RunCli({address_, "get", "greeting", "bin", "missing"});
  EXPECT_EQ(r.out, "VALUE greeting 7 5\r\nhello\r\nVALUE bin 0 4\r\na\r\nb\r\nEND\r\n");
  EXPECT_EQ(r.exit_code, 0);
  r = RunCli({address_, "delete", "missing"});
  EXPECT_EQ(r.out, "NOT_FOUND\r\n");
  EXPECT_EQ(r.exit_code, 0);  // a normal answer, not an error
  r = RunCli({address_, "set", "n", "0", "0", "1", "noreply", "1"});
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.exit_code, 0);
  r = RunCli({address_, "incr", "n", "41"});
  EXPECT_EQ(r.out, "42\r\n");
  r = RunCli({address_, "version"});
  EXPECT_EQ(r.out, "VERSION 1.6.18\r\n");
  r = RunCli({address_, "stats"});
  EXPECT_TRUE(r.out.starts_with("STAT pid ")) << r.out;
  EXPECT_TRUE(r.out.ends_with("\r\nEND\r\n"));
  EXPECT_EQ(r.exit_code, 0);

  // Error replies: shown as sent, exit code 1.
  r = RunCli({address_, "incr", "greeting", "1"});
  EXPECT_EQ(r.out, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  EXPECT_EQ(r.exit_code, 1);
  r = RunCli({address_, "bogus"});
  EXPECT_EQ(r.out, "ERROR\r\n");
  EXPECT_EQ(r.exit_code, 1);
  r = RunCli({address_, "set", "k", "0", "0", "2", "abc"});
  EXPECT_EQ(r.out, "CLIENT_ERROR bad data chunk\r\n");
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(CliTest, OneShotStorageWithoutTheNumbersMeasuresTheValue) {
  CliResult r = RunCli({address_, "set", "short", "hello", "world"});
  EXPECT_EQ(r.out, "STORED\r\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // One number is a value too, and so is "0 0 abc" (BYTES not a number).
  EXPECT_EQ(RunCli({address_, "add", "num", "5"}).out, "STORED\r\n");
  EXPECT_EQ(RunCli({address_, "set", "odd", "0", "0", "abc"}).out, "STORED\r\n");
  EXPECT_EQ(RunCli({address_, "append", "short", "!"}).out, "STORED\r\n");
  // No value at all: stdin, byte for byte.
  EXPECT_EQ(RunCli({address_, "set", "piped"}, "a\r\nb").out, "STORED\r\n");
  r = RunCli({address_, "get", "short", "num", "odd", "piped"});
  EXPECT_EQ(r.out,
            "VALUE short 0 12\r\nhello world!\r\nVALUE num 0 1\r\n5\r\nVALUE odd 0 7\r\n0 0 abc\r\n"
            "VALUE piped 0 4\r\na\r\nb\r\nEND\r\n");
  // The long form is unchanged; cas always needs it.
  EXPECT_EQ(RunCli({address_, "set", "long", "3", "0", "2", "hi"}).out, "STORED\r\n");
  EXPECT_EQ(RunCli({address_, "get", "long"}).out, "VALUE long 3 2\r\nhi\r\nEND\r\n");
  EXPECT_EQ(RunCli({address_, "cas", "long", "x"}).out, "ERROR\r\n");
}

TEST_F(CliTest, ConnectionAndUsageErrors) {
  ASSERT_OK_AND_ASSIGN(int free_port, PickFreePort());
  CliResult r = RunCli({absl::StrCat("127.0.0.1:", free_port), "version"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.err;
  EXPECT_EQ(RunCli({}).exit_code, 2);
  EXPECT_EQ(RunCli({"no-port", "version"}).exit_code, 2);
  EXPECT_EQ(RunCli({"--bogus", address_}).exit_code, 2);
  EXPECT_EQ(RunCli({"--servers", "a:1", "--distribution", "rendezvous", "locate", "k"}).exit_code, 2);
  EXPECT_EQ(RunCli({"--help"}).exit_code, 0);
}

TEST_F(CliTest, LocateComputesWithoutContactingAnyone) {
  // Unroutable documentation addresses: any attempt to connect would hang
  // or fail; locate must answer at once.
  const std::string servers = "192.0.2.1:11211/192.0.2.2:11211,192.0.2.3:11211/192.0.2.4:11211:2,cache-c:21211";
  std::vector<std::string> keys;
  std::vector<std::string> args = {"--servers", servers, "locate"};
  for (int i = 0; i < 40; ++i) {
    keys.push_back(absl::StrCat("user:", i));
    args.push_back(keys.back());
  }
  for (std::string distribution : {"ketama", "ketama-libketama", "modula"}) {
    SCOPED_TRACE(distribution);
    std::vector<std::string> with = args;
    with.insert(with.begin(), {"--distribution", distribution});
    absl::Time start = absl::Now();
    CliResult r = RunCli(with);
    EXPECT_LT(absl::Now() - start, absl::Seconds(3));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    client::RingOptions options;
    options.distribution = distribution == "ketama"            ? client::Distribution::kKetama
                           : distribution == "ketama-libketama" ? client::Distribution::kKetamaLibketama
                                                                : client::Distribution::kModula;
    ASSERT_OK_AND_ASSIGN(client::Ring ring, client::Ring::Create(servers, options));
    std::string expected;
    for (const std::string& key : keys) {
      const client::ShardConfig& shard = ring.shards()[ring.ShardFor(key)];
      absl::StrAppend(&expected, key, " ", shard.nodes.front().ToString());
      if (shard.is_pair()) absl::StrAppend(&expected, "/", shard.nodes.back().ToString());
      absl::StrAppend(&expected, "\n");
    }
    EXPECT_EQ(r.out, expected);
  }
  // Pairs are named whole; all three shards appear.
  CliResult r = RunCli(args);
  EXPECT_NE(r.out.find(" 192.0.2.1:11211/192.0.2.2:11211\n"), std::string::npos);
  EXPECT_NE(r.out.find(" 192.0.2.3:11211/192.0.2.4:11211\n"), std::string::npos);
  EXPECT_NE(r.out.find(" cache-c:21211\n"), std::string::npos);
  // The list as the first word, or from a file, is the same list.
  std::vector<std::string> positional = args;
  positional.erase(positional.begin());
  EXPECT_EQ(RunCli(positional).out, r.out);
  const std::string file = absl::StrCat(::testing::TempDir(), "/cli-servers-", getpid(), ".txt");
  {
    std::ofstream out(file);
    out << "# three shards\n192.0.2.1:11211/192.0.2.2:11211,\n192.0.2.3:11211/192.0.2.4:11211:2\n\ncache-c:21211\n";
  }
  std::vector<std::string> from_file = args;
  from_file[1] = "@" + file;
  EXPECT_EQ(RunCli(from_file).out, r.out);
  std::remove(file.c_str());
  EXPECT_EQ(RunCli({"--servers", "@/nonexistent/servers", "locate", "k"}).exit_code, 2);
  // Hash tags: both keys land together.
  r = RunCli({"--servers", servers, "--hash-tag", "{}", "locate", "{u1}:a", "{u1}:b", "u1"});
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].substr(lines[0].find(' ')), lines[1].substr(lines[1].find(' ')));
  EXPECT_EQ(lines[0].substr(lines[0].find(' ')), lines[2].substr(lines[2].find(' ')));
}

// A list of a pair and a node: each command goes to its key's shard (keys
// of several shards, one request each), to the pair's first node, or to
// its second when the first is gone; stderr names the node that answered.
TEST_F(CliTest, CommandsOverAListFollowTheRingAndFailOver) {
  ServerOptions options;
  options.binary = TandemdPath();
  options.args = {"-t", "1"};
  auto second = ServerProcess::Start(options);
  ASSERT_TRUE(second.ok()) << second.status();
  auto third = ServerProcess::Start(options);
  ASSERT_TRUE(third.ok()) << third.status();
  const std::string b = absl::StrCat("127.0.0.1:", (*second)->port());
  const std::string c = absl::StrCat("127.0.0.1:", (*third)->port());
  const std::string list = absl::StrCat(address_, "/", b, ",", c);
  ASSERT_OK_AND_ASSIGN(client::Ring ring, client::Ring::Create(list));
  std::string on_pair, on_single;
  for (int i = 0; i < 1000 && (on_pair.empty() || on_single.empty()); ++i) {
    std::string key = absl::StrCat("k", i);
    (ring.ShardFor(key) == 0 ? on_pair : on_single) = key;
  }

  CliResult r = RunCli({list, "set", on_pair, "0", "0", "1", "p"});
  EXPECT_EQ(r.out, "STORED\r\n");
  EXPECT_EQ(r.err, absl::StrCat("tandem-cli: answered by ", address_, " (pair ", address_, "/", b, ")\n"));
  r = RunCli({"--servers", list, "set", on_single, "0", "0", "1", "s"});
  EXPECT_EQ(r.out, "STORED\r\n");
  EXPECT_EQ(r.err, absl::StrCat("tandem-cli: answered by ", c, "\n"));
  // On the nodes themselves: where the ring put them.
  EXPECT_EQ(RunCli({address_, "get", on_pair}).out, absl::StrCat("VALUE ", on_pair, " 0 1\r\np\r\nEND\r\n"));
  EXPECT_EQ(RunCli({c, "get", on_single}).out, absl::StrCat("VALUE ", on_single, " 0 1\r\ns\r\nEND\r\n"));
  // A get of keys on both shards: one request per shard, printed as one
  // reply with one END (also when a shard has none of its keys).
  r = RunCli({list, "get", on_pair, on_single});
  EXPECT_EQ(r.out, absl::StrCat("VALUE ", on_pair, " 0 1\r\np\r\nVALUE ", on_single, " 0 1\r\ns\r\nEND\r\n"));
  EXPECT_EQ(r.exit_code, 0);
  std::string missing_on_pair;
  for (int i = 0; i < 1000 && missing_on_pair.empty(); ++i) {
    std::string key = absl::StrCat("absent", i);
    if (ring.ShardFor(key) == 0) missing_on_pair = key;
  }
  r = RunCli({list, "gets", missing_on_pair, on_single});
  EXPECT_TRUE(r.out.starts_with(absl::StrCat("VALUE ", on_single, " 0 1 "))) << r.out;
  EXPECT_TRUE(r.out.ends_with("\r\ns\r\nEND\r\n")) << r.out;
  EXPECT_EQ(r.out.find("END"), r.out.size() - 5) << r.out;
  // Keys of one shard only: its reply as sent.
  EXPECT_EQ(RunCli({list, "get", on_single}).out, absl::StrCat("VALUE ", on_single, " 0 1\r\ns\r\nEND\r\n"));
  // The pair's first node gone: its second answers.
  server_->Kill();
  r = RunCli({list, "set", on_pair, "0", "0", "1", "q"});
  EXPECT_EQ(r.out, "STORED\r\n");
  EXPECT_EQ(r.err, absl::StrCat("tandem-cli: cannot connect to ", address_, ": Connection refused\n",
                                "tandem-cli: answered by ", b, " (pair ", address_, "/", b, ")\n"));
  // An interactive session needs one node.
  EXPECT_EQ(RunCli({list}).exit_code, 2);
}

TEST_F(CliTest, PipedSessionForwardsLinesAsCrlf) {
  CliResult r = RunCli({address_}, "set a 0 0 1\nx\nget a\ndelete a\n");
  EXPECT_EQ(r.out, "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\nDELETED\r\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CliTest, TopShowsBoundedSamples) {
  ASSERT_OK_AND_ASSIGN(RawSocket socket, RawSocket::Connect(server_->port()));
  ASSERT_OK(socket.Send("set a 0 0 1\r\nx\r\nget a\r\nget b\r\n"));
  ASSERT_OK(socket.ReadUntil("END\r\nEND\r\n").status());
  absl::Time start = absl::Now();
  CliResult r = RunCli({address_, "top", "--iterations", "3", "--interval-ms", "100"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  std::vector<std::string> blocks = absl::StrSplit(r.out, "\n\n");
  ASSERT_EQ(blocks.size(), 3u) << r.out;
  EXPECT_TRUE(blocks[0].starts_with(absl::StrCat("tandem top  ", address_, "  version 1.6.18"))) << blocks[0];
  EXPECT_NE(blocks[0].find("hit ratio    - (last interval)  50.0% (since start)"), std::string::npos) << blocks[0];
  EXPECT_NE(blocks[2].find("ops/s        get 0  set 0"), std::string::npos) << blocks[2];
  EXPECT_NE(blocks[2].find("items 1"), std::string::npos) << blocks[2];
}

// ---------------------------------------------------------------------------
// Interactive mode through a pseudo-terminal
// ---------------------------------------------------------------------------

class Pty {
 public:
  bool Start(const std::vector<std::string>& args) {
    pid_ = ::forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      std::vector<std::string> copy = args;
      std::string path = CliPath();
      std::vector<char*> argv = {path.data()};
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(path.c_str(), argv.data());
      ::_exit(127);
    }
    return true;
  }
  ~Pty() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }
  void Type(std::string_view keys) { (void)!::write(master_, keys.data(), keys.size()); }
  // Reads until the output since the last call contains `text`.
  bool WaitFor(std::string_view text, absl::Duration timeout = absl::Seconds(5)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (output_.find(text, mark_) != std::string::npos) {
        mark_ = output_.find(text, mark_) + text.size();
        return true;
      }
      pollfd pfd{master_, POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      char buffer[4096];
      ssize_t n = ::read(master_, buffer, sizeof(buffer));
      if (n <= 0) break;  // EIO once the child has exited
      output_.append(buffer, static_cast<size_t>(n));
    }
    return output_.find(text, mark_) != std::string::npos;
  }
  int WaitExit(absl::Duration timeout = absl::Seconds(5)) {
    const absl::Time deadline = absl::Now() + timeout;
    int status = 0;
    while (absl::Now() < deadline) {
      char buffer[4096];
      pollfd pfd{master_, POLLIN, 0};
      if (::poll(&pfd, 1, 10) > 0 && ::read(master_, buffer, sizeof(buffer)) > 0) continue;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
    }
    return -2;
  }
  const std::string& output() const { return output_; }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string output_;
  size_t mark_ = 0;
};

// top over a list: every node of every shard, the nodes of a pair side by
// side; when the pair's first node dies it shows DOWN beside its partner,
// which goes on answering, without exiting; every line fits 80 columns.
TEST_F(CliTest, TopShowsBothNodesOfAPairAndEveryShardWithinEightyColumns) {
  ServerOptions options;
  options.binary = TandemdPath();
  options.args = {"-t", "1"};
  auto second = ServerProcess::Start(options);
  ASSERT_TRUE(second.ok()) << second.status();
  auto third = ServerProcess::Start(options);
  ASSERT_TRUE(third.ok()) << third.status();
  const std::string b = absl::StrCat("127.0.0.1:", (*second)->port());
  const std::string c = absl::StrCat("127.0.0.1:", (*third)->port());
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(450));
    server_->Kill();
  });
  CliResult r =
      RunCli({absl::StrCat(address_, "/", b, ",", c), "top", "--iterations", "10", "--interval-ms", "150"});
  killer.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> blocks = absl::StrSplit(r.out, "\n\n");
  ASSERT_EQ(blocks.size(), 10u) << r.out;
  // The columns: a 13-character label, then 33 characters per node.
  auto row = [](std::string label, std::string first, std::string second) {
    label.resize(13, ' ');
    if (second.empty()) return label + first;
    first.resize(33, ' ');
    return label + first + second;
  };
  for (const std::string& block : {blocks.front(), blocks.back()}) {
    EXPECT_TRUE(block.starts_with("tandem top  2 shards, 3 nodes  every 150ms\n")) << block;
    EXPECT_NE(block.find(row("shard 1", address_, b) + "\n"), std::string::npos) << block;
    EXPECT_NE(block.find(row("shard 2", c, "") + "\n"), std::string::npos) << block;
  }
  std::vector<std::string> first_lines = absl::StrSplit(blocks.front(), "\n");
  ASSERT_GE(first_lines.size(), 9u);
  EXPECT_TRUE(first_lines[2].starts_with("status       up ")) << first_lines[2];
  EXPECT_EQ(first_lines[2].substr(13 + 33, 3), "up ") << first_lines[2];
  std::vector<std::string> last_lines = absl::StrSplit(blocks.back(), "\n");
  ASSERT_GE(last_lines.size(), 9u);
  EXPECT_TRUE(last_lines[2].starts_with("status       DOWN ")) << last_lines[2];
  EXPECT_EQ(last_lines[2].substr(13 + 33, 3), "up ") << last_lines[2];  // the partner still answers
  EXPECT_TRUE(last_lines[8].starts_with("status       up ")) << last_lines[8];  // shard 2
  for (const std::string& line : std::vector<std::string>(absl::StrSplit(r.out, "\n"))) {
    EXPECT_LE(line.size(), 80u) << line;
  }
}

// top over a list samples every node at once: a node that accepts and
// never answers (the test's listener, never accepted from) shows "no reply
// for ..." while the other nodes' rows go on refreshing (their rates need
// a second sample). Sampled one after another, each of the 8 samples would
// wait the 5 s timeout for the hung node, and the run would not end within
// RunCli's 10 s. (A healthy node has the whole 300 ms interval to answer
// before its row would read "no reply for".)
TEST_F(CliTest, TopSamplesEveryNodeAtOnceSoAHungNodeDelaysNoOne) {
  ServerOptions options;
  options.binary = TandemdPath();
  options.args = {"-t", "1"};
  auto second = ServerProcess::Start(options);
  ASSERT_TRUE(second.ok()) << second.status();
  const std::string b = absl::StrCat("127.0.0.1:", (*second)->port());
  StandInServer hung;
  ASSERT_TRUE(hung.listening());
  const std::string list = absl::StrCat(address_, "/", hung.address(), ",", b);
  CliResult r = RunCli({"--timeout-ms", "5000", list, "top", "--iterations", "8", "--interval-ms", "300"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> blocks = absl::StrSplit(r.out, "\n\n");
  ASSERT_EQ(blocks.size(), 8u) << r.out;
  std::string shard_1 = "shard 1", first_cell = address_;
  shard_1.resize(13, ' ');
  first_cell.resize(33, ' ');
  for (size_t i = 0; i < blocks.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("block ", i, "\n", blocks[i]));
    std::vector<std::string> lines = absl::StrSplit(blocks[i], "\n");
    ASSERT_GE(lines.size(), 13u);
    EXPECT_EQ(lines[1], shard_1 + first_cell + hung.address());
    EXPECT_TRUE(lines[2].starts_with("status       up ")) << lines[2];
    EXPECT_EQ(lines[2].substr(13 + 33, 13), "no reply for ") << lines[2];
    EXPECT_TRUE(lines[8].starts_with("status       up ")) << lines[8];  // shard 2
    if (i > 0) {
      EXPECT_TRUE(lines[4].starts_with("ops/s        get 0 set 0 del 0 ")) << lines[4];
      EXPECT_EQ(lines[10], "ops/s        get 0 set 0 del 0");
    }
  }
  // Only hung nodes: each gets its full timeout, then exit 3.
  StandInServer also_hung;
  ASSERT_TRUE(also_hung.listening());
  r = RunCli({"--timeout-ms", "300", absl::StrCat(hung.address(), "/", also_hung.address()), "top"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(r.err, "tandem-cli: no node answers\n");
}

TEST_F(CliTest, TopQuitsOnQ) {
  Pty pty;
  ASSERT_TRUE(pty.Start({address_, "top", "--interval-ms", "100"}));
  ASSERT_TRUE(pty.WaitFor("hit ratio")) << pty.output();
  pty.Type("q");
  EXPECT_EQ(pty.WaitExit(), 0) << pty.output();
  // Over a list, also while a node hangs (its 20 s timeout not waited for).
  StandInServer hung;
  ASSERT_TRUE(hung.listening());
  Pty grid;
  ASSERT_TRUE(grid.Start({"--timeout-ms", "20000", absl::StrCat(address_, "/", hung.address()), "top"}));
  ASSERT_TRUE(grid.WaitFor("no reply for")) << grid.output();
  grid.Type("q");
  EXPECT_EQ(grid.WaitExit(), 0) << grid.output();
}

// The line rules of line_plan.h on a real terminal, and history kept
// across sessions in $TANDEM_CLI_HISTORY.
TEST_F(CliTest, InteractiveDataLinesHelpEmptyEnterAndSavedHistory) {
  std::remove(history_.c_str());
  {
    Pty pty;
    ASSERT_TRUE(pty.Start({address_}));
    ASSERT_TRUE(pty.WaitFor("> ")) << pty.output();
    pty.Type("set c 0 0 3 abc\r");  // command and data on one line
    ASSERT_TRUE(pty.WaitFor("STORED")) << pty.output();
    pty.Type("\r");  // nothing sent: no ERROR comes back
    pty.Type("help\r");
    ASSERT_TRUE(pty.WaitFor("cas KEY FLAGS EXPTIME BYTES CAS")) << pty.output();
    pty.Type("set d 0 0 2\r");  // data on the next line, with its own prompt
    ASSERT_TRUE(pty.WaitFor("data> ")) << pty.output();
    pty.Type("hi\r");
    ASSERT_TRUE(pty.WaitFor("STORED")) << pty.output();
    pty.Type("set e 0 0 5 abc\r");  // wrong size: refused locally
    ASSERT_TRUE(pty.WaitFor("the data is 3 bytes, the command says 5; nothing sent")) << pty.output();
    pty.Type("get c d\r");
    ASSERT_TRUE(pty.WaitFor("VALUE c 0 3\r\nabc\r\nVALUE d 0 2\r\nhi\r\nEND")) << pty.output();
    pty.Type("\x04");
    EXPECT_EQ(pty.WaitExit(), 0);
    EXPECT_EQ(pty.output().find("ERROR"), std::string::npos) << pty.output();
  }
  ASSERT_OK_AND_ASSIGN(RawSocket socket, RawSocket::Connect(server_->port()));
  ASSERT_OK(socket.Send("get e\r\n"));
  EXPECT_EQ(socket.ReadUntil("END\r\n").value_or(""), "END\r\n");
  {
    // The next session recalls the last line with Up.
    Pty pty;
    ASSERT_TRUE(pty.Start({address_}));
    ASSERT_TRUE(pty.WaitFor("> ")) << pty.output();
    pty.Type("\x1b[A\r");
    ASSERT_TRUE(pty.WaitFor("VALUE c 0 3")) << pty.output();
    pty.Type("\x04");
    EXPECT_EQ(pty.WaitExit(), 0);
  }
}

TEST_F(CliTest, InteractiveSessionThroughAPseudoTerminal) {
  Pty pty;
  ASSERT_TRUE(pty.Start({address_}));
  const std::string prompt = absl::StrCat(address_, "> ");
  ASSERT_TRUE(pty.WaitFor(prompt)) << EscapeBytes(pty.output());

  // A storage command over two lines, as in telnet; the reply reaches the
  // terminal as the server sent it (CR LF, not CR CR LF), after the line
  // being typed is erased ("\r\x1b[J").
  pty.Type("set k 0 0 2\r");
  pty.Type("hi\r");
  ASSERT_TRUE(pty.WaitFor("\r\x1b[JSTORED\r\n")) << EscapeBytes(pty.output());

  // Line editing: "gt k", three times Left, insert "e" -> "get k".
  pty.Type("gt k\x1b[D\x1b[D\x1b[De\r");
  ASSERT_TRUE(pty.WaitFor("VALUE k 0 2\r\nhi\r\nEND\r\n")) << EscapeBytes(pty.output());
  // The cursor moves by UTF-8 character: "gt é", three Lefts (over the
  // two-byte "é", the space, "t"), insert "e" -> "get é", a miss (by
  // bytes it would be "gte é", an ERROR).
  pty.Type("gt \xc3\xa9\x1b[D\x1b[D\x1b[De\r");
  ASSERT_TRUE(pty.WaitFor("\r\x1b[JEND\r\n")) << EscapeBytes(pty.output());
  // Backspace erases a whole character: data "hé", Backspace, "i" is "hi"
  // (by bytes, "h\xc3i": a bad data chunk).
  pty.Type("set \xc3\xa9 0 0 2\r");
  pty.Type("h\xc3\xa9\x7fi\r");
  ASSERT_TRUE(pty.WaitFor("\r\x1b[JSTORED\r\n")) << EscapeBytes(pty.output());
  // Backspace and Ctrl-U.
  pty.Type("delete zzz\x7f\x7f\x7fk\r");
  ASSERT_TRUE(pty.WaitFor("DELETED\r\n")) << EscapeBytes(pty.output());
  pty.Type("garbage\x15version\r");
  ASSERT_TRUE(pty.WaitFor("VERSION 1.6.18\r\n")) << EscapeBytes(pty.output());
  // History: Up twice recalls "delete k" (now NOT_FOUND).
  pty.Type("\x1b[A\x1b[A\r");
  ASSERT_TRUE(pty.WaitFor("NOT_FOUND\r\n")) << EscapeBytes(pty.output());
  // Errors are shown as sent, and the session goes on.
  pty.Type("bogus\r");
  ASSERT_TRUE(pty.WaitFor("ERROR\r\n")) << EscapeBytes(pty.output());
  // Ctrl-C drops a line; Ctrl-D on an empty line ends the session.
  pty.Type("flush_all\x03");
  ASSERT_TRUE(pty.WaitFor("^C")) << EscapeBytes(pty.output());
  pty.Type("\x04");
  EXPECT_EQ(pty.WaitExit(), 0) << EscapeBytes(pty.output());
  // flush_all was never sent.
  ASSERT_OK_AND_ASSIGN(RawSocket socket, RawSocket::Connect(server_->port()));
  ASSERT_OK(socket.Send("get k\r\nstats\r\n"));
  ASSERT_OK_AND_ASSIGN(std::string stats, socket.ReadUntil("STAT cmd_flush 0\r\n"));
}

// Replies may come while a line is half-typed (as in telnet): the line is
// erased, the reply printed, the line drawn again below it with its cursor
// where it was, and it can still be edited. The server here is the test's
// own socket, so the reply comes exactly when the test sends it.
TEST_F(CliTest, InteractiveReplyArrivesWhileALineIsHalfTyped) {
  StandInServer server;
  ASSERT_TRUE(server.listening());
  Pty pty;
  ASSERT_TRUE(pty.Start({server.address()}));
  ASSERT_TRUE(server.Accept());
  const std::string prompt = absl::StrCat(server.address(), "> ");
  ASSERT_TRUE(pty.WaitFor(absl::StrCat("leave.\r\n", prompt))) << EscapeBytes(pty.output());
  pty.Type("get ab");
  ASSERT_TRUE(pty.WaitFor("get ab")) << EscapeBytes(pty.output());
  ASSERT_TRUE(server.Send("SERVER_ERROR out of memory storing object\r\n"));
  ASSERT_TRUE(pty.WaitFor(absl::StrCat("\r\x1b[JSERVER_ERROR out of memory storing object\r\n", prompt, "get ab")))
      << EscapeBytes(pty.output());
  // Left, "x", Right, "c": the cursor was kept at the end of the line.
  pty.Type("\x1b[Dx\x1b[Cc\r");
  EXPECT_EQ(server.ReadUntil("\r\n"), "get axbc\r\n");
  // A reply split mid-line waits for its end before the line comes back.
  pty.Type("ver");
  ASSERT_TRUE(pty.WaitFor("ver")) << EscapeBytes(pty.output());
  ASSERT_TRUE(server.Send("STAT a "));
  ASSERT_TRUE(pty.WaitFor("\r\x1b[JSTAT a ")) << EscapeBytes(pty.output());
  ASSERT_TRUE(server.Send("1\r\nEND\r\n"));
  ASSERT_TRUE(pty.WaitFor(absl::StrCat("1\r\nEND\r\n", prompt, "ver"))) << EscapeBytes(pty.output());
  pty.Type("sion\r");
  EXPECT_EQ(server.ReadUntil("\r\n"), "version\r\n");
  pty.Type("\x04");
  EXPECT_EQ(pty.WaitExit(), 0) << EscapeBytes(pty.output());
}

}  // namespace
}  // namespace tandem::testing
