// SASL for the binary protocol (-S), through Cyrus SASL (libsasl2), set up
// as memcached 1.6.18 sets it up (sasl_defs.c), so one configuration serves
// both servers: the application name is "memcached", so the configuration
// file is memcached.conf (e.g. `mech_list: plain` and `sasldb_path: FILE`),
// found in the directory $SASL_CONF_PATH names, else in /etc/sasl or
// /etc/sasl2; the user realm is the host name. Where no configuration is
// found, start-up fails ("Error initializing sasl.", exit 1) as memcached's.
// Debian's memcached is built without its MEMCACHED_SASL_PWDB password
// file, so neither is tandemd: passwords live where the configuration says
// (a sasldb made with saslpasswd2 -a memcached -f FILE).
//
// SaslLibrary is the process's one initialisation (it must outlive every
// session); SaslSession is one connection's exchange.
#ifndef TANDEM_SERVER_AUTH_SASL_H_
#define TANDEM_SERVER_AUTH_SASL_H_

#include <sasl/sasl.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tandem::server {

class SaslLibrary {
 public:
  // sasl_server_init; `verbose` (Settings::verbose) gates the library's
  // log lines as memcached's -v/-vv do.
  static absl::StatusOr<std::unique_ptr<SaslLibrary>> Init(const std::atomic<int>* verbose);
  ~SaslLibrary();
  SaslLibrary(const SaslLibrary&) = delete;
  SaslLibrary& operator=(const SaslLibrary&) = delete;

  const std::string& realm() const { return realm_; }

 private:
  SaslLibrary() = default;
  static int GetConfPath(void* context, char** path);
  static int Log(void* context, int level, const char* message);

  const std::atomic<int>* verbose_ = nullptr;
  std::string conf_path_;
  std::string realm_;
  std::array<sasl_callback_t, 3> callbacks_{};
};

class SaslSession {
 public:
  explicit SaslSession(const SaslLibrary& library) : library_(library) {}
  ~SaslSession();
  SaslSession(const SaslSession&) = delete;
  SaslSession& operator=(const SaslSession&) = delete;

  enum class Outcome { kOk, kContinue, kFail };

  // The mechanisms, space-separated; false when the library cannot list them.
  bool ListMechanisms(std::string* out);
  // AUTH: starts `mechanism` with the client's first message. kContinue
  // puts the server's challenge in *challenge.
  Outcome Start(std::string_view mechanism, std::string_view data, std::string* challenge);
  // STEP: the next client message; kFail unless Start continued.
  Outcome Step(std::string_view data, std::string* challenge);

 private:
  bool EnsureConnection();
  Outcome Finish(int result, const char* out, unsigned out_length, std::string* challenge);

  const SaslLibrary& library_;
  sasl_conn_t* conn_ = nullptr;
  bool started_ = false;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_AUTH_SASL_H_
