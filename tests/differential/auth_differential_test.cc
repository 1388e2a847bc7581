// Authentication, differential: real memcached and tandemd started with the
// same -Y file (ASCII authentication) or the same -S set-up (SASL over the
// binary protocol: SASL_CONF_PATH names a directory holding memcached.conf,
// `mech_list: plain` and a sasldb made with saslpasswd2), the same bytes
// sent to both, the replies compared byte for byte, and whether the server
// closed the connection. Start-up failures compare exit codes and messages.
//
// Each step of a case is sent alone and its reply read before the next:
// memcached answers only the last of several pre-authentication text
// requests that arrive in one read (ascii_auth.h), which tandemd does not
// copy, so pipelined pre-authentication text is not compared.
//
// Environment: TANDEM_DIFF_TARGET / TANDEM_DIFF_REFERENCE as in
// differential_test.cc.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "protocol/binary_encoder.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"
#include "tests/support/subprocess.h"

namespace tandem::testing {
namespace {

namespace b = tandem::protocol::binary;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}
std::string ReferenceBinary() { return EnvOr("TANDEM_DIFF_REFERENCE", MemcachedPath()); }
std::string TargetBinary() { return EnvOr("TANDEM_DIFF_TARGET", TandemdPath()); }

constexpr char kSaslPasswd[] = "/usr/sbin/saslpasswd2";

// What a step waits for before the next one is sent.
enum class Await {
  kLine,     // one reply line
  kNothing,  // no reply (100 ms of quiet)
  kClose,    // the server closes the connection (after any reply)
  kPackets,  // `packets` binary responses
};

struct Step {
  std::string send;
  Await await = Await::kLine;
  int packets = 1;
  std::string until = "\r\n";  // kLine: the reply ends with this
};

struct Case {
  std::string name;
  std::vector<Step> steps;
};

struct Observed {
  std::string bytes;
  bool closed = false;
};

// Reads what `step` waits for, bounded in time.
Observed Read(RawSocket& s, const Step& step) {
  Observed o;
  switch (step.await) {
    case Await::kLine: {
      RawSocket::ReadResult r = s.ReadUntilOrClose(step.until, absl::Seconds(3));
      o.bytes = r.data;
      o.closed = r.closed;
      break;
    }
    case Await::kNothing:
      o.bytes = s.ReadAvailable(absl::Milliseconds(100), absl::Seconds(1));
      o.closed = s.peer_closed();
      break;
    case Await::kClose:
      o.closed = s.IsClosedByPeer(absl::Seconds(3));
      o.bytes = s.ReadAvailable(absl::Milliseconds(10), absl::Milliseconds(100));
      break;
    case Await::kPackets:
      for (int i = 0; i < step.packets; ++i) {
        absl::StatusOr<std::string> header = s.ReadExactly(24, absl::Seconds(3));
        if (!header.ok()) break;
        o.bytes += *header;
        const auto* h = reinterpret_cast<const unsigned char*>(header->data());
        const size_t body = (size_t{h[8]} << 24) | (size_t{h[9]} << 16) | (size_t{h[10]} << 8) | h[11];
        absl::StatusOr<std::string> rest = s.ReadExactly(body, absl::Seconds(3));
        if (!rest.ok()) break;
        o.bytes += *rest;
      }
      o.closed = s.peer_closed();
      break;
  }
  return o;
}

// A temporary directory holding the -Y file and the SASL set-up; removed
// (only the files it made) at the end of the suite.
class AuthFiles {
 public:
  AuthFiles() {
    char tmpl[] = "/tmp/tandem-auth-XXXXXX";
    dir_ = mkdtemp(tmpl);
    chmod(dir_.c_str(), 0755);  // memcached reads the files as its -u user
    users_ = Write("users", "alice:secret\nbob:pa:ss\n");
    malformed_ = Write("malformed", "alice:secret\nnocolon\n");
    nine_ = Write("nine", "a:1\nb:2\nc:3\nd:4\ne:5\nf:6\ng:7\nh:8\nnot an entry\n");
    reload_ = Write("reload", "alice:secret\n");
    sasl_dir_ = dir_ + "/sasl";
    mkdir(sasl_dir_.c_str(), 0755);
    sasldb_ = sasl_dir_ + "/sasldb";
    conf_ = Write("sasl/memcached.conf", absl::StrCat("mech_list: plain\nsasldb_path: ", sasldb_, "\n"));
  }
  ~AuthFiles() {
    for (const std::string& f : {users_, malformed_, nine_, reload_, conf_, sasldb_}) unlink(f.c_str());
    rmdir(sasl_dir_.c_str());
    rmdir(dir_.c_str());
  }

  // The sasldb, made once: alice (realm: this host, as memcached's) and
  // bob@realm2. False, with a message, when saslpasswd2 is missing.
  bool MakeSaslDb(std::string* why) {
    if (made_sasldb_) return true;
    if (!IsExecutable(kSaslPasswd)) {
      *why = absl::StrCat(kSaslPasswd, " is missing (Debian package sasl2-bin, in tools/scripts/setup)");
      return false;
    }
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    for (const auto& [user, realm, password] :
         {std::tuple<std::string, std::string, std::string>{"alice", host, "secret"},
          {"bob", "realm2", "other"}}) {
      ProgramResult r =
          RunProgram(kSaslPasswd, {"-p", "-c", "-a", "memcached", "-f", sasldb_, "-u", realm, user}, password);
      if (r.exit_code != 0) {
        *why = absl::StrCat("saslpasswd2 failed: ", r.err);
        return false;
      }
    }
    chmod(sasldb_.c_str(), 0644);
    made_sasldb_ = true;
    return true;
  }

  const std::string& users() const { return users_; }
  const std::string& malformed() const { return malformed_; }
  const std::string& nine() const { return nine_; }
  const std::string& reload() const { return reload_; }
  void Rewrite(const std::string& path, const std::string& contents) { Write(path.substr(dir_.size() + 1), contents); }
  const std::string& sasl_dir() const { return sasl_dir_; }

 private:
  std::string Write(const std::string& name, const std::string& contents) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << contents;
    chmod(path.c_str(), 0644);
    return path;
  }

  std::string dir_, users_, malformed_, nine_, reload_, sasl_dir_, sasldb_, conf_;
  bool made_sasldb_ = false;
};

class AuthDifferential : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { files_ = new AuthFiles(); }
  static void TearDownTestSuite() {
    delete files_;
    files_ = nullptr;
    unsetenv("SASL_CONF_PATH");
  }

  // Starts both servers with `args`; false (test failed) if either does not start.
  bool StartBoth(const std::vector<std::string>& args) {
    for (auto [binary, slot] : {std::pair{ReferenceBinary(), &reference_}, std::pair{TargetBinary(), &target_}}) {
      ServerOptions o;
      o.binary = binary;
      o.args = args;
      absl::StatusOr<std::unique_ptr<ServerProcess>> p = ServerProcess::Start(o);
      if (!p.ok()) {
        ADD_FAILURE() << binary << ": " << p.status();
        return false;
      }
      *slot = *std::move(p);
    }
    return true;
  }

  // Runs `c` on a new connection to each server and compares every step.
  void RunCase(const Case& c) {
    absl::StatusOr<RawSocket> ref = RawSocket::Connect(reference_->port());
    absl::StatusOr<RawSocket> tgt = RawSocket::Connect(target_->port());
    ASSERT_TRUE(ref.ok() && tgt.ok()) << c.name;
    for (size_t i = 0; i < c.steps.size(); ++i) {
      const Step& step = c.steps[i];
      // A server that has closed may refuse the bytes; what it answered is compared.
      (void)ref->Send(step.send);
      (void)tgt->Send(step.send);
      const Observed want = Read(*ref, step);
      const Observed got = Read(*tgt, step);
      EXPECT_EQ(EscapeBytes(got.bytes), EscapeBytes(want.bytes)) << c.name << ", step " << i;
      EXPECT_EQ(got.closed, want.closed) << c.name << ", step " << i;
      if (want.closed) break;
    }
  }

  // One STAT value of `stats` (text) from a server.
  static std::string StatValue(std::string_view stats, std::string_view name) {
    const std::string key = "STAT " + std::string(name) + " ";
    const size_t at = stats.find(key);
    if (at == std::string_view::npos) return "(absent)";
    const size_t start = at + key.size();
    return std::string(stats.substr(start, stats.find("\r\n", start) - start));
  }

  static AuthFiles* files_;
  std::unique_ptr<ServerProcess> reference_;
  std::unique_ptr<ServerProcess> target_;
};

AuthFiles* AuthDifferential::files_ = nullptr;

Step Line(std::string send, std::string until = "\r\n") {
  return {std::move(send), Await::kLine, 1, std::move(until)};
}
Step Nothing(std::string send) { return {std::move(send), Await::kNothing}; }
Step Closes(std::string send) { return {std::move(send), Await::kClose}; }

// ---------------------------------------------------------------------------
// -Y: ASCII authentication.
// ---------------------------------------------------------------------------

TEST_F(AuthDifferential, AsciiAuthentication) {
  ASSERT_TRUE(StartBoth({"-Y", files_->users()}));
  const std::string auth = "set k 0 0 12\r\nalice secret\r\n";
  const std::vector<Case> cases = {
      {"commands_before_auth_are_refused",
       {Line("get foo\r\n"), Line("version\r\n"), Line("stats\r\n"), Line("quit\r\n"), Line("mn\r\n"),
        Line("\r\n"), Line("SET k 0 0 12\r\n"), Line("cas k 0 0 12\r\n")}},
      {"auth_then_commands_run", {Line(auth), Line("set x 0 0 1\r\nz\r\n"), Line("get x\r\n", "END\r\n"),
                                  Line("get k\r\n")}},
      {"auth_with_pipelined_commands", {Line(auth + "version\r\n"), Line("")}},
      {"password_with_colon", {Line("set k 0 0 9\r\nbob pa:ss\r\n"), Line("version\r\n")}},
      {"wrong_password_keeps_the_connection",
       {Line("set k 0 0 12\r\nalice wrongg\r\n"), Line("get k\r\n"), Line(auth), Line("version\r\n")}},
      {"unknown_user", {Line("set k 0 0 12\r\nmallory evil\r\n"), Line("version\r\n")}},
      {"password_of_another_user", {Line("set k 0 0 12\r\nbob secret\r\n")}},
      {"one_token", {Line("set k 0 0 5\r\nalice\r\n"), Line("version\r\n")}},
      {"trailing_space_is_one_token", {Line("set k 0 0 6\r\nalice \r\n")}},
      {"empty_data", {Line("set k 0 0 0\r\n\r\n")}},
      {"nul_in_data", {Line(std::string("set k 0 0 12\r\nalice\0secret\r\n", 28))}},
      {"nul_at_end_of_password", {Line(std::string("set k 0 0 12\r\nalice secre\0\r\n", 28))}},
      {"tab_is_not_a_separator", {Line("set k 0 0 12\r\nalice\tsecret\r\n")}},
      {"bad_termination", {Line("set k 0 0 12\r\nalice secretXX"), Line("version\r\n")}},
      {"extra_data_tokens_ignored", {Line("set k 0 0 15\r\nalice secret xy\r\n"), Line("version\r\n")}},
      {"noreply_is_ignored", {Line("set k 0 0 12 noreply\r\nalice secret\r\n")}},
      {"flags_and_key_unchecked", {Line("set a b c 12\r\nalice secret\r\n")}},
      {"spaced_line", {Line(" set  k  0  0  12 \r\nalice secret\r\n")}},
      {"signed_and_zero_padded_sizes", {Line("set k 0 0 +12\r\nalice secret\r\n"), Line("version\r\n")}},
      {"size_with_suffix_refused", {Line("set k 0 0 12abc\r\n"), Line("version\r\n")}},
      {"negative_size_refused", {Line("set k 0 0 -1\r\n")}},
      {"short_set_line", {Line("set k 0 0\r\n"), Line("set k\r\n")}},
      {"bare_newlines", {Line("set k 0 0 12\nalice secret\r\n"), Line("version\r\n")}},
      {"request_in_pieces", {Nothing("set k 0 0 12\r"), Nothing("\nalice "), Line("secret\r\n"),
                             Line("version\r\n")}},
      {"largest_data", {Nothing("set k 0 0 16382\r\n"),
                        Line(std::string(8000, 'u') + " " + std::string(8381, 'p') + "\r\n"),
                        Line("version\r\n")}},
      {"no_newline_in_2049_bytes_closes", {Nothing(std::string(2000, 'x')), Closes(std::string(49, 'x'))}},
      {"binary_bytes_are_a_text_line",
       {Line([] {
         std::string p;
         b::AppendRequest(&p, 0x0b, 0, 0, {}, {}, {});
         return p + "\r\n";
       }())}},
  };
  for (const Case& c : cases) RunCase(c);
}

// memcached closes once its 16 KB read buffer fills with data it cannot
// finish; tandemd closes as soon as the line asks for that much. So only
// the end is compared: the whole request sent, the connection closed.
TEST_F(AuthDifferential, AsciiAuthenticationDataLargerThanTheReadBufferCloses) {
  ASSERT_TRUE(StartBoth({"-Y", files_->users()}));
  RunCase({"too_large", {Closes("set k 0 0 16383\r\n" + std::string(8000, 'u') + " " +
                                std::string(8382, 'p') + "\r\n")}});
}

// memcached 1.6.18 crashes (SIGSEGV) on a pre-authentication set of
// 4000000000 bytes, so this one is tandemd's alone: closed, still serving.
TEST_F(AuthDifferential, AsciiAuthenticationHugeSizeClosesWithoutHarm) {
  ServerOptions o;
  o.binary = TargetBinary();
  o.args = {"-Y", files_->users()};
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(o);
  ASSERT_TRUE(server.ok()) << server.status();
  for (std::string_view size : {"4000000000", "4294967295", "4294967296"}) {
    absl::StatusOr<RawSocket> s = RawSocket::Connect((*server)->port());
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->Send("set k 0 0 " + std::string(size) + "\r\n").ok());
    (void)s->Send(std::string(20000, 'g'));
    EXPECT_TRUE(s->IsClosedByPeer()) << size;
    EXPECT_EQ(s->ReadAvailable(absl::Milliseconds(10), absl::Milliseconds(100)), "") << size;
  }
  absl::StatusOr<RawSocket> s = RawSocket::Connect((*server)->port());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->Send("set k 0 0 12\r\nalice secret\r\nversion\r\n").ok());
  absl::StatusOr<std::string> reply = s->ReadUntil("VERSION ", absl::Seconds(3));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "STORED\r\nVERSION ");
  EXPECT_TRUE((*server)->IsRunning());
}

TEST_F(AuthDifferential, AsciiAuthenticationCountsAndSettings) {
  ASSERT_TRUE(StartBoth({"-Y", files_->users()}));
  for (ServerProcess* server : {reference_.get(), target_.get()}) {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(server->port());
    ASSERT_TRUE(s.ok());
    for (std::string_view attempt : {"set k 0 0 12\r\nalice wrongg\r\n", "set k 0 0 5\r\nalice\r\n",
                                     "get k\r\n", "set k 0 0 12\r\nalice secret\r\n"}) {
      ASSERT_TRUE(s->Send(attempt).ok());
      ASSERT_TRUE(s->ReadUntil("\r\n").ok());
    }
    ASSERT_TRUE(s->Send("stats\r\n").ok());
    absl::StatusOr<std::string> stats = s->ReadUntil("END\r\n");
    ASSERT_TRUE(stats.ok());
    // The malformed attempt and the refused get are not counted.
    EXPECT_EQ(StatValue(*stats, "auth_cmds"), "2") << server->binary();
    EXPECT_EQ(StatValue(*stats, "auth_errors"), "1") << server->binary();
    ASSERT_TRUE(s->Send("stats settings\r\n").ok());
    stats = s->ReadUntil("END\r\n");
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(StatValue(*stats, "auth_enabled_ascii"), files_->users()) << server->binary();
    EXPECT_EQ(StatValue(*stats, "auth_enabled_sasl"), "no") << server->binary();
    EXPECT_EQ(StatValue(*stats, "binding_protocol"), "ascii") << server->binary();
  }
}

// Only the first 8 entries are read, so a 9th line that is not an entry
// does not stop start-up, and its user cannot authenticate.
TEST_F(AuthDifferential, AnAuthFileIsReadUpToEightEntries) {
  ASSERT_TRUE(StartBoth({"-Y", files_->nine()}));
  RunCase({"eighth", {Line("set k 0 0 3\r\nh 8\r\n")}});
  RunCase({"ninth_is_not_read", {Line("set k 0 0 3\r\ni 9\r\n")}});
}

// SIGHUP re-reads the file (memcached: at its next clock tick, within a
// second); a file that no longer loads leaves the previous users in force.
TEST_F(AuthDifferential, HangupReloadsTheAuthFile) {
  ASSERT_TRUE(StartBoth({"-Y", files_->reload()}));
  const Case alice_ok{"alice_ok", {Line("set k 0 0 12\r\nalice secret\r\n")}};
  const Case carol{"carol", {Line("set k 0 0 9\r\ncarol new\r\n")}};
  auto hangup = [&] {
    ::kill(reference_->pid(), SIGHUP);
    ::kill(target_->pid(), SIGHUP);
    absl::SleepFor(absl::Milliseconds(1500));
  };
  RunCase(alice_ok);
  RunCase(carol);
  files_->Rewrite(files_->reload(), "carol:new\n");
  hangup();
  RunCase(alice_ok);
  RunCase(carol);
  files_->Rewrite(files_->reload(), "carol:new\nbroken\n");
  hangup();
  RunCase(carol);
  EXPECT_TRUE(reference_->IsRunning());
  EXPECT_TRUE(target_->IsRunning());
  // The case bytes alone cannot tell which answer is right; the reference
  // could be wrong too: pin the outcome.
  absl::StatusOr<RawSocket> s = RawSocket::Connect(target_->port());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->Send("set k 0 0 9\r\ncarol new\r\n").ok());
  EXPECT_EQ(s->ReadUntil("\r\n").value_or(""), "STORED\r\n");
}

// ---------------------------------------------------------------------------
// Start-up: bad files and flag combinations.
// ---------------------------------------------------------------------------

TEST_F(AuthDifferential, StartUpFailuresMatch) {
  unsetenv("SASL_CONF_PATH");
  const std::vector<std::vector<std::string>> cases = {
      {"-Y", "/nonexistent/tandem-users"},
      {"-Y", files_->malformed()},
      {"-Y", files_->users(), "-B", "binary"},
      {"-Y", files_->users(), "-B", "auto"},
      {"-Y", files_->users(), "-U", "-1"},
      {"-S", "-B", "ascii"},
      {"-S", "-U", "-1"},
  };
  for (std::vector<std::string> args : cases) {
    args.insert(args.begin(), {"-p", "-1", "-l", "127.0.0.1"});
    if (getuid() == 0) args.insert(args.end(), {"-u", "root"});
    const ProgramResult want = RunProgram(ReferenceBinary(), args, "", absl::Seconds(5));
    const ProgramResult got = RunProgram(TargetBinary(), args, "", absl::Seconds(5));
    const std::string joined = absl::StrCat(args[4], " ", args[5], args.size() > 7 ? " " + args[6] : "");
    EXPECT_NE(want.exit_code, -1) << "memcached did not exit: " << joined;
    EXPECT_EQ(got.exit_code, want.exit_code) << joined;
    // tandemd prefixes flag errors with "tandemd: "; the text is memcached's.
    std::string line = want.err.substr(0, want.err.find('\n'));
    EXPECT_TRUE(absl::StrContains(got.err, line)) << joined << "\nmemcached: " << want.err << "\ntandemd: " << got.err;
  }
}

// ---------------------------------------------------------------------------
// -S: SASL over the binary protocol.
// ---------------------------------------------------------------------------

std::string Req(uint8_t op, std::string_view key = {}, std::string_view value = {},
                std::string_view extras = {}, uint32_t opaque = 0) {
  std::string out;
  b::AppendRequest(&out, op, opaque, 0, extras, key, value);
  return out;
}
std::string Plain(std::string_view authzid, std::string_view user, std::string_view password) {
  std::string out(authzid);
  out.push_back('\0');
  out.append(user);
  out.push_back('\0');
  out.append(password);
  return out;
}
Step Packets(std::string send, int n = 1) { return {std::move(send), Await::kPackets, n}; }
Step PacketThenClose(std::string send) { return {std::move(send), Await::kClose}; }

constexpr uint8_t kGet = 0x00, kGetQ = 0x09, kNoop = 0x0a, kVersion = 0x0b, kStat = 0x10;
constexpr uint8_t kListMechs = 0x20, kAuth = 0x21, kStep = 0x22;

TEST_F(AuthDifferential, SaslOverTheBinaryProtocol) {
  std::string why;
  if (!files_->MakeSaslDb(&why)) GTEST_SKIP() << why;
  setenv("SASL_CONF_PATH", files_->sasl_dir().c_str(), 1);
  ASSERT_TRUE(StartBoth({"-S"}));
  const std::string ok = Req(kAuth, "PLAIN", Plain("", "alice", "secret"), {}, 5);
  const std::vector<Case> cases = {
      {"list_mechanisms", {Packets(Req(kListMechs, {}, {}, {}, 9)), Packets(Req(kVersion))}},
      {"version_before_auth", {Packets(Req(kVersion, {}, {}, {}, 7))}},
      {"get_before_auth_closes", {PacketThenClose(Req(kGet, "foo", {}, {}, 3))}},
      {"noop_before_auth_closes", {PacketThenClose(Req(kNoop))}},
      {"quiet_get_before_auth_is_answered_and_closes", {PacketThenClose(Req(kGetQ, "foo"))}},
      {"plain_success", {Packets(ok), Packets(Req(kGet, "foo")), Packets(Req(kNoop))}},
      {"plain_success_pipelined", {Packets(ok + Req(kGet, "foo") + Req(kNoop), 3)}},
      {"plain_in_pieces", {Nothing(ok.substr(0, 30)), Packets(ok.substr(30)), Packets(Req(kNoop))}},
      {"wrong_password_keeps_the_connection_until_a_command",
       {Packets(Req(kAuth, "PLAIN", Plain("", "alice", "wrong"), {}, 6)), PacketThenClose(Req(kGet, "foo"))}},
      {"wrong_then_right", {Packets(Req(kAuth, "PLAIN", Plain("", "alice", "wrong"))), Packets(ok),
                            Packets(Req(kNoop))}},
      {"other_realm", {Packets(Req(kAuth, "PLAIN", Plain("", "bob@realm2", "other"))), Packets(Req(kNoop))}},
      {"same_authzid", {Packets(Req(kAuth, "PLAIN", Plain("alice", "alice", "secret"))), Packets(Req(kNoop))}},
      {"other_authzid_refused",
       {Packets(Req(kAuth, "PLAIN", Plain("bob", "alice", "secret"))), PacketThenClose(Req(kNoop))}},
      {"unknown_mechanism", {Packets(Req(kAuth, "FOO", Plain("", "alice", "secret"))), PacketThenClose(Req(kNoop))}},
      {"mechanism_not_listed", {Packets(Req(kAuth, "CRAM-MD5")), PacketThenClose(Req(kNoop))}},
      {"plain_without_data_continues", {Packets(Req(kAuth, "PLAIN")), Packets(Req(kStep, "PLAIN", Plain("", "alice", "secret"))),
                                        Packets(Req(kNoop))}},
      {"step_before_auth", {Packets(Req(kStep, "PLAIN", Plain("", "alice", "secret"))), PacketThenClose(Req(kNoop))}},
      {"auth_without_mechanism_closes", {PacketThenClose(Req(kAuth, {}, Plain("", "alice", "secret")))}},
      {"auth_with_extras_closes", {PacketThenClose(Req(kAuth, "PLAIN", Plain("", "alice", "secret"), "abcd"))}},
      {"list_mechanisms_with_a_key_closes", {PacketThenClose(Req(kListMechs, "x"))}},
      {"mechanism_longer_than_32", {Packets(Req(kAuth, std::string(33, 'M'), Plain("", "alice", "secret"))),
                                    PacketThenClose(Req(kNoop))}},
      {"listing_forgets_the_authentication", {Packets(ok), Packets(Req(kListMechs)), PacketThenClose(Req(kNoop))}},
      {"authenticating_twice_fails", {Packets(ok), Packets(ok), PacketThenClose(Req(kNoop))}},
      {"huge_data", {Packets(Req(kAuth, "PLAIN", Plain("", "alice", std::string(600000, 'p')))),
                     PacketThenClose(Req(kNoop))}},
      // memcached's item for mechanism and data fills one 512 KB chunk at 524224 + 5 bytes.
      {"largest_data", {Packets(Req(kAuth, "PLAIN", Plain("", "alice", std::string(524224 - 7, 'p'))))}},
      {"data_one_byte_too_large",
       {Packets(Req(kAuth, "PLAIN", Plain("", "alice", std::string(524225 - 7, 'p')))), Packets(Req(kVersion))}},
      {"data_too_large_with_a_longer_mechanism",
       {Packets(Req(kAuth, std::string(20, 'M'), Plain("", "alice", std::string(524210 - 7, 'p'))))}},
      {"garbage_closes", {Closes("\x80" + std::string(40, '\xff'))}},
      {"text_closes", {Closes("get foo\r\n" + std::string(20, ' '))}},
  };
  for (const Case& c : cases) RunCase(c);
}

TEST_F(AuthDifferential, SaslCountsAndSettings) {
  std::string why;
  if (!files_->MakeSaslDb(&why)) GTEST_SKIP() << why;
  setenv("SASL_CONF_PATH", files_->sasl_dir().c_str(), 1);
  ASSERT_TRUE(StartBoth({"-S"}));
  for (ServerProcess* server : {reference_.get(), target_.get()}) {
    absl::StatusOr<RawSocket> s = RawSocket::Connect(server->port());
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->Send(Req(kAuth, "PLAIN", Plain("", "alice", "wrong")) + Req(kAuth, "PLAIN") +
                        Req(kStep, "PLAIN", Plain("", "alice", "secret")) + Req(kStat, "settings") + Req(kStat))
                    .ok());
    const std::string replies = s->ReadAvailable(absl::Milliseconds(200), absl::Seconds(3));
    // Stat packets: the key is the name, the value follows it.
    auto value = [&](std::string_view name, std::string_view after) {
      const size_t at = replies.find(after);
      const size_t pos = replies.find(name, at == std::string::npos ? 0 : at);
      if (pos == std::string::npos) return std::string("(absent)");
      const auto* h = reinterpret_cast<const unsigned char*>(replies.data() + pos - 24);
      const size_t body = (size_t{h[8]} << 24) | (size_t{h[9]} << 16) | (size_t{h[10]} << 8) | h[11];
      return replies.substr(pos + name.size(), body - name.size());
    };
    EXPECT_EQ(value("auth_enabled_sasl", ""), "yes") << server->binary();
    EXPECT_EQ(value("auth_enabled_ascii", ""), "no") << server->binary();
    EXPECT_EQ(value("binding_protocol", ""), "binary") << server->binary();
    // The continued AUTH is not counted; the STEP that ends it is.
    EXPECT_EQ(value("auth_cmds", "rusage_user"), "2") << server->binary();
    EXPECT_EQ(value("auth_errors", "rusage_user"), "1") << server->binary();
  }
}

// No memcached.conf anywhere: both refuse to start ("Error initializing sasl.").
TEST_F(AuthDifferential, SaslWithoutAConfigurationFailsToStart) {
  for (const char* conf : {"/etc/sasl/memcached.conf", "/etc/sasl2/memcached.conf"}) {
    if (access(conf, F_OK) == 0) GTEST_SKIP() << conf << " exists on this machine";
  }
  unsetenv("SASL_CONF_PATH");
  std::vector<std::string> args = {"-p", "-1", "-l", "127.0.0.1", "-S"};
  if (getuid() == 0) args.insert(args.end(), {"-u", "root"});
  const ProgramResult want = RunProgram(ReferenceBinary(), args, "", absl::Seconds(5));
  const ProgramResult got = RunProgram(TargetBinary(), args, "", absl::Seconds(5));
  EXPECT_EQ(want.exit_code, 1);
  EXPECT_EQ(got.exit_code, want.exit_code);
  EXPECT_EQ(got.err, want.err);
}

}  // namespace
}  // namespace tandem::testing
