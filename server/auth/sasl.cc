// SaslLibrary and SaslSession; see sasl.h.
#include "server/auth/sasl.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace tandem::server {
namespace {

// Where memcached looks when $SASL_CONF_PATH is unset (its
// HAVE_SASL_CB_GETCONFPATH variant): a directory holding memcached.conf.
struct ConfLocation {
  const char* file_in_dir;  // "<dir>/memcached.conf/memcached.conf": that directory
  const char* file;         // "<dir>/memcached.conf": the parent directory
  const char* dir;
};
constexpr ConfLocation kConfLocations[] = {
    {"/etc/sasl/memcached.conf/memcached.conf", "/etc/sasl/memcached.conf", "/etc/sasl"},
    {"/etc/sasl2/memcached.conf/memcached.conf", "/etc/sasl2/memcached.conf", "/etc/sasl2"},
};

std::string FindConfPath() {
  if (const char* env = std::getenv("SASL_CONF_PATH")) return env;
  for (const ConfLocation& l : kConfLocations) {
    if (access(l.file_in_dir, F_OK) == 0) return l.file;
    if (access(l.file, F_OK) == 0) return l.dir;
  }
  return "";
}

}  // namespace

absl::StatusOr<std::unique_ptr<SaslLibrary>> SaslLibrary::Init(const std::atomic<int>* verbose) {
  std::unique_ptr<SaslLibrary> lib(new SaslLibrary());
  lib->verbose_ = verbose;
  lib->conf_path_ = FindConfPath();
  char host[1025] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) lib->realm_ = host;
  // libsasl2 stores every callback as int(*)(void); a cast through
  // void(*)(void), the generic function pointer, is how C++ says so.
  using Callback = int (*)();
  using Generic = void (*)();
  lib->callbacks_ = {{
      {SASL_CB_LOG, reinterpret_cast<Callback>(reinterpret_cast<Generic>(&SaslLibrary::Log)), lib.get()},
      {SASL_CB_GETCONFPATH, reinterpret_cast<Callback>(reinterpret_cast<Generic>(&SaslLibrary::GetConfPath)), lib.get()},
      {SASL_CB_LIST_END, nullptr, nullptr},
  }};
  if (sasl_server_init(lib->callbacks_.data(), "memcached") != SASL_OK) {
    return absl::FailedPreconditionError("Error initializing sasl.");
  }
  if (verbose->load(std::memory_order_relaxed) > 0) std::fprintf(stderr, "Initialized SASL.\n");
  return lib;
}

SaslLibrary::~SaslLibrary() { sasl_server_done(); }

int SaslLibrary::GetConfPath(void* context, char** path) {
  auto* lib = static_cast<SaslLibrary*>(context);
  // memcached's -v lines.
  if (lib->verbose_->load(std::memory_order_relaxed) > 0) {
    if (lib->conf_path_.empty()) {
      std::fprintf(stderr, "Failed to locate a config path\n");
    } else {
      std::fprintf(stderr, "Reading configuration from: <%s>\n", lib->conf_path_.c_str());
    }
  }
  if (lib->conf_path_.empty()) return SASL_FAIL;
  *path = lib->conf_path_.data();
  return SASL_OK;
}

// memcached's levels: notes and debugging with -vv, warnings with -v.
int SaslLibrary::Log(void* context, int level, const char* message) {
  const int verbose = static_cast<SaslLibrary*>(context)->verbose_->load(std::memory_order_relaxed);
  int needed = 0;
  switch (level) {
    case SASL_LOG_NONE: return SASL_OK;
    case SASL_LOG_PASS:
    case SASL_LOG_TRACE:
    case SASL_LOG_DEBUG:
    case SASL_LOG_NOTE: needed = 2; break;
    case SASL_LOG_WARN:
    case SASL_LOG_FAIL: needed = 1; break;
    default: break;
  }
  if (verbose >= needed) std::fprintf(stderr, "SASL (severity %d): %s\n", level, message);
  return SASL_OK;
}

SaslSession::~SaslSession() {
  if (conn_ != nullptr) sasl_dispose(&conn_);
}

bool SaslSession::EnsureConnection() {
  if (conn_ != nullptr) return true;
  const char* realm = library_.realm().empty() ? nullptr : library_.realm().c_str();
  if (sasl_server_new("memcached", nullptr, realm, nullptr, nullptr, nullptr, 0, &conn_) != SASL_OK) {
    conn_ = nullptr;
    return false;
  }
  return true;
}

bool SaslSession::ListMechanisms(std::string* out) {
  const char* list = nullptr;
  unsigned length = 0;
  if (!EnsureConnection() ||
      sasl_listmech(conn_, nullptr, "", " ", "", &list, &length, nullptr) != SASL_OK) {
    return false;
  }
  out->assign(list, length);
  return true;
}

SaslSession::Outcome SaslSession::Start(std::string_view mechanism, std::string_view data,
                                        std::string* challenge) {
  if (!EnsureConnection()) return Outcome::kFail;
  const std::string mech(mechanism.substr(0, mechanism.find('\0')));
  const char* out = nullptr;
  unsigned out_length = 0;
  const int result = sasl_server_start(conn_, mech.c_str(), data.empty() ? nullptr : data.data(),
                                       static_cast<unsigned>(data.size()), &out, &out_length);
  started_ = result == SASL_OK || result == SASL_CONTINUE;
  return Finish(result, out, out_length, challenge);
}

SaslSession::Outcome SaslSession::Step(std::string_view data, std::string* challenge) {
  if (!started_ || !EnsureConnection()) return Outcome::kFail;
  const char* out = nullptr;
  unsigned out_length = 0;
  const int result = sasl_server_step(conn_, data.empty() ? nullptr : data.data(),
                                      static_cast<unsigned>(data.size()), &out, &out_length);
  return Finish(result, out, out_length, challenge);
}

SaslSession::Outcome SaslSession::Finish(int result, const char* out, unsigned out_length,
                                         std::string* challenge) {
  if (result == SASL_OK) return Outcome::kOk;
  if (result != SASL_CONTINUE) return Outcome::kFail;
  challenge->assign(out != nullptr ? out : "", out != nullptr ? out_length : 0);
  return Outcome::kContinue;
}

}  // namespace tandem::server
