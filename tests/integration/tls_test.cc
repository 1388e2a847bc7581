// TLS for client connections (-Z and memcached's ssl_* options): a real
// tandemd with throw-away certificates (tests/support/test_certificates.h),
// driven by an OpenSSL client (RawSocket::ConnectTls), replies compared byte
// for byte. memcached 1.6.18 is the reference for every reply and message
// here (TANDEM_TEST_SERVER=/usr/bin/memcached runs the tests against it;
// the checks marked tandem-only are where memcached differs, see README).
#include <openssl/ssl.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"
#include "tests/support/status_helpers.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_certificates.h"

namespace tandem::testing {
namespace {

using ::testing::HasSubstr;

bool IsTandemd() { return ServerUnderTestPath() == TandemdPath(); }

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new TestCertificates();
    for (const char* ca : {"tls-ca", "other-ca"}) ASSERT_TRUE(certs_->MakeCa(ca).ok());
    for (const char* name : {"server-a", "server-b", "client"}) ASSERT_TRUE(certs_->MakeCert(name, "tls-ca").ok());
    ASSERT_TRUE(certs_->MakeCert("stranger", "other-ca").ok());
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  // -Z with server-a's certificate, plus `options` (comma-separated -o text).
  static std::vector<std::string> TlsArgs(const std::string& options = "") {
    std::string o = absl::StrCat("ssl_chain_cert=", certs_->Pem("server-a"), ",ssl_key=", certs_->Key("server-a"));
    if (!options.empty()) absl::StrAppend(&o, ",", options);
    return {"-Z", "-o", o};
  }

  void Start(std::vector<std::string> args, int extra_ports = 0) {
    ServerOptions options;
    options.binary = ServerUnderTestPath();
    options.args = std::move(args);
    options.extra_port_count = extra_ports;
    auto server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  // A client that verifies the server against tls-ca.
  static TlsClientOptions Verified() {
    TlsClientOptions o;
    o.ca_file = certs_->Pem("tls-ca");
    return o;
  }
  static TlsClientOptions WithCertificate(const std::string& name) {
    TlsClientOptions o = Verified();
    o.cert_file = certs_->Pem(name);
    o.key_file = certs_->Key(name);
    return o;
  }

  static std::string Exchange(RawSocket& sock, std::string_view request, size_t expected_size) {
    if (absl::Status s = sock.Send(request); !s.ok()) return "<send failed: " + s.ToString() + ">";
    auto got = sock.ReadExactly(expected_size);
    if (got.ok()) return *got;
    return sock.ReadAvailable(absl::Milliseconds(50)) + "<" + got.status().ToString() + ">";
  }
  static void ExpectExchange(RawSocket& sock, std::string_view request, std::string_view expected) {
    EXPECT_EQ(EscapeBytes(expected), EscapeBytes(Exchange(sock, request, expected.size())))
        << "request: " << EscapeBytes(request.substr(0, 300));
  }

  // One `stats` (or `stats settings`) field over a TLS connection; "" if absent.
  std::string Stat(const std::string& name, const std::string& report = "stats") {
    absl::StatusOr<RawSocket> sock = RawSocket::ConnectTls(server_->port(), WithCertificate("client"));
    if (!sock.ok() || !sock->Send(report + "\r\n").ok()) return "<no connection>";
    absl::StatusOr<std::string> all = sock->ReadUntil("END\r\n");
    if (!all.ok()) return "<no reply>";
    const std::string prefix = absl::StrCat("STAT ", name, " ");
    size_t at = all->find(prefix);
    if (at == std::string::npos) return "";
    at += prefix.size();
    return all->substr(at, all->find("\r\n", at) - at);
  }
  uint64_t Counter(const std::string& name) {
    uint64_t v = 0;
    EXPECT_TRUE(absl::SimpleAtoi(Stat(name), &v)) << name;
    return v;
  }

  // A request the server must refuse at the TLS level: no reply, closed.
  void ExpectRefused(const TlsClientOptions& client) {
    absl::StatusOr<RawSocket> sock = RawSocket::ConnectTls(server_->port(), client);
    if (!sock.ok()) return;  // refused during the handshake (TLS 1.2)
    (void)sock->Send("version\r\n");  // TLS 1.3: the refusal shows on the first read
    RawSocket::ReadResult r = sock->ReadUntilOrClose("\r\n", absl::Seconds(3));
    EXPECT_FALSE(r.found) << EscapeBytes(r.data);
    EXPECT_TRUE(r.closed);
  }

  static inline TestCertificates* certs_ = nullptr;
  std::unique_ptr<ServerProcess> server_;
};

// Binary: 24-byte request header for `opcode` with `key` and no extras.
std::string BinaryRequest(uint8_t opcode, std::string_view key, uint32_t opaque) {
  std::string h(24, '\0');
  h[0] = '\x80';
  h[1] = static_cast<char>(opcode);
  h[3] = static_cast<char>(key.size());
  h[11] = static_cast<char>(key.size());
  h[15] = static_cast<char>(opaque);
  return h + std::string(key);
}

TEST_F(TlsTest, TextMetaAndBinaryAnswerTheSameBytesOverTls) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs()));
  ASSERT_OK_AND_ASSIGN(RawSocket sock, RawSocket::ConnectTls(server_->port(), Verified()));
  EXPECT_EQ(sock.PeerSubject(), "/CN=server-a");
  ExpectExchange(sock, "set greeting 42 0 11\r\nhello world\r\n", "STORED\r\n");
  ExpectExchange(sock, "get greeting nope\r\n", "VALUE greeting 42 11\r\nhello world\r\nEND\r\n");
  ExpectExchange(sock, "ms m 2 F7\r\nhi\r\n", "HD\r\n");
  ExpectExchange(sock, "mg m v f k\r\nmn\r\n", "VA 2 f7 km\r\nhi\r\nMN\r\n");
  ExpectExchange(sock, "incr nope 1\r\nbogus\r\n", "NOT_FOUND\r\nERROR\r\n");
  // Binary on its own connection (the protocol is chosen by the first byte).
  ASSERT_OK_AND_ASSIGN(RawSocket bin, RawSocket::ConnectTls(server_->port(), Verified()));
  ASSERT_OK(bin.Send(BinaryRequest(0x00, "m", 7) + BinaryRequest(0x0a, "", 8)));  // GET m, NOOP
  ASSERT_OK_AND_ASSIGN(std::string get, bin.ReadExactly(24 + 4 + 2));
  std::string cas_masked = get;
  for (int i = 16; i < 24; ++i) cas_masked[i] = 0;
  const std::string want_get = std::string("\x81\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x06\x00\x00\x00\x07", 16) +
                               std::string(8, '\0') + std::string("\x00\x00\x00\x07hi", 6);
  EXPECT_EQ(EscapeBytes(want_get), EscapeBytes(cas_masked));
  ASSERT_OK_AND_ASSIGN(std::string noop, bin.ReadExactly(24));
  EXPECT_EQ(EscapeBytes(std::string("\x81\x0a", 2) + std::string(13, '\0') + "\x08" + std::string(8, '\0')),
            EscapeBytes(noop));
}

// Values spanning many TLS records, and a deep pipeline, in both directions.
TEST_F(TlsTest, LargeValuesAndPipelinesCrossManyRecords) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs("ssl_wbuf_size=4")));
  ASSERT_OK_AND_ASSIGN(RawSocket sock, RawSocket::ConnectTls(server_->port(), Verified()));
  std::string value(900 * 1024, 'v');
  for (size_t i = 0; i < value.size(); i += 4099) value[i] = static_cast<char>('a' + i % 26);
  ExpectExchange(sock, absl::StrCat("set big 0 0 ", value.size(), "\r\n", value, "\r\n"), "STORED\r\n");
  std::string gets, want;
  for (int i = 0; i < 20; ++i) {
    gets += "get big\r\n";
    absl::StrAppend(&want, "VALUE big 0 ", value.size(), "\r\n", value, "\r\nEND\r\n");
  }
  EXPECT_TRUE(Exchange(sock, gets, want.size()) == want) << "20 pipelined gets of 900 KB came back different";
  // Tandem-only: memcached 1.6.18 stalls here over TLS (it waits for the
  // socket while OpenSSL still holds decrypted requests).
  if (!IsTandemd()) return;
  std::string sets, stored;
  for (int i = 0; i < 2000; ++i) {
    absl::StrAppend(&sets, "set k", i, " 0 0 4\r\nv", i % 900 + 100, "\r\n");
    stored += "STORED\r\n";
  }
  ExpectExchange(sock, sets, stored);
  ExpectExchange(sock, "get k1999\r\n", "VALUE k1999 0 4\r\nv299\r\nEND\r\n");
}

// Part of a record waits for the rest without spinning: the server's CPU
// time over a 500 ms pause inside one record stays far below 500 ms (a
// spinning loop burns 250-500 ms of it, depending on the machine's load).
TEST_F(TlsTest, APartialRecordWaitsForTheRestWithoutSpinning) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs()));
  ASSERT_OK_AND_ASSIGN(RawSocket sock, RawSocket::ConnectTls(server_->port(), Verified()));
  ExpectExchange(sock, "version\r\n", "VERSION 1.6.18\r\n");
  auto cpu = [&] {
    double user = 0, system = 0;
    EXPECT_TRUE(absl::SimpleAtod(Stat("rusage_user"), &user));
    EXPECT_TRUE(absl::SimpleAtod(Stat("rusage_system"), &system));
    return user + system;
  };
  const double before = cpu();
  ASSERT_OK(sock.SendTlsSplit("set split 0 0 5\r\nhello\r\nget split\r\n", 9, absl::Milliseconds(500)));
  ASSERT_OK_AND_ASSIGN(std::string reply, sock.ReadUntil("END\r\n"));
  EXPECT_EQ(reply, "STORED\r\nVALUE split 0 5\r\nhello\r\nEND\r\n");
  EXPECT_LT(cpu() - before, 0.1);
}

// A client that sends its requests and closes at once (close_notify right
// behind them) still has them carried out, as over plaintext.
TEST_F(TlsTest, RequestsFollowedByTheClientsCloseAreStillCarriedOut) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs()));
  {
    ASSERT_OK_AND_ASSIGN(RawSocket sock, RawSocket::ConnectTls(server_->port(), Verified()));
    ExpectExchange(sock, "version\r\n", "VERSION 1.6.18\r\n");
    ASSERT_OK(sock.SendTlsSplit("set parting 0 0 3\r\nbye\r\n", 0, absl::ZeroDuration(), /*then_close=*/true));
  }
  ASSERT_OK_AND_ASSIGN(RawSocket check, RawSocket::ConnectTls(server_->port(), Verified()));
  std::string got;
  for (int i = 0; i < 50; ++i) {  // the closing connection may still be running it
    ASSERT_OK(check.Send("get parting\r\n"));
    ASSERT_OK_AND_ASSIGN(got, check.ReadUntil("END\r\n"));
    if (got != "END\r\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(EscapeBytes(got), EscapeBytes("VALUE parting 0 3\r\nbye\r\nEND\r\n"));
}

TEST_F(TlsTest, NotlsListenerStaysPlaintextAndTheTlsPortRefusesPlaintext) {
  ASSERT_NO_FATAL_FAILURE(Start([] {
    std::vector<std::string> a = TlsArgs();
    a.insert(a.end(), {"-l", "notls:127.0.0.1:{port1}"});
    return a;
  }(), 1));
  ASSERT_OK_AND_ASSIGN(RawSocket tls, RawSocket::ConnectTls(server_->port(), Verified()));
  ExpectExchange(tls, "set shared 0 0 3\r\nabc\r\n", "STORED\r\n");
  ASSERT_OK_AND_ASSIGN(RawSocket plain, RawSocket::Connect(server_->extra_ports()[0]));
  ExpectExchange(plain, "get shared\r\n", "VALUE shared 0 3\r\nabc\r\nEND\r\n");
  // Plaintext to the TLS port is a failed handshake: no reply, closed, counted.
  const uint64_t errors = Counter("ssl_handshake_errors");
  ASSERT_OK_AND_ASSIGN(RawSocket wrong, RawSocket::Connect(server_->port()));
  ASSERT_OK(wrong.Send("get shared\r\n"));
  EXPECT_TRUE(wrong.IsClosedByPeer());
  EXPECT_EQ(wrong.ReadAvailable(absl::Milliseconds(10)).find("VALUE"), std::string::npos);
  // Tandem-only: memcached counts only failures on a connection's first read.
  if (IsTandemd()) {
    EXPECT_EQ(Counter("ssl_handshake_errors"), errors + 1);
  }
}

TEST_F(TlsTest, StatsAndStatsSettingsShowTheTlsFields) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs("ssl_verify_mode=2,ssl_ca_cert=" + certs_->Pem("tls-ca"))));
  EXPECT_EQ(Stat("ssl_new_sessions"), "");  // only with ssl_session_cache
  EXPECT_NE(Stat("ssl_handshake_errors"), "");
  EXPECT_NE(Stat("time_since_server_cert_refresh"), "");
  EXPECT_EQ(Stat("ssl_enabled", "stats settings"), "yes");
  EXPECT_EQ(Stat("ssl_chain_cert", "stats settings"), certs_->Pem("server-a"));
  EXPECT_EQ(Stat("ssl_key", "stats settings"), certs_->Key("server-a"));
  EXPECT_EQ(Stat("ssl_verify_mode", "stats settings"), "3");  // memcached shows OpenSSL's flags
  EXPECT_EQ(Stat("ssl_keyformat", "stats settings"), "1");
  EXPECT_EQ(Stat("ssl_ciphers", "stats settings"), "NULL");
  EXPECT_EQ(Stat("ssl_ca_cert", "stats settings"), certs_->Pem("tls-ca"));
  EXPECT_EQ(Stat("ssl_wbuf_size", "stats settings"), "16384");
  EXPECT_EQ(Stat("ssl_session_cache", "stats settings"), "no");
  EXPECT_EQ(Stat("ssl_kernel_tls", "stats settings"), "no");
  EXPECT_EQ(Stat("ssl_min_version", "stats settings"), "tlsv1.2");
}

TEST_F(TlsTest, VerifyModeRequireRefusesClientsWithoutACertificateOfTheCa) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs("ssl_verify_mode=2,ssl_ca_cert=" + certs_->Pem("tls-ca"))));
  const uint64_t errors = Counter("ssl_handshake_errors");  // this client has no certificate either
  ExpectRefused(Verified());
  ExpectRefused(WithCertificate("stranger"));
  TlsClientOptions tls12 = Verified();
  tls12.max_version = TLS1_2_VERSION;
  ExpectRefused(tls12);
  ASSERT_OK_AND_ASSIGN(RawSocket ok, RawSocket::ConnectTls(server_->port(), WithCertificate("client")));
  ExpectExchange(ok, "version\r\n", "VERSION 1.6.18\r\n");
  if (IsTandemd()) {
    EXPECT_GE(Counter("ssl_handshake_errors"), errors + 3);
  }
}

TEST_F(TlsTest, VerifyModesRequestAndNone) {
  const std::string ca = ",ssl_ca_cert=" + certs_->Pem("tls-ca");
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs("ssl_verify_mode=1" + ca)));
  // Request: a client without a certificate is served, a bad certificate is refused.
  ASSERT_OK_AND_ASSIGN(RawSocket none, RawSocket::ConnectTls(server_->port(), Verified()));
  ExpectExchange(none, "version\r\n", "VERSION 1.6.18\r\n");
  ASSERT_OK_AND_ASSIGN(RawSocket good, RawSocket::ConnectTls(server_->port(), WithCertificate("client")));
  ExpectExchange(good, "version\r\n", "VERSION 1.6.18\r\n");
  ExpectRefused(WithCertificate("stranger"));
  // None (the default): no certificate is asked for, so none is checked.
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs()));
  ASSERT_OK_AND_ASSIGN(RawSocket any, RawSocket::ConnectTls(server_->port(), WithCertificate("stranger")));
  ExpectExchange(any, "version\r\n", "VERSION 1.6.18\r\n");
  // Once: as require for a new connection.
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs("ssl_verify_mode=3" + ca)));
  ExpectRefused(Verified());
  ASSERT_OK_AND_ASSIGN(RawSocket once, RawSocket::ConnectTls(server_->port(), WithCertificate("client")));
  ExpectExchange(once, "version\r\n", "VERSION 1.6.18\r\n");
}

TEST_F(TlsTest, SessionCacheLetsASecondConnectionResume) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs("ssl_session_cache,ssl_verify_mode=2,ssl_ca_cert=" + certs_->Pem("tls-ca"))));
  for (int max_version : {0, TLS1_2_VERSION}) {
    TlsClientOptions client = WithCertificate("client");
    client.max_version = max_version;
    ASSERT_OK_AND_ASSIGN(RawSocket first, RawSocket::ConnectTls(server_->port(), client));
    ExpectExchange(first, "version\r\n", "VERSION 1.6.18\r\n");  // TLS 1.3 tickets come after the handshake
    EXPECT_FALSE(first.session_reused());
    client.resume = first.session();
    ASSERT_NE(client.resume, nullptr) << "max_version " << max_version;
    ASSERT_OK_AND_ASSIGN(RawSocket second, RawSocket::ConnectTls(server_->port(), client));
    ExpectExchange(second, "version\r\n", "VERSION 1.6.18\r\n");
    EXPECT_TRUE(second.session_reused()) << "max_version " << max_version;
  }
  EXPECT_GT(Counter("ssl_new_sessions"), 0u);
}

// refresh_certs swaps the certificate for new connections; a bad file is
// memcached's error line and (tandem's own behaviour) leaves the working
// certificate in place.
TEST_F(TlsTest, RefreshCertsPicksUpANewCertificate) {
  const std::string dir = certs_->path() + "/live";
  std::filesystem::create_directories(dir);
  const std::string pem = dir + "/cert.pem", key = dir + "/cert.key";
  auto install = [&](const std::string& name) {
    std::filesystem::copy_file(certs_->Pem(name), pem, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(certs_->Key(name), key, std::filesystem::copy_options::overwrite_existing);
  };
  install("server-a");
  ASSERT_NO_FATAL_FAILURE(Start({"-Z", "-o", absl::StrCat("ssl_chain_cert=", pem, ",ssl_key=", key)}));
  ASSERT_OK_AND_ASSIGN(RawSocket old_conn, RawSocket::ConnectTls(server_->port(), Verified()));
  EXPECT_EQ(old_conn.PeerSubject(), "/CN=server-a");
  install("server-b");
  ExpectExchange(old_conn, "refresh_certs\r\nrefresh_certs noreply\r\nversion\r\n", "OK\r\nVERSION 1.6.18\r\n");
  ASSERT_OK_AND_ASSIGN(RawSocket new_conn, RawSocket::ConnectTls(server_->port(), Verified()));
  EXPECT_EQ(new_conn.PeerSubject(), "/CN=server-b");
  ExpectExchange(old_conn, "version\r\n", "VERSION 1.6.18\r\n");
  EXPECT_LE(Counter("time_since_server_cert_refresh"), 2u);

  // A broken chain: memcached's error line, even with noreply.
  std::filesystem::remove(pem);
  { std::ofstream(pem) << "not a certificate\n"; }
  ASSERT_OK(new_conn.Send("refresh_certs noreply\r\n"));
  ASSERT_OK_AND_ASSIGN(std::string line, new_conn.ReadUntil("\r\n"));
  EXPECT_EQ(line, absl::StrCat("Error loading the certificate chain: ", pem,
                               " : error:0480006C:PEM routines::no start line\r\n"));
  // A key that does not match the chain.
  std::filesystem::copy_file(certs_->Pem("server-a"), pem, std::filesystem::copy_options::overwrite_existing);
  ASSERT_OK(new_conn.Send("refresh_certs\r\n"));
  ASSERT_OK_AND_ASSIGN(line, new_conn.ReadUntil("\r\n"));
  EXPECT_EQ(line, absl::StrCat("Error loading the key: ", key,
                               " : error:05800074:x509 certificate routines::key values mismatch\r\n"));
  if (IsTandemd()) {
    // memcached would now serve server-a's chain with server-b's key (no handshake works).
    ASSERT_OK_AND_ASSIGN(RawSocket after, RawSocket::ConnectTls(server_->port(), Verified()));
    EXPECT_EQ(after.PeerSubject(), "/CN=server-b");
    ExpectExchange(after, "version\r\n", "VERSION 1.6.18\r\n");
  }
}

TEST_F(TlsTest, RefreshCertsWithoutTlsIsAnError) {
  ASSERT_NO_FATAL_FAILURE(Start({}));
  ASSERT_OK_AND_ASSIGN(RawSocket sock, RawSocket::Connect(server_->port()));
  ExpectExchange(sock, "refresh_certs\r\nrefresh_certs noreply\r\n",
                 "Error TLS not enabled\r\nError TLS not enabled\r\n");
}

// tandem-bench --tls: every reply validated byte for byte, in each protocol,
// with values spanning several TLS records; the server counts every request.
TEST_F(TlsTest, BenchDrivesEveryProtocolOverTls) {
  ASSERT_NO_FATAL_FAILURE(Start(TlsArgs()));
  const std::string bench = std::string(TANDEM_BIN_DIR) + "/tandem-bench";
  uint64_t requests = 0;
  for (const char* protocol : {"text", "meta", "binary"}) {
    ProgramResult r = RunProgram(bench,
                                 {absl::StrCat("--server=127.0.0.1:", server_->port()), "--tls",
                                  "--tls-ca=" + certs_->Pem("tls-ca"), absl::StrCat("--protocol=", protocol),
                                  "--connections=1", "--pipeline=8", "--keys=200", "--value-size=10-40000",
                                  "--get-ratio=0.5", "--requests=3000", "--json"},
                                 "", absl::Seconds(60));
    EXPECT_EQ(r.exit_code, 0) << protocol << ": " << r.err << r.out.substr(0, 2000);
    requests += 3000;
  }
  EXPECT_EQ(Counter("cmd_get") + Counter("cmd_set"), requests);
  // Without --tls-ca nothing is verified; a wrong CA is a setup error.
  ProgramResult wrong = RunProgram(bench,
                                   {absl::StrCat("--server=127.0.0.1:", server_->port()), "--tls",
                                    "--tls-ca=" + certs_->Pem("other-ca"), "--requests=10"},
                                   "", absl::Seconds(30));
  EXPECT_EQ(wrong.exit_code, 1) << wrong.err;
  EXPECT_THAT(wrong.err, HasSubstr("TLS handshake"));
}

TEST_F(TlsTest, StartupErrorsUseMemcachedsWordsAndExitCodes) {
  ASSERT_OK_AND_ASSIGN(int port, PickFreePort());
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-p", absl::StrCat(port), "-l", "127.0.0.1", "-U", "0"});
    if (geteuid() == 0) args.insert(args.end(), {"-u", "root"});
    return RunProgram(ServerUnderTestPath(), args, "", absl::Seconds(10));
  };
  ProgramResult no_cert = run({"-Z"});
  EXPECT_EQ(no_cert.exit_code, 64);
  EXPECT_THAT(no_cert.err, HasSubstr("Error loading the certificate chain: (null) : "));
  ProgramResult bad_ciphers = run(TlsArgs("ssl_ciphers=NO-SUCH-CIPHER"));
  EXPECT_EQ(bad_ciphers.exit_code, 64);
  EXPECT_THAT(bad_ciphers.err, HasSubstr("Error setting the provided cipher(s): NO-SUCH-CIPHER"));
  ProgramResult notls = run({"-l", absl::StrCat("notls:127.0.0.1:", port)});
  EXPECT_EQ(notls.exit_code, 71);
  EXPECT_THAT(notls.err, HasSubstr("'notls' option is valid only when SSL is enabled"));
  ProgramResult bad_mode = run({"-Z", "-o", "ssl_verify_mode=4"});
  EXPECT_EQ(bad_mode.exit_code, 1);
  EXPECT_THAT(bad_mode.err, HasSubstr("Invalid ssl_verify_mode. Use help to see valid options."));
}

}  // namespace
}  // namespace tandem::testing
