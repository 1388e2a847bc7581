// Unit tests of tandemd's command line (server/flags): memcached 1.6.18's
// defaults, every short and long flag of the contract, `-o` options, and the
// values that must be refused. Expected values were checked against
// `memcached -u root ... ` + `stats settings` where memcached has an opinion;
// the few places where tandem is deliberately stricter say so.
#include "server/extended_options.h"
#include "server/flags.h"

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/settings.h"
#include "tests/support/status_helpers.h"

namespace tandem::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// Owns a mutable argv for getopt (which may permute it).
class Argv {
 public:
  explicit Argv(std::vector<std::string> args) : storage_(std::move(args)) {
    storage_.insert(storage_.begin(), "tandemd");
    for (std::string& s : storage_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(storage_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> storage_;
  std::vector<char*> pointers_;
};

struct Parsed {
  absl::Status status;
  FlagsAction action = FlagsAction::kRun;
  std::unique_ptr<Settings> settings = std::make_unique<Settings>();
};

Parsed Parse(std::vector<std::string> args) {
  Parsed p;
  Argv argv(std::move(args));
  p.status = ParseFlags(argv.argc(), argv.argv(), p.settings.get(), &p.action);
  return p;
}

// Parses and requires success; returns the settings.
std::unique_ptr<Settings> ParseOk(std::vector<std::string> args) {
  std::string joined;
  for (const std::string& a : args) joined += a + " ";
  Parsed p = Parse(std::move(args));
  EXPECT_OK(p.status) << "args: " << joined;
  EXPECT_EQ(p.action, FlagsAction::kRun) << "args: " << joined;
  return std::move(p.settings);
}

// Parsing must fail with InvalidArgument (or Unimplemented for the refused
// features) and a one-line message.
void ExpectRejected(std::vector<std::string> args) {
  std::string joined;
  for (const std::string& a : args) joined += a + " ";
  Parsed p = Parse(std::move(args));
  EXPECT_FALSE(p.status.ok()) << "accepted: " << joined;
  EXPECT_FALSE(p.status.message().empty()) << joined;
  EXPECT_EQ(std::string(p.status.message()).find('\n'), std::string::npos)
      << "multi-line message for " << joined << ": " << p.status.message();
}

// ---------------------------------------------------------------------------
// Defaults: memcached 1.6.18's `stats settings` with no flags.
// ---------------------------------------------------------------------------

TEST(FlagsDefaults, MatchMemcached) {
  std::unique_ptr<Settings> s = ParseOk({});
  EXPECT_EQ(s->port, 11211);
  EXPECT_EQ(s->udp_port, 0);
  EXPECT_TRUE(s->unix_socket.empty());
  EXPECT_EQ(s->unix_mask, 0700);
  EXPECT_TRUE(s->listen.empty());
  EXPECT_EQ(s->backlog, 1024);
  EXPECT_EQ(s->max_conns, 1024);
  EXPECT_TRUE(s->maxconns_fast);
  EXPECT_EQ(s->idle_timeout, 0);
  EXPECT_EQ(s->num_threads, 4);
  EXPECT_EQ(s->reqs_per_event, 20);
  EXPECT_EQ(s->binding_protocol, BindingProtocol::kAuto);
  EXPECT_FALSE(s->daemonize);
  EXPECT_TRUE(s->user.empty());
  EXPECT_TRUE(s->pid_file.empty());
  EXPECT_FALSE(s->enable_shutdown);
  EXPECT_EQ(s->verbose.load(), 0);
  EXPECT_EQ(s->max_bytes.load(), size_t{64} << 20);
  EXPECT_TRUE(s->evict_to_free);
  EXPECT_DOUBLE_EQ(s->growth_factor, 1.25);
  EXPECT_EQ(s->chunk_size, 48);
  EXPECT_EQ(s->item_size_max, size_t{1} << 20);
  EXPECT_EQ(s->slab_chunk_max, size_t{512} << 10);
  EXPECT_TRUE(s->use_cas);
  EXPECT_EQ(s->hashpower_init, 0);
  EXPECT_TRUE(s->flush_enabled);
  EXPECT_TRUE(s->dump_enabled);
  EXPECT_TRUE(s->lru_crawler);
  EXPECT_TRUE(s->lru_maintainer);
  EXPECT_TRUE(s->lru_segmented);
  EXPECT_EQ(s->lru_crawler_sleep, 100);
  EXPECT_EQ(s->lru_crawler_tocrawl, 0);
  EXPECT_EQ(s->hot_lru_pct, 20);
  EXPECT_EQ(s->warm_lru_pct, 40);
  EXPECT_FALSE(s->temp_lru);
  EXPECT_EQ(s->temporary_ttl, 61);
  EXPECT_EQ(s->hash_algorithm, "murmur3");
  EXPECT_TRUE(s->slab_reassign);
  EXPECT_EQ(s->slab_automove, 1);
  EXPECT_EQ(s->watcher_logbuf_size, size_t{256} << 10);
  EXPECT_EQ(s->worker_logbuf_size, size_t{64} << 10);
  EXPECT_EQ(s->read_buf_mem_limit, 0u);
  EXPECT_FALSE(s->track_sizes);
  EXPECT_TRUE(s->inert_options.empty());
}

// ---------------------------------------------------------------------------
// Each flag, short and long form.
// ---------------------------------------------------------------------------

// One flag with a value, given three ways: "-x V", "--long=V", "--long V".
struct ValueFlagCase {
  const char* short_flag;
  const char* long_flag;
  const char* value;
  std::function<void(const Settings&)> check;
};

TEST(Flags, ShortAndLongFormsWithValues) {
  const std::vector<ValueFlagCase> cases = {
      {"-p", "--port", "12345", [](const Settings& s) { EXPECT_EQ(s.port, 12345); }},
      {"-U", "--udp-port", "0", [](const Settings& s) { EXPECT_EQ(s.udp_port, 0); }},
      {"-s", "--unix-socket", "/tmp/x.sock", [](const Settings& s) { EXPECT_EQ(s.unix_socket, "/tmp/x.sock"); }},
      {"-a", "--unix-mask", "755", [](const Settings& s) { EXPECT_EQ(s.unix_mask, 0755); }},
      {"-l", "--listen", "127.0.0.1",
       [](const Settings& s) { EXPECT_THAT(s.listen, ElementsAre("127.0.0.1")); }},
      {"-u", "--user", "nobody", [](const Settings& s) { EXPECT_EQ(s.user, "nobody"); }},
      {"-m", "--memory-limit", "128", [](const Settings& s) { EXPECT_EQ(s.max_bytes.load(), size_t{128} << 20); }},
      {"-c", "--conn-limit", "77", [](const Settings& s) { EXPECT_EQ(s.max_conns, 77); }},
      {"-P", "--pidfile", "/tmp/t.pid", [](const Settings& s) { EXPECT_EQ(s.pid_file, "/tmp/t.pid"); }},
      {"-f", "--slab-growth-factor", "1.5", [](const Settings& s) { EXPECT_DOUBLE_EQ(s.growth_factor, 1.5); }},
      {"-n", "--slab-min-size", "64", [](const Settings& s) { EXPECT_EQ(s.chunk_size, 64); }},
      {"-t", "--threads", "8", [](const Settings& s) { EXPECT_EQ(s.num_threads, 8); }},
      {"-R", "--max-reqs-per-event", "1", [](const Settings& s) { EXPECT_EQ(s.reqs_per_event, 1); }},
      {"-b", "--listen-backlog", "64", [](const Settings& s) { EXPECT_EQ(s.backlog, 64); }},
      {"-B", "--protocol", "ascii",
       [](const Settings& s) { EXPECT_EQ(s.binding_protocol, BindingProtocol::kAscii); }},
      {"-I", "--max-item-size", "2m", [](const Settings& s) { EXPECT_EQ(s.item_size_max, size_t{2} << 20); }},
      {"-o", "--extended", "idle_timeout=9", [](const Settings& s) { EXPECT_EQ(s.idle_timeout, 9); }},
  };
  for (const ValueFlagCase& c : cases) {
    SCOPED_TRACE(c.short_flag);
    c.check(*ParseOk({c.short_flag, c.value}));
    c.check(*ParseOk({std::string(c.short_flag) + c.value}));  // -p12345
    c.check(*ParseOk({std::string(c.long_flag) + "=" + c.value}));
    c.check(*ParseOk({c.long_flag, c.value}));
  }
}

struct BoolFlagCase {
  const char* short_flag;
  const char* long_flag;
  std::function<void(const Settings&)> check;
};

TEST(Flags, ShortAndLongFormsWithoutValues) {
  const std::vector<BoolFlagCase> cases = {
      {"-A", "--enable-shutdown", [](const Settings& s) { EXPECT_TRUE(s.enable_shutdown); }},
      {"-d", "--daemon", [](const Settings& s) { EXPECT_TRUE(s.daemonize); }},
      {"-M", "--disable-evictions", [](const Settings& s) { EXPECT_FALSE(s.evict_to_free); }},
      {"-v", "--verbose", [](const Settings& s) { EXPECT_EQ(s.verbose.load(), 1); }},
      {"-C", "--disable-cas", [](const Settings& s) { EXPECT_FALSE(s.use_cas); }},
      {"-F", "--disable-flush-all", [](const Settings& s) { EXPECT_FALSE(s.flush_enabled); }},
      {"-r", "--enable-coredumps", [](const Settings& s) { EXPECT_TRUE(s.enable_coredumps); }},
      {"-k", "--lock-memory", [](const Settings& s) { EXPECT_TRUE(s.lock_memory); }},
      {"-L", "--enable-largepages", [](const Settings& s) { EXPECT_TRUE(s.large_pages); }},
      {"-W", "--disable-watch", [](const Settings& s) { EXPECT_FALSE(s.watch_enabled); }},
  };
  for (const BoolFlagCase& c : cases) {
    SCOPED_TRACE(c.short_flag);
    c.check(*ParseOk({c.short_flag}));
    c.check(*ParseOk({c.long_flag}));
  }
  EXPECT_FALSE(ParseOk({"--disable-dumping"})->dump_enabled);
}

TEST(Flags, VerbosityLevelsAccumulate) {
  EXPECT_EQ(ParseOk({"-v"})->verbose.load(), 1);
  EXPECT_EQ(ParseOk({"-vv"})->verbose.load(), 2);
  EXPECT_EQ(ParseOk({"-vvv"})->verbose.load(), 3);
  EXPECT_EQ(ParseOk({"-v", "-v"})->verbose.load(), 2);
  EXPECT_EQ(ParseOk({"--verbose", "--verbose", "-v"})->verbose.load(), 3);
}

TEST(Flags, HelpAndVersionAreActions) {
  for (const char* f : {"-h", "--help"}) {
    Parsed p = Parse({f});
    EXPECT_OK(p.status);
    EXPECT_EQ(p.action, FlagsAction::kPrintHelp) << f;
  }
  for (const char* f : {"-V", "--version"}) {
    Parsed p = Parse({f});
    EXPECT_OK(p.status);
    EXPECT_EQ(p.action, FlagsAction::kPrintVersion) << f;
  }
}

TEST(Flags, UsageNamesEveryContractFlag) {
  const std::string usage = UsageText();
  for (const char* f : {"-p", "--port", "-U", "-s", "-a", "-A", "-l", "--listen", "-d", "-u", "-m",
                        "-M", "-c", "-v", "-h", "-V", "-P", "-f", "-n", "-t", "-R", "-C", "-b", "-B",
                        "-I", "--max-item-size", "-F", "-o", "--extended"}) {
    EXPECT_THAT(usage, HasSubstr(f));
  }
}

TEST(Flags, CombinedShortFlags) {
  std::unique_ptr<Settings> s = ParseOk({"-dMCFA", "-p", "1", "-vv"});
  EXPECT_TRUE(s->daemonize);
  EXPECT_FALSE(s->evict_to_free);
  EXPECT_FALSE(s->use_cas);
  EXPECT_FALSE(s->flush_enabled);
  EXPECT_TRUE(s->enable_shutdown);
  EXPECT_EQ(s->port, 1);
  EXPECT_EQ(s->verbose.load(), 2);
}

TEST(Flags, BindingProtocolValues) {
  EXPECT_EQ(ParseOk({"-B", "auto"})->binding_protocol, BindingProtocol::kAuto);
  EXPECT_EQ(ParseOk({"-B", "ascii"})->binding_protocol, BindingProtocol::kAscii);
  EXPECT_EQ(ParseOk({"-B", "binary"})->binding_protocol, BindingProtocol::kBinary);
  Parsed p = Parse({"-B", "foo"});
  EXPECT_FALSE(p.status.ok());
  EXPECT_THAT(std::string(p.status.message()), HasSubstr("Invalid value for binding protocol: foo"));
}

TEST(Flags, MemoryLimitIsMegabytes) {
  EXPECT_EQ(ParseOk({"-m", "128"})->max_bytes.load(), size_t{128} << 20);
  EXPECT_EQ(ParseOk({"-m", "4096"})->max_bytes.load(), size_t{4096} << 20);
  // -m 1 leaves no room for the default 1 MB item limit (memcached agrees).
  ExpectRejected({"-m", "1"});
  EXPECT_EQ(ParseOk({"-m", "1", "-I", "512k"})->max_bytes.load(), size_t{1} << 20);
}

// ---------------------------------------------------------------------------
// -l
// ---------------------------------------------------------------------------

TEST(Flags, ListenRepeatedAndCommaLists) {
  EXPECT_THAT(ParseOk({"-l", "127.0.0.1", "-l", "::1"})->listen, ElementsAre("127.0.0.1", "::1"));
  EXPECT_THAT(ParseOk({"-l", "127.0.0.1,::1"})->listen, ElementsAre("127.0.0.1", "::1"));
  EXPECT_THAT(ParseOk({"-l", "127.0.0.1,,127.0.0.2", "--listen=[::1]:5000"})->listen,
              ElementsAre("127.0.0.1", "127.0.0.2", "[::1]:5000"));
  // memcached's server_sockets() also splits on ';'.
  EXPECT_THAT(ParseOk({"-l", "127.0.0.1;127.0.0.2"})->listen, ElementsAre("127.0.0.1", "127.0.0.2"));
  // An empty -l (say, from an unset shell variable) must not turn into
  // "every interface".
  ExpectRejected({"-l", ""});
  ExpectRejected({"-l", ","});
  ExpectRejected({"-l", "127.0.0.1", "-l", ";"});
}

// ---------------------------------------------------------------------------
// -I and its limits.
// ---------------------------------------------------------------------------

TEST(Flags, ItemSizeSuffixes) {
  EXPECT_EQ(ParseOk({"-I", "1k"})->item_size_max, 1024u);
  EXPECT_EQ(ParseOk({"-I", "1K"})->item_size_max, 1024u);
  EXPECT_EQ(ParseOk({"-I", "2048"})->item_size_max, 2048u);
  EXPECT_EQ(ParseOk({"-I", "512k"})->item_size_max, size_t{512} << 10);
  EXPECT_EQ(ParseOk({"-I", "4M"})->item_size_max, size_t{4} << 20);
  EXPECT_EQ(ParseOk({"-m", "2048", "-I", "1024m"})->item_size_max, size_t{1} << 30);
  // -I bigger than a page keeps the chunk limit at half a page (memcached).
  EXPECT_EQ(ParseOk({"-I", "4m"})->slab_chunk_max, size_t{512} << 10);
  // -I below 512 KB: memcached refuses; tandem shrinks slab_chunk_max.
  std::unique_ptr<Settings> small = ParseOk({"-I", "1k"});
  EXPECT_EQ(small->slab_chunk_max, 1024u);
}

TEST(Flags, ItemSizeLimits) {
  Parsed p = Parse({"-I", "1023"});
  EXPECT_EQ(p.status.message(), "Item max size cannot be less than 1024 bytes.");
  p = Parse({"-m", "4096", "-I", "1025m"});
  EXPECT_FALSE(p.status.ok());
  // More than half of -m (default 64 MB): 33m refused, 32m accepted.
  p = Parse({"-I", "33m"});
  EXPECT_EQ(p.status.message(), "Cannot set item size limit higher than 1/2 of memory max.");
  EXPECT_EQ(ParseOk({"-I", "32m"})->item_size_max, size_t{32} << 20);
  EXPECT_EQ(ParseOk({"-m", "8", "-I", "4m"})->item_size_max, size_t{4} << 20);
  ExpectRejected({"-m", "8", "-I", "5m"});
  // Order does not matter: the check runs after all flags.
  ExpectRejected({"-I", "5m", "-m", "8"});
  for (const char* bad : {"", "k", "abc", "-1", "1x", "1.5m", "0", "0k", "99999999999999999999"}) {
    ExpectRejected({"-I", bad});
  }
}

// ---------------------------------------------------------------------------
// Bad values.
// ---------------------------------------------------------------------------

TEST(Flags, BadValuesAreErrors) {
  const std::vector<std::vector<std::string>> bad = {
      {"-p", "abc"},  {"-p", "-2"},   {"-p", "65536"}, {"-p", "12abc"}, {"-p", ""},
      {"-U", "x"},    {"-U", "-5"},   {"-a", "999"},   {"-a", "abc"},   {"-a", "1000"},
      {"-m", "abc"},  {"-m", "-64"},  {"-m", "0"},     {"-c", "0"},     {"-c", "-1"},
      {"-c", "many"}, {"-t", "0"},    {"-t", "-2"},    {"-t", "x"},     {"-t", "100000"},
      {"-R", "0"},    {"-R", "x"},    {"-b", "0"},     {"-b", "x"},     {"-n", "0"},
      {"-n", "-48"},  {"-n", "x"},    {"-f", "1.0"},   {"-f", "0.5"},   {"-f", "x"},
      {"-f", "-2"},   {"-B", "text"}, {"-D", "ab"},
  };
  for (const auto& args : bad) ExpectRejected(args);
}

// -1 asks for an ephemeral port, as memcached's test harnesses use it.
TEST(Flags, MinusOneIsAnEphemeralPort) {
  std::unique_ptr<Settings> s = ParseOk({"-p", "-1", "-U", "-1"});
  EXPECT_EQ(s->port, -1);
  EXPECT_EQ(s->udp_port, -1);
}

TEST(Flags, UnknownFlagsAndMissingValues) {
  Parsed p = Parse({"-J"});
  EXPECT_FALSE(p.status.ok());
  EXPECT_THAT(std::string(p.status.message()), HasSubstr("-J"));
  p = Parse({"--no-such-flag"});
  EXPECT_FALSE(p.status.ok());
  EXPECT_THAT(std::string(p.status.message()), HasSubstr("--no-such-flag"));
  p = Parse({"-p"});
  EXPECT_FALSE(p.status.ok());
  EXPECT_THAT(std::string(p.status.message()), HasSubstr("-p"));
  ExpectRejected({"--port"});
  ExpectRejected({"-o"});
  ExpectRejected({"stray"});
  ExpectRejected({"-X", "abc"});
}

TEST(Flags, UdpPortIsAccepted) {
  EXPECT_EQ(ParseOk({"-U", "11211"})->udp_port, 11211);
  EXPECT_EQ(ParseOk({"--udp-port=0"})->udp_port, 0);
}

// memcached 1.6.18: -S makes the port binary-only and -Y text-only unless -B
// was given, when a different -B is an error (exit 64, so FailedPrecondition),
// and neither goes with UDP. -S -Y ends text-only (-Y's default is applied last).
TEST(Flags, AuthenticationChoosesTheProtocol) {
  auto sasl = ParseOk({"-S"});
  EXPECT_TRUE(sasl->sasl);
  EXPECT_EQ(sasl->binding_protocol, BindingProtocol::kBinary);
  EXPECT_EQ(ParseOk({"-S", "-B", "binary"})->binding_protocol, BindingProtocol::kBinary);
  auto ascii = ParseOk({"--auth-file=/tmp/users"});
  EXPECT_EQ(ascii->auth_file, "/tmp/users");
  EXPECT_EQ(ascii->binding_protocol, BindingProtocol::kAscii);
  EXPECT_EQ(ParseOk({"-Y", "/tmp/users", "-B", "ascii"})->binding_protocol, BindingProtocol::kAscii);
  EXPECT_EQ(ParseOk({"-S", "-Y", "/tmp/users"})->binding_protocol, BindingProtocol::kAscii);
}

TEST(Flags, AuthenticationAgainstTheWrongProtocolIsRefusedAsMemcachedDoes) {
  const struct {
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {{"-S", "-B", "ascii"}, "ERROR: You cannot allow the ASCII protocol while using SASL."},
      {{"-S", "-B", "auto"}, "ERROR: You cannot allow the ASCII protocol while using SASL."},
      {{"-S", "-U", "11211"}, "ERROR: Cannot enable UDP while using binary SASL authentication."},
      {{"-Y", "/tmp/users", "-B", "binary"},
       "ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens."},
      {{"-Y", "/tmp/users", "-B", "auto"},
       "ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens."},
      {{"-Y", "/tmp/users", "-U", "11211"}, "Cannot use UDP with ascii authentication enabled (-U 0 to disable)"},
  };
  for (const auto& c : cases) {
    Parsed p = Parse(c.args);
    EXPECT_EQ(p.status.code(), absl::StatusCode::kFailedPrecondition) << c.message;
    EXPECT_EQ(p.status.message(), c.message);
  }
}

TEST(Flags, ParsingTwiceStartsFresh) {
  // getopt state is reset on every call (tests and main parse repeatedly).
  ExpectRejected({"-J"});
  EXPECT_EQ(ParseOk({"-p", "7"})->port, 7);
  EXPECT_EQ(ParseOk({"-t", "2"})->num_threads, 2);
}

// ---------------------------------------------------------------------------
// -o
// ---------------------------------------------------------------------------

absl::Status Ext(const std::string& option, Settings* s) { return ApplyExtendedOption(option, s); }

TEST(ExtendedOptions, Hashpower) {
  Settings s;
  EXPECT_OK(Ext("hashpower=20", &s));
  EXPECT_EQ(s.hashpower_init, 20);
  EXPECT_OK(Ext("hashpower=12", &s));
  EXPECT_OK(Ext("hashpower=32", &s));
  for (const char* bad : {"hashpower=11", "hashpower=33", "hashpower=abc", "hashpower=", "hashpower",
                          "hashpower=-1"}) {
    EXPECT_FALSE(Ext(bad, &s).ok()) << bad;
  }
}

TEST(ExtendedOptions, IdleTimeout) {
  Settings s;
  EXPECT_OK(Ext("idle_timeout=30", &s));
  EXPECT_EQ(s.idle_timeout, 30);
  EXPECT_OK(Ext("idle_timeout=0", &s));
  EXPECT_EQ(s.idle_timeout, 0);
  // memcached takes -1 (and then never times out); tandem refuses negatives.
  for (const char* bad : {"idle_timeout", "idle_timeout=", "idle_timeout=x", "idle_timeout=-1"}) {
    EXPECT_FALSE(Ext(bad, &s).ok()) << bad;
  }
}

TEST(ExtendedOptions, SlabChunkMaxIsBytesLikeMemcached) {
  // memcached 1.6.18 stores the number as bytes: `-o slab_chunk_max=16384`
  // shows `STAT slab_chunk_max 16384`.
  EXPECT_EQ(ParseOk({"-o", "slab_chunk_max=16384"})->slab_chunk_max, 16384u);
  EXPECT_EQ(ParseOk({"-o", "slab_chunk_max=1024"})->slab_chunk_max, 1024u);
  EXPECT_EQ(ParseOk({"-o", "slab_chunk_max=524288"})->slab_chunk_max, size_t{512} << 10);
  EXPECT_EQ(ParseOk({"-o", "slab_chunk_max=1048576"})->slab_chunk_max, size_t{1} << 20);
  // With -I, memcached's three rules.
  EXPECT_EQ(ParseOk({"-I", "1k", "-o", "slab_chunk_max=1024"})->slab_chunk_max, 1024u);
  EXPECT_EQ(ParseOk({"-I", "2m", "-o", "slab_chunk_max=16384"})->slab_chunk_max, 16384u);
  Parsed p = Parse({"-I", "4k", "-o", "slab_chunk_max=8192"});
  EXPECT_EQ(p.status.message(), "slab_chunk_max (bytes: 8192) cannot be larger than -I (item_size_max 4096)");
  p = Parse({"-I", "3k", "-o", "slab_chunk_max=2048"});
  EXPECT_EQ(p.status.message(), "-I (item_size_max: 3072) must be evenly divisible by slab_chunk_max (bytes: 2048)");
  p = Parse({"-I", "3k", "-o", "slab_chunk_max=3072"});
  EXPECT_EQ(p.status.message(), "slab_chunk_max (bytes: 3072) must divide evenly into 1048576 (slab_page_size)");
  for (const char* bad : {"slab_chunk_max", "slab_chunk_max=", "slab_chunk_max=x", "slab_chunk_max=-1",
                          "slab_chunk_max=0", "slab_chunk_max=2097152"}) {
    Settings s;
    EXPECT_FALSE(Ext(bad, &s).ok()) << bad;
  }
}

TEST(ExtendedOptions, CrawlerAndMaintainer) {
  std::unique_ptr<Settings> s = ParseOk({"-o", "no_lru_crawler"});
  EXPECT_FALSE(s->lru_crawler);
  EXPECT_TRUE(ParseOk({"-o", "no_lru_crawler,lru_crawler"})->lru_crawler);
  s = ParseOk({"-o", "no_lru_maintainer"});
  EXPECT_FALSE(s->lru_maintainer);
  EXPECT_FALSE(s->lru_segmented);  // memcached: no maintainer, no segmented LRU
  EXPECT_TRUE(ParseOk({"-o", "no_lru_maintainer,lru_maintainer"})->lru_maintainer);
}

TEST(ExtendedOptions, NoModernIsMemcached14Defaults) {
  // memcached 1.6.18 `-o no_modern` vs default `stats settings`.
  std::unique_ptr<Settings> s = ParseOk({"-o", "no_modern"});
  EXPECT_FALSE(s->lru_segmented);
  EXPECT_FALSE(s->lru_maintainer);
  EXPECT_FALSE(s->lru_crawler);
  EXPECT_FALSE(s->maxconns_fast);
  EXPECT_FALSE(s->slab_reassign);
  EXPECT_EQ(s->slab_automove, 0);
  EXPECT_EQ(s->hash_algorithm, "jenkins");
  EXPECT_EQ(s->slab_chunk_max, size_t{1} << 20);
  // An explicit slab_chunk_max survives no_modern.
  EXPECT_EQ(ParseOk({"-o", "slab_chunk_max=1024,no_modern"})->slab_chunk_max, 1024u);
  // -I over a page brings the chunk limit back to half a page.
  EXPECT_EQ(ParseOk({"-o", "no_modern", "-I", "2m"})->slab_chunk_max, size_t{512} << 10);
  // Later options win.
  EXPECT_TRUE(ParseOk({"-o", "no_modern,lru_crawler,maxconns_fast"})->lru_crawler);
}

TEST(ExtendedOptions, ModernChangesNothing) {
  std::unique_ptr<Settings> s = ParseOk({"-o", "modern"});
  std::unique_ptr<Settings> d = ParseOk({});
  EXPECT_EQ(s->lru_segmented, d->lru_segmented);
  EXPECT_EQ(s->lru_maintainer, d->lru_maintainer);
  EXPECT_EQ(s->lru_crawler, d->lru_crawler);
  EXPECT_EQ(s->slab_chunk_max, d->slab_chunk_max);
  EXPECT_EQ(s->hash_algorithm, d->hash_algorithm);
}

TEST(ExtendedOptions, MaxconnsFast) {
  EXPECT_FALSE(ParseOk({"-o", "no_maxconns_fast"})->maxconns_fast);
  EXPECT_TRUE(ParseOk({"-o", "no_maxconns_fast,maxconns_fast"})->maxconns_fast);
}

TEST(ExtendedOptions, HashAlgorithm) {
  for (const char* alg : {"jenkins", "murmur3", "xxh3"}) {
    Settings s;
    EXPECT_OK(Ext(std::string("hash_algorithm=") + alg, &s));
    EXPECT_EQ(s.hash_algorithm, alg);
  }
  Settings s;
  EXPECT_FALSE(Ext("hash_algorithm=md5", &s).ok());
  EXPECT_FALSE(Ext("hash_algorithm", &s).ok());
}

TEST(ExtendedOptions, SlabOptions) {
  std::unique_ptr<Settings> s = ParseOk({"-o", "no_slab_reassign,no_slab_automove"});
  EXPECT_FALSE(s->slab_reassign);
  EXPECT_EQ(s->slab_automove, 0);
  s = ParseOk({"-o", "slab_reassign,slab_automove=2"});
  EXPECT_TRUE(s->slab_reassign);
  EXPECT_EQ(s->slab_automove, 2);
  EXPECT_EQ(ParseOk({"-o", "no_slab_automove,slab_automove"})->slab_automove, 1);
  ExpectRejected({"-o", "slab_automove=3"});
  EXPECT_EQ(ParseOk({"-o", "no_chunked_items"})->slab_chunk_max, size_t{1} << 20);
  s = ParseOk({"-o", "slab_automove_ratio=0.5,slab_automove_window=10"});
  EXPECT_DOUBLE_EQ(s->slab_automove_ratio, 0.5);
  EXPECT_EQ(s->slab_automove_window, 10);
  EXPECT_TRUE(s->inert_options.empty());
  for (const char* bad : {"slab_automove_ratio=0", "slab_automove_ratio=1", "slab_automove_ratio=x"}) {
    Parsed p = Parse({"-o", bad});
    EXPECT_EQ(p.status.message(), "slab_automove_ratio must be > 0 and < 1") << bad;
  }
  for (const char* bad : {"slab_automove_window=2", "slab_automove_window=x", "slab_automove_window=-3"}) {
    Parsed p = Parse({"-o", bad});
    EXPECT_EQ(p.status.message(), "slab_automove_window must be > 2") << bad;
  }
}

TEST(ExtendedOptions, LruTunables) {
  std::unique_ptr<Settings> s =
      ParseOk({"-o", "hot_lru_pct=10,warm_lru_pct=30,hot_max_factor=0.5,warm_max_factor=3,"
                     "lru_crawler_sleep=200,lru_crawler_tocrawl=50,tail_repair_time=30,temporary_ttl=5"});
  EXPECT_EQ(s->hot_lru_pct, 10);
  EXPECT_EQ(s->warm_lru_pct, 30);
  EXPECT_DOUBLE_EQ(s->hot_max_factor, 0.5);
  EXPECT_DOUBLE_EQ(s->warm_max_factor, 3.0);
  EXPECT_EQ(s->lru_crawler_sleep, 200);
  EXPECT_EQ(s->lru_crawler_tocrawl, 50);
  EXPECT_EQ(s->tail_repair_time, 30);
  EXPECT_TRUE(s->temp_lru);
  EXPECT_EQ(s->temporary_ttl, 5);
  // memcached's cross-option rules.
  Parsed p = Parse({"-o", "hot_lru_pct=70,warm_lru_pct=20"});
  EXPECT_EQ(p.status.message(), "hot_lru_pct + warm_lru_pct cannot be more than 80% combined");
  p = Parse({"-o", "no_lru_maintainer,temporary_ttl=5"});
  EXPECT_EQ(p.status.message(), "temporary_ttl requires lru_maintainer to be enabled");
  ExpectRejected({"-o", "lru_crawler_sleep=2000000"});
  ExpectRejected({"-o", "hot_max_factor=abc"});
  // memcached's wording for the factors and the repair time.
  p = Parse({"-o", "hot_max_factor=0"});
  EXPECT_EQ(p.status.message(), "hot_max_factor must be > 0");
  p = Parse({"-o", "warm_max_factor=-1"});
  EXPECT_EQ(p.status.message(), "warm_max_factor must be > 0");
  for (const char* t : {"tail_repair_time=0", "tail_repair_time=9"}) {
    p = Parse({"-o", t});
    EXPECT_EQ(p.status.message(), "Cannot set tail_repair_time to less than 10 seconds") << t;
  }
  EXPECT_EQ(ParseOk({"-o", "tail_repair_time=10"})->tail_repair_time, 10);
  ExpectRejected({"-o", "hot_lru_pct=0"});
}

TEST(ExtendedOptions, BufferSizesAreKilobytes) {
  std::unique_ptr<Settings> s =
      ParseOk({"-o", "watcher_logbuf_size=128,worker_logbuf_size=32,read_buf_mem_limit=10,track_sizes,no_hashexpand"});
  EXPECT_EQ(s->watcher_logbuf_size, size_t{128} << 10);
  EXPECT_EQ(s->worker_logbuf_size, size_t{32} << 10);
  EXPECT_EQ(s->read_buf_mem_limit, size_t{10} << 20);  // megabytes, as in memcached
  EXPECT_TRUE(s->track_sizes);
  EXPECT_FALSE(s->hash_expand);
}

TEST(ExtendedOptions, InertOptionsAreRecorded) {
  std::unique_ptr<Settings> s =
      ParseOk({"-o", "ext_page_size=8,ext_threads=2", "-o", "ext_item_size=100,inline_ascii_resp"});
  EXPECT_THAT(s->inert_options,
              ElementsAre(Pair("ext_page_size", "8"), Pair("ext_threads", "2"),
                          Pair("ext_item_size", "100"), Pair("inline_ascii_resp", "")));
  for (const char* opt : {"slab_automove_freeratio=0.5", "no_inline_ascii_resp", "ext_threads=2"}) {
    Settings one;
    EXPECT_OK(Ext(opt, &one)) << opt;
    EXPECT_EQ(one.inert_options.size(), 1u) << opt;
  }
}

TEST(ExtendedOptions, UnknownOptionIsAnError) {
  Parsed p = Parse({"-o", "foo"});
  EXPECT_EQ(p.status.message(), "Illegal suboption \"foo\"");
  p = Parse({"-o", "idle_timeout=5,bogus=1"});
  EXPECT_EQ(p.status.message(), "Illegal suboption \"bogus=1\"");
  // Names memcached 1.6.18 itself refuses.
  for (const char* opt : {"lru_segmented", "napi_ids=1", "memory_file=/tmp/x", "HASHPOWER=20", " idle_timeout=1"}) {
    Settings s;
    EXPECT_FALSE(Ext(opt, &s).ok()) << opt;
  }
}

// Every option that needs a value says so in memcached's words, whether the
// '=' is missing or the value after it is empty.
TEST(ExtendedOptions, MissingValuesAreNamed) {
  for (const char* name :
       {"hashpower", "idle_timeout", "slab_chunk_max", "hash_algorithm", "lru_crawler_sleep", "lru_crawler_tocrawl",
        "tail_repair_time", "hot_lru_pct", "warm_lru_pct", "hot_max_factor", "warm_max_factor", "temporary_ttl",
        "watcher_logbuf_size", "worker_logbuf_size", "read_buf_mem_limit", "slab_automove_ratio",
        "slab_automove_window"}) {
    for (const std::string& opt : {std::string(name), std::string(name) + "="}) {
      Settings s;
      EXPECT_EQ(Ext(opt, &s).message(), "Missing value for -o " + std::string(name)) << opt;
    }
  }
}

TEST(ExtendedOptions, RangeErrorsNameTheOption) {
  Settings s;
  EXPECT_EQ(Ext("lru_crawler_tocrawl=-1", &s).message(), "invalid value for -o lru_crawler_tocrawl: \"-1\"");
  EXPECT_EQ(Ext("warm_lru_pct=81", &s).message(), "invalid value for -o warm_lru_pct: \"81\"");
  EXPECT_EQ(Ext("worker_logbuf_size=x", &s).message(), "invalid value for -o worker_logbuf_size: \"x\"");
  EXPECT_EQ(Ext("hashpower=40", &s).message(), "Initial hashtable multiplier of 40 is out of range (12..32)");
  EXPECT_EQ(Ext("hash_algorithm=md5", &s).message(), "Unknown hash_algorithm option: md5");
  // slab_automove alone means level 1; with '=' the level must be there.
  EXPECT_EQ(Ext("slab_automove=", &s).message(), "invalid value for -o slab_automove: \"\"");
  EXPECT_EQ(Ext("slab_automove=3", &s).message(), "invalid value for -o slab_automove: \"3\"");
}

// A switch ignores anything after '=': "lru_crawler=0" turns the crawler on.
TEST(ExtendedOptions, SwitchesIgnoreAValue) {
  EXPECT_TRUE(ParseOk({"-o", "no_lru_crawler,lru_crawler=0"})->lru_crawler);
  EXPECT_FALSE(ParseOk({"-o", "no_maxconns_fast=1"})->maxconns_fast);
  EXPECT_TRUE(ParseOk({"-o", "track_sizes=no"})->track_sizes);
  EXPECT_FALSE(ParseOk({"-o", "no_hashexpand="})->hash_expand);
}

TEST(ExtendedOptions, EveryInertOptionIsRecorded) {
  for (const char* name :
       {"ext_page_size", "ext_wbuf_size", "ext_threads", "ext_item_size", "ext_item_age",
        "ext_low_ttl", "ext_drop_unread", "ext_recache_rate", "ext_compact_under", "ext_drop_under",
        "ext_max_frag", "ext_max_sleep", "slab_automove_freeratio", "no_inline_ascii_resp", "inline_ascii_resp"}) {
    Settings s;
    EXPECT_OK(Ext(std::string(name) + "=v", &s)) << name;
    EXPECT_THAT(s.inert_options, ElementsAre(Pair(name, "v")));
  }
}

// Features tandem does not have stop start-up with a line that names them
// (exit 1, ExitCodeFor), instead of running without them.
TEST(ExtendedOptions, ExtstoreAndProxyAreRefused) {
  Parsed p = Parse({"-o", "ext_path=/tmp/none:64m"});
  EXPECT_EQ(p.status.message(), "extstore is not supported (-o ext_path)");
  EXPECT_EQ(ExitCodeFor(p.status), 1);
  p = Parse({"-o", "idle_timeout=5,proxy_config=/etc/proxy.lua"});
  EXPECT_EQ(p.status.message(), "the proxy is not supported (-o proxy_config)");
  EXPECT_EQ(ExitCodeFor(p.status), 1);
}

// memcached's _parse_slab_sizes rules and words; its exit code is EX_USAGE.
TEST(ExtendedOptions, SlabSizes) {
  std::unique_ptr<Settings> s = ParseOk({"-o", "slab_sizes=100-200-1000"});
  EXPECT_THAT(s->slab_sizes, ElementsAre(100u, 200u, 1000u));
  EXPECT_TRUE(s->inert_options.empty());
  const std::pair<const char*, const char*> bad[] = {
      {"slab_sizes=100-50", "slab size 50 cannot be lower than or equal to a previous class size"},
      {"slab_sizes=100-104", "slab size 104 must be at least 8 bytes larger than previous class"},
      {"slab_sizes=10", "slab size 10 is out of valid range"},
      {"slab_sizes=100-x", "slab size 0 is out of valid range"},
      {"slab_sizes=100-600000", "slab size 600000 is out of valid range"},
  };
  for (const auto& [opt, message] : bad) {
    Parsed p = Parse({"-o", opt});
    EXPECT_EQ(p.status.message(), message) << opt;
    EXPECT_EQ(ExitCodeFor(p.status), 64) << opt;
  }
  std::string many = "slab_sizes=100";
  for (int i = 1; i < 63; ++i) many += "-" + std::to_string(100 + 16 * i);
  EXPECT_EQ(Parse({"-o", many}).status.message(), "too many slab classes specified");
}

TEST(ExtendedOptions, SockCookieId) {
  EXPECT_EQ(ParseOk({"-o", "sock_cookie_id=42"})->sock_cookie_id, 42u);
  EXPECT_EQ(ParseOk({"-o", "sock_cookie_id=x"})->sock_cookie_id, 0u);  // memcached ignores a bad number
}

// -Z's options (server/tls_flags.cc), with memcached's messages.
TEST(ExtendedOptions, SslOptionsLandInSettings) {
  std::unique_ptr<Settings> s = ParseOk(
      {"-Z", "-o", "ssl_chain_cert=/c.pem,ssl_key=/k.pem,ssl_verify_mode=2,ssl_keyformat=2,ssl_ciphers=HIGH",
       "-o", "ssl_ca_cert=/ca.pem,ssl_wbuf_size=32,ssl_session_cache,ssl_kernel_tls,ssl_min_version=3"});
  EXPECT_TRUE(s->ssl_enabled);
  EXPECT_EQ(s->ssl_chain_cert, "/c.pem");
  EXPECT_EQ(s->ssl_key, "/k.pem");
  EXPECT_EQ(s->ssl_verify_mode, 2);
  EXPECT_EQ(s->ssl_keyformat, 2);
  EXPECT_EQ(s->ssl_ciphers, "HIGH");
  EXPECT_EQ(s->ssl_ca_cert, "/ca.pem");
  EXPECT_EQ(s->ssl_wbuf_size, size_t{32} << 10);
  EXPECT_TRUE(s->ssl_session_cache);
  EXPECT_TRUE(s->ssl_kernel_tls);
  EXPECT_EQ(s->ssl_min_version, 3);
  EXPECT_TRUE(s->inert_options.empty());
  EXPECT_TRUE(ParseOk({"--enable-ssl"})->ssl_enabled);
}

TEST(ExtendedOptions, SslOptionMistakesUseMemcachedsWords) {
  const std::pair<const char*, const char*> cases[] = {
      {"ssl_verify_mode=4", "Invalid ssl_verify_mode. Use help to see valid options."},
      {"ssl_verify_mode=x", "could not parse argument to ssl_verify_mode"},
      {"ssl_min_version=4", "Invalid ssl_min_version. Use help to see valid options."},
      {"ssl_wbuf_size=x", "could not parse argument to ssl_wbuf_size"},
      {"ssl_chain_cert", "Missing ssl_chain_cert argument"},
      {"ssl_key", "Missing ssl_key argument"},
  };
  for (const auto& [opt, message] : cases) {
    Settings s;
    absl::Status st = Ext(opt, &s);
    EXPECT_EQ(st.message(), message) << opt;
  }
}

// The `-o options:` lines of -h, byte for byte (they come from the table).
TEST(ExtendedOptions, UsageLines) {
  EXPECT_THAT(UsageText(),
              ::testing::EndsWith(
                  "-o, --extended=<value>            comma separated list of extended options\n"
                  "-o options: maxconns_fast, hashpower, idle_timeout, slab_chunk_max, lru_crawler,\n"
                  "  no_lru_crawler, lru_maintainer, no_lru_maintainer, modern, no_modern,\n"
                  "  hash_algorithm, and memcached's other options (accepted, shown in stats settings)\n"));
}

TEST(ExtendedOptions, SeveralOptionsInOneFlag) {
  std::unique_ptr<Settings> s = ParseOk({"-o", "hashpower=16,idle_timeout=3,,no_lru_crawler", "--extended=modern"});
  EXPECT_EQ(s->hashpower_init, 16);
  EXPECT_EQ(s->idle_timeout, 3);
  EXPECT_FALSE(s->lru_crawler);
}

// ---------------------------------------------------------------------------
// Replication flags (repcached's -x/-X and tandem's --repl-*).
// ---------------------------------------------------------------------------

TEST(ReplicationFlags, OffByDefault) {
  std::unique_ptr<Settings> s = ParseOk({});
  EXPECT_FALSE(s->replication_enabled());
  EXPECT_EQ(s->repl_port, 0);
  EXPECT_EQ(s->repl_heartbeat_ms, 200);
  EXPECT_EQ(s->repl_timeout_ms, 1000);
  EXPECT_EQ(s->repl_backlog_bytes, size_t{64} << 20);
  EXPECT_FALSE(s->repl_sync);
}

TEST(ReplicationFlags, RepcachedStyle) {
  std::unique_ptr<Settings> master = ParseOk({"-X", "11300"});
  EXPECT_TRUE(master->replication_enabled());
  EXPECT_EQ(master->repl_port, 11300);
  EXPECT_TRUE(master->repl_peer.empty());
  std::unique_ptr<Settings> slave = ParseOk({"-x", "10.0.0.1", "-X", "11300"});
  EXPECT_EQ(slave->repl_peer, "10.0.0.1");
  EXPECT_EQ(slave->repl_port, 11300);
  // -x alone: the default replication port.
  std::unique_ptr<Settings> only_peer = ParseOk({"-x", "10.0.0.1"});
  EXPECT_EQ(only_peer->repl_port, 11212);
}

TEST(ReplicationFlags, LongFormsAndSymmetricStart) {
  std::unique_ptr<Settings> s = ParseOk({"--peer=127.0.0.1:11400", "--repl-port=11401", "--repl-secret=/tmp/s",
                                         "--repl-sync", "--repl-sync-timeout=250", "--repl-backlog=8",
                                         "--repl-heartbeat-ms=50", "--repl-timeout-ms=400"});
  EXPECT_EQ(s->repl_peer, "127.0.0.1:11400");
  EXPECT_EQ(s->repl_port, 11401);
  EXPECT_EQ(s->repl_secret_file, "/tmp/s");
  EXPECT_TRUE(s->repl_sync);
  EXPECT_EQ(s->repl_sync_timeout_ms, 250);
  EXPECT_EQ(s->repl_backlog_bytes, size_t{8} << 20);
  EXPECT_EQ(s->repl_heartbeat_ms, 50);
  EXPECT_EQ(s->repl_timeout_ms, 400);
}

TEST(ReplicationFlags, BadValuesAreRejected) {
  ExpectRejected({"-X", "0"});
  ExpectRejected({"-X", "70000"});
  ExpectRejected({"-x", ""});
  ExpectRejected({"-x", "host:notaport"});
  ExpectRejected({"-x", "host:0"});
  ExpectRejected({"--repl-backlog=0"});
  ExpectRejected({"--repl-heartbeat-ms=x"});
  ExpectRejected({"--repl-secret="});
  // A timeout no longer than the heartbeat would drop every healthy link.
  ExpectRejected({"-X", "11212", "--repl-heartbeat-ms=500", "--repl-timeout-ms=500"});
  // memcached's -X lives on as --disable-dumping.
  EXPECT_FALSE(ParseOk({"--disable-dumping"})->dump_enabled);
}

// -X followed by a number is repcached's port; -X alone (or before another
// flag, as a memcached.conf line) is memcached's disable-dumping.
TEST(ReplicationFlags, DashXTakesAnOptionalPort) {
  std::unique_ptr<Settings> dump_off = ParseOk({"-X", "-o", "idle_timeout=5"});
  EXPECT_FALSE(dump_off->dump_enabled);
  EXPECT_FALSE(dump_off->replication_enabled());
  EXPECT_EQ(dump_off->idle_timeout, 5);
  EXPECT_FALSE(ParseOk({"-p", "11211", "-X"})->dump_enabled);
  std::unique_ptr<Settings> port = ParseOk({"-X", "11300", "-v"});
  EXPECT_TRUE(port->dump_enabled);
  EXPECT_EQ(port->repl_port, 11300);
  EXPECT_EQ(ParseOk({"-X11301"})->repl_port, 11301);
  EXPECT_EQ(ParseOk({"--repl-port=11302"})->repl_port, 11302);
  std::unique_ptr<Settings> both = ParseOk({"-X", "-X", "11303"});
  EXPECT_FALSE(both->dump_enabled);
  EXPECT_EQ(both->repl_port, 11303);
  ExpectRejected({"-X", "-1"});
  ExpectRejected({"-X", "123456"});
}

}  // namespace
}  // namespace tandem::server

namespace tandem::server {
namespace {

// Long-only flags share a numeric id space; two flags with one id would
// both parse and one would silently set the other's field. Each reaches its
// own setting here.
TEST(LongOnlyFlags, EachReachesItsOwnSetting) {
  std::unique_ptr<Settings> s = ParseOk(
      {"-X", "11300", "--repl-tls-cert=/c", "--repl-tls-key=/k", "--repl-tls-ca=/a",
       "--repl-max-skew-ms=1234", "--debug-clock-offset-ms=-5000", "--repl-tombstone-ms=77",
       "--repl-tombstone-mb=3", "--repl-timeout-ms=900", "--repl-heartbeat-ms=150",
       "--repl-sync-timeout=40", "--repl-backlog=8", "--repl-antientropy-s=7",
       "--debug-drop-outgoing-records=3", "--repl-stream-batch-us=350"});
  EXPECT_EQ(s->repl_tls_cert_file, "/c");
  EXPECT_EQ(s->repl_tls_key_file, "/k");
  EXPECT_EQ(s->repl_tls_ca_file, "/a");
  EXPECT_EQ(s->repl_max_skew_ms, 1234);
  EXPECT_EQ(s->debug_clock_offset_ms, -5000);
  EXPECT_EQ(s->repl_antientropy_s, 7);
  EXPECT_EQ(s->debug_drop_outgoing_records, 3u);
  EXPECT_EQ(s->repl_stream_batch_us, 350);
}

TEST(LongOnlyFlags, ReplStreamBatchUsIsBounded) {
  EXPECT_EQ(ParseOk({"-X", "11300"})->repl_stream_batch_us, 200);
  EXPECT_EQ(ParseOk({"-X", "11300", "--repl-stream-batch-us=0"})->repl_stream_batch_us, 0);
  ExpectRejected({"-X", "11300", "--repl-stream-batch-us=-1"});
  ExpectRejected({"-X", "11300", "--repl-stream-batch-us=100001"});
}

TEST(LongOnlyFlags, ReplSyncTakesAnOptionalStrict) {
  std::unique_ptr<Settings> plain = ParseOk({"-X", "11300", "--repl-sync", "--repl-sync-timeout=40"});
  EXPECT_TRUE(plain->repl_sync);
  EXPECT_FALSE(plain->repl_sync_strict);
  EXPECT_EQ(plain->repl_sync_timeout_ms, 40);
  std::unique_ptr<Settings> strict = ParseOk({"-X", "11300", "--repl-sync=strict", "--repl-backlog=8"});
  EXPECT_TRUE(strict->repl_sync);
  EXPECT_TRUE(strict->repl_sync_strict);
  std::unique_ptr<Settings> off = ParseOk({"-X", "11300"});
  EXPECT_FALSE(off->repl_sync);
  EXPECT_FALSE(off->repl_sync_strict);
  ExpectRejected({"-X", "11300", "--repl-sync=maybe"});
}

}  // namespace
}  // namespace tandem::server
