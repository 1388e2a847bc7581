// Differential tests: every case of the corpus (corpus/*.txt, format in
// tests/support/corpus.h) is sent to real memcached and to tandemd started
// with the same flags; the scrubbed replies must be byte-identical. One
// gtest per case, so a failure names the case.
//
// Environment:
//   TANDEM_DIFF_TARGET=/path/to/binary  the "tandem" side (default:
//                                       build/bin/tandemd). Point it at
//                                       /usr/bin/memcached to check the
//                                       harness and corpus themselves.
//   TANDEM_DIFF_REFERENCE=/path          the reference (default
//                                       /usr/bin/memcached).
//   TANDEM_DIFF_DUMP=/path/file          append every case's request and
//                                       the reference's raw reply to this
//                                       file (to read what memcached does).
//   TANDEM_DIFF_TLS=all|off              CorpusOverTls runs a quarter of the
//                                       cases with both servers under -Z
//                                       and every byte over TLS; "all" runs
//                                       every case so (tests/support/tls_mode.h).
//
// Isolation: before each case a flush_all goes to both servers on its own
// connection, then the case runs on a fresh connection. After the case's
// bytes a sentinel (set + get of a private key with a per-case value) is
// sent; its reply marks the end of the case's replies, so no quiet-period
// guessing is needed. Both sides run concurrently, so sleeps cost once.
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/support/corpus.h"
#include "tests/support/raw_socket.h"
#include "tests/support/scrub.h"
#include "tests/support/server_process.h"
#include "tests/support/tls_mode.h"

namespace tandem::testing {
namespace {

constexpr char kCorpusDir[] = TANDEM_SOURCE_DIR "/tests/differential/corpus";

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}

std::string ReferenceBinary() { return EnvOr("TANDEM_DIFF_REFERENCE", MemcachedPath()); }
std::string TargetBinary() { return EnvOr("TANDEM_DIFF_TARGET", TandemdPath()); }

const std::vector<CorpusCase>& Corpus() {
  static const std::vector<CorpusCase>* corpus = [] {
    auto loaded = LoadCorpusDir(kCorpusDir);
    if (!loaded.ok()) {
      // A broken corpus must fail loudly, not silently run zero tests.
      fprintf(stderr, "differential corpus error: %s\n", loaded.status().ToString().c_str());
      std::abort();
    }
    return new std::vector<CorpusCase>(std::move(*loaded));
  }();
  return *corpus;
}

// Killed, not SIGTERMed, when done: shutdown is not under test here and
// memcached takes up to a second to exit after SIGTERM.
struct ServerPair {
  ServerPair() = default;
  ServerPair(ServerPair&&) = default;
  ServerPair& operator=(ServerPair&&) = default;
  ~ServerPair() {
    if (reference) reference->Kill();
    if (target) target->Kill();
  }
  std::unique_ptr<ServerProcess> reference;
  std::unique_ptr<ServerProcess> target;
};

absl::StatusOr<std::unique_ptr<ServerProcess>> StartServer(const std::string& binary, const std::string& flags) {
  ServerOptions options;
  options.binary = binary;
  options.args = absl::StrSplit(flags, ' ', absl::SkipEmpty());
  return ServerProcess::Start(options);
}

absl::StatusOr<ServerPair> StartPair(const std::string& flags) {
  ServerPair pair;
  auto ref = StartServer(ReferenceBinary(), flags);
  if (!ref.ok()) return ref.status();
  auto target = StartServer(TargetBinary(), flags);
  if (!target.ok()) return target.status();
  pair.reference = std::move(*ref);
  pair.target = std::move(*target);
  return pair;
}

// What one server answered to one case, before scrubbing.
struct Outcome {
  std::string bytes;
  bool closed = false;
  bool timed_out = false;
  std::string error;  // harness-level failure (connect/send)

  std::string Render() const {
    std::string s = bytes;
    if (closed) s += "<connection closed>";
    if (timed_out) s += "<timed out>";
    if (!error.empty()) s += "<harness error: " + error + ">";
    return s;
  }
};

Outcome RunCase(int port, const CorpusCase& c, size_t index, bool pre_flush, bool tls) {
  Outcome out;
  if (pre_flush) {
    auto flusher = ConnectMaybeTls(port, tls);
    if (!flusher.ok()) {
      out.error = flusher.status().ToString();
      return out;
    }
    absl::Status s = flusher->Send("flush_all\r\n");
    auto ok = s.ok() ? flusher->ReadUntil("\r\n") : absl::StatusOr<std::string>(s);
    if (!ok.ok()) {
      out.error = "pre-case flush_all: " + ok.status().ToString();
      return out;
    }
  }
  auto sock = ConnectMaybeTls(port, tls);
  if (!sock.ok()) {
    out.error = sock.status().ToString();
    return out;
  }
  for (const CorpusStep& step : c.steps) {
    if (!step.send.empty()) {
      absl::Status s = c.bytewise ? sock->SendByteAtATime(step.send) : sock->Send(step.send);
      // A server may close mid-case (that is part of the reply); stop
      // sending and report what came back.
      if (!s.ok()) break;
    }
    if (step.sleep > absl::ZeroDuration()) std::this_thread::sleep_for(absl::ToChronoMilliseconds(step.sleep));
  }
  if (c.sentinel) {
    std::string value = absl::StrCat("sentinel-", index);
    std::string key = "tandem_diff_sentinel";
    std::string request = absl::StrCat("set ", key, " 0 0 ", value.size(), "\r\n", value, "\r\nget ", key, "\r\n");
    std::string reply = absl::StrCat("STORED\r\nVALUE ", key, " 0 ", value.size(), "\r\n", value, "\r\nEND\r\n");
    (void)sock->Send(request);
    RawSocket::ReadResult r = sock->ReadUntilOrClose(reply, c.timeout);
    out.closed = r.closed;
    out.timed_out = r.timed_out;
    out.bytes = std::move(r.data);
    if (r.found) out.bytes.resize(out.bytes.size() - reply.size());
  } else {
    std::string got = sock->ReadAvailable(absl::Milliseconds(300), c.timeout);
    out.closed = sock->peer_closed();
    out.bytes = std::move(got);
  }
  return out;
}

class DifferentialTest : public ::testing::TestWithParam<size_t> {
 protected:
  static void TearDownTestSuite() { pairs().clear(); }

  static std::map<std::string, ServerPair>& pairs() {
    static auto* p = new std::map<std::string, ServerPair>();
    return *p;
  }
};

// Runs case `index` against both servers, over TLS (both under -Z) or not.
void RunDifferentialCase(size_t index, bool tls, std::map<std::string, ServerPair>& pairs) {
  const CorpusCase& c = Corpus()[index];
  if (!IsExecutable(ReferenceBinary())) {
    GTEST_SKIP() << "reference server " << ReferenceBinary()
                 << " not found: install the Debian package `memcached` to run differential tests";
  }
  ASSERT_TRUE(IsExecutable(TargetBinary()))
      << "target server " << TargetBinary() << " not found (build tandemd, or set TANDEM_DIFF_TARGET)";

  const std::string flags = tls ? c.flags + TlsServerFlags() : c.flags;
  ServerPair fresh_pair;
  ServerPair* pair = nullptr;
  if (c.fresh) {
    auto started = StartPair(flags);
    ASSERT_TRUE(started.ok()) << started.status();
    fresh_pair = std::move(*started);
    pair = &fresh_pair;
  } else {
    auto it = pairs.find(flags);
    if (it == pairs.end()) {
      auto started = StartPair(flags);
      ASSERT_TRUE(started.ok()) << started.status();
      it = pairs.emplace(flags, std::move(*started)).first;
    }
    pair = &it->second;
  }

  Outcome reference, target;
  std::thread ref_thread([&] { reference = RunCase(pair->reference->port(), c, index, !c.fresh, tls); });
  target = RunCase(pair->target->port(), c, index, !c.fresh, tls);
  ref_thread.join();

  ASSERT_TRUE(reference.error.empty()) << "harness error against the reference: " << reference.error;
  ASSERT_FALSE(reference.timed_out) << "corpus bug in " << c.location
                                    << ": the reference server timed out (mark the case @nosentinel?)\n"
                                    << EscapeBytes(reference.Render());

  if (const char* dump = std::getenv("TANDEM_DIFF_DUMP"); dump != nullptr && *dump != '\0') {
    std::ofstream out(dump, std::ios::app | std::ios::binary);
    out << "=== " << c.name << " (" << c.location << ") flags \"" << c.flags << "\"\n--- request\n"
        << EscapeBytes(c.AllBytes().substr(0, 3000)) << "\n--- reference reply\n"
        << EscapeBytes(reference.Render().substr(0, 3000)) << "\n\n";
  }

  ScrubOptions scrub;
  scrub.keep_stat_values.insert(c.keep_stat_values.begin(), c.keep_stat_values.end());
  std::string want = Scrub(reference.Render(), scrub);
  std::string got = Scrub(target.Render(), scrub);
  EXPECT_EQ(EscapeBytes(want), EscapeBytes(got))
      << "case " << c.name << " (" << c.location << "), flags \"" << c.flags << "\"\nrequest:\n"
      << EscapeBytes(c.AllBytes().substr(0, 4000));

  // A server that crashed on this case must not pass silently.
  bool alive = pair->target->IsRunning();
  EXPECT_TRUE(alive) << "target server died; its output:\n" << pair->target->CapturedOutput();
  if (!alive && !c.fresh) pairs.erase(flags);  // restart it for the next case
}

TEST_P(DifferentialTest, SameReplyAsMemcached) { RunDifferentialCase(GetParam(), /*tls=*/false, pairs()); }

// The same cases with both servers under -Z, over TLS (a quarter of them
// unless TANDEM_DIFF_TLS=all).
class DifferentialTlsTest : public DifferentialTest {};

TEST_P(DifferentialTlsTest, SameReplyAsMemcachedOverTls) {
  RunDifferentialCase(GetParam(), /*tls=*/true, pairs());
}

std::string CaseName(const ::testing::TestParamInfo<size_t>& info) { return Corpus()[info.param].name; }

std::vector<size_t> AllCaseIndexes() {
  std::vector<size_t> v(Corpus().size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = i;
  return v;
}

INSTANTIATE_TEST_SUITE_P(Corpus, DifferentialTest, ::testing::ValuesIn(AllCaseIndexes()), CaseName);
INSTANTIATE_TEST_SUITE_P(CorpusOverTls, DifferentialTlsTest, ::testing::ValuesIn(TlsCaseIndexes(Corpus().size())),
                         CaseName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(DifferentialTlsTest);

}  // namespace
}  // namespace tandem::testing
