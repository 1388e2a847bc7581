// tandemd: wires settings, engine and listeners, then runs until stopped.
#include <event2/thread.h>
#include <grp.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "replication/replication.h"
#include "server/auth/auth_users.h"
#include "server/auth/sasl.h"
#include "server/flags.h"
#include "server/server.h"
#include "server/settings.h"
#include "server/storage/engine.h"
#include "server/version.h"
#include "server/warm_restart.h"

namespace {

using tandem::server::Settings;

// memcached's exit codes: 1 for a bad flag, and sysexits.h values for the
// rest, which init scripts and supervisors may tell apart.
constexpr int kExitUsage = 1;
constexpr int kExitFailure = 1;   // EXIT_FAILURE: -S or -Y set-up failed
constexpr int kExitExUsage = 64;  // EX_USAGE: root without -u
constexpr int kExitNoUser = 67;   // EX_NOUSER: -u names no such user
constexpr int kExitOsError = 71;  // EX_OSERR: bind failures, setuid failures

tandem::server::storage::EngineOptions EngineOptionsFrom(const Settings& s,
                                                         const tandem::server::storage::Clock* clock) {
  tandem::server::storage::EngineOptions o;
  o.memory_limit = s.max_bytes;
  o.growth_factor = s.growth_factor;
  o.min_item_space = static_cast<size_t>(s.chunk_size);
  o.item_size_max = s.item_size_max;
  o.slab_chunk_max = s.slab_chunk_max;
  o.slab_sizes = s.slab_sizes;
  o.evict_to_free = s.evict_to_free;
  o.use_cas = s.use_cas;
  o.cas_from_version = s.replication_enabled();
  if (s.hashpower_init > 0) o.hashpower = s.hashpower_init;
  o.segmented_lru = s.lru_segmented;
  o.hot_lru_pct = s.hot_lru_pct;
  o.warm_lru_pct = s.warm_lru_pct;
  o.hot_max_factor = s.hot_max_factor;
  o.warm_max_factor = s.warm_max_factor;
  o.clock = clock;
  o.tombstone_window_ms = s.repl_tombstone_ms;
  o.tombstone_bytes = s.repl_tombstone_bytes;
  o.max_skew_ms = s.repl_max_skew_ms;
  return o;
}

// memcached's daemonize(nochdir = -r, noclose = -v): the daemon moves to "/"
// (so it pins no directory) unless core dumps were asked for, and keeps
// stdout/stderr when verbose so -d -vv still logs where stderr points.
bool Daemonize(bool keep_cwd, bool keep_output) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid > 0) _exit(0);
  if (setsid() < 0) return false;
  if (!keep_cwd && chdir("/") != 0) return false;
  if (keep_output) return true;
  FILE* null_in = std::freopen("/dev/null", "r", stdin);
  FILE* null_out = std::freopen("/dev/null", "w", stdout);
  FILE* null_err = std::freopen("/dev/null", "w", stderr);
  return null_in != nullptr && null_out != nullptr && null_err != nullptr;
}

bool RunningAsRoot() { return getuid() == 0 || geteuid() == 0; }

// memcached refuses to run as root unless told which user to become, and
// checks that user before it daemonizes, so the error reaches the terminal.
// Returns 0 or the exit code.
int CheckUser(const std::string& user) {
  if (!RunningAsRoot()) return 0;
  if (user.empty()) {
    absl::FPrintF(stderr, "can't run as root without the -u switch\n");
    return kExitExUsage;
  }
  if (getpwnam(user.c_str()) == nullptr) {
    absl::FPrintF(stderr, "can't find the user %s to switch to\n", user);
    return kExitNoUser;
  }
  return 0;
}

// Becomes `user` (already checked by CheckUser) once the sockets are bound.
bool DropPrivileges(const std::string& user) {
  if (!RunningAsRoot()) return true;
  passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) {
    absl::FPrintF(stderr, "can't find the user %s to switch to\n", user);
    return false;
  }
  if (pw->pw_uid == 0) return true;
  if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
    absl::FPrintF(stderr, "failed to assume identity of user %s\n", user);
    return false;
  }
  return true;
}

// memcached warns and carries on when the pid file cannot be written.
void WritePidFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  bool written = f != nullptr && std::fprintf(f, "%d\n", static_cast<int>(getpid())) > 0;
  if (f != nullptr) written = std::fclose(f) == 0 && written;
  if (!written) {
    absl::FPrintF(stderr, "Could not open the pid file %s for writing: %s\n", path, std::strerror(errno));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  tandem::server::FlagsAction action;
  if (absl::Status s = tandem::server::ParseFlags(argc, argv, &settings, &action); !s.ok()) {
    absl::FPrintF(stderr, "tandemd: %s\n", s.message());
    return tandem::server::ExitCodeFor(s);
  }
  if (action == tandem::server::FlagsAction::kPrintHelp) {
    std::fputs(tandem::server::UsageText().c_str(), stdout);
    return 0;
  }
  if (action == tandem::server::FlagsAction::kPrintVersion) {
    absl::PrintF("tandemd %s (memcached %s compatible)\n", tandem::server::kTandemVersion,
                 tandem::server::kMemcachedCompatVersion);
    return 0;
  }
  if (int code = CheckUser(settings.user); code != 0) return code;
  if (settings.enable_coredumps) {
    rlimit rl{RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_CORE, &rl);
  }
  // The daemon moves to "/" (below): a relative -e must still name the same file.
  if (settings.daemonize && !settings.enable_coredumps && !settings.memory_file.empty()) {
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(settings.memory_file, ec);
    if (!ec) settings.memory_file = absolute.string();
  }
  if (settings.daemonize && !Daemonize(settings.enable_coredumps, settings.verbose.load() > 0)) {
    absl::FPrintF(stderr, "failed to daemonize\n");
    return kExitOsError;
  }
  if (settings.lock_memory && mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    absl::FPrintF(stderr, "warning: -k invalid, mlockall() failed: %s\n", std::strerror(errno));
  }

  std::signal(SIGPIPE, SIG_IGN);
  // A hangup (a closed terminal, a `kill -HUP` from a reload hook) never
  // stops memcached: its handler only re-reads -Y's file, which Server does
  // (SetAuthentication) when there is one.
  std::signal(SIGHUP, SIG_IGN);
  evthread_use_pthreads();
  // Debian builds Abseil with deadlock detection on, which records every
  // lock acquisition in a global graph: a measurable cost on the get path.
  // Lock order is fixed by design (see server/storage/engine.cc) and checked
  // by the sanitizer and stress tests instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  tandem::server::storage::SystemClock clock(settings.debug_clock_offset_ms);
  tandem::server::storage::EngineOptions engine_options = EngineOptionsFrom(settings, &clock);
  // -e: item memory in a shared file, kept across a graceful restart.
  std::unique_ptr<tandem::server::WarmRestart> warm;
  if (!settings.memory_file.empty()) {
    absl::StatusOr<std::unique_ptr<tandem::server::WarmRestart>> opened =
        tandem::server::WarmRestart::Open(settings);
    if (!opened.ok()) {
      absl::FPrintF(stderr, "%s\n", opened.status().message());
      return kExitOsError;
    }
    warm = std::move(*opened);
    engine_options.arena_base = warm->arena_base();
    engine_options.arena_size = warm->arena_size();
  }
  tandem::server::storage::Engine engine(engine_options);
  if (warm != nullptr) warm->Restore(engine, clock);
  // Replication (-x/-X): its own thread and event loop (replication/peer_link.h).
  absl::StatusOr<std::unique_ptr<tandem::replication::Replication>> replication =
      tandem::replication::Replication::Create(settings, engine, warm != nullptr ? warm->restored() : nullptr);
  if (warm != nullptr) warm->ForgetRestored();
  if (!replication.ok()) {
    absl::FPrintF(stderr, "tandemd: %s\n", replication.status().message());
    return kExitUsage;
  }
  if (const char* port_file = std::getenv("MEMCACHED_PORT_FILENAME")) settings.port_file = port_file;
  // Declared before the server, so they outlive its connections (a SASL
  // session is disposed of before the library is shut down).
  std::unique_ptr<tandem::server::SaslLibrary> sasl;
  std::unique_ptr<tandem::server::AuthUsers> users;
  tandem::server::Server server(settings, engine, clock);
  server.SetReplicationHooks(replication->get());
  // Conditional commands for keys the peer owns run there (server/forwarding.h).
  server.SetForwarder((*replication)->forwarder());
  (*replication)->SetForwardedRunner(&server.forwarded_runner());
  if (absl::Status s = server.EnableTls(); !s.ok()) {
    absl::FPrintF(stderr, "%s\n", s.message());  // memcached's words, exit code EX_USAGE
    return kExitExUsage;
  }
  if (absl::Status s = server.Listen(); !s.ok()) {
    absl::FPrintF(stderr, "tandemd: %s\n", s.message());
    return kExitOsError;
  }
  if (absl::Status s = (*replication)->Listen(); !s.ok()) {
    absl::FPrintF(stderr, "tandemd: %s\n", s.message());
    return kExitOsError;
  }
  // memcached 1.6 writes -P's file with or without -d (its help text says
  // "only used with -d"); it removes it at exit only with -d, tandem always
  // (best effort). Written before privileges are dropped, so a root-owned
  // directory such as systemd's RuntimeDirectory (/run/tandemd) works.
  if (!settings.pid_file.empty()) WritePidFile(settings.pid_file);
  if (!DropPrivileges(settings.user)) return kExitOsError;
  // memcached sets up SASL and reads -Y's file as the -u user, after
  // dropping privileges, and exits 1 when either fails (before it would
  // write its pid file, so tandemd removes the one it wrote).
  auto fail_auth = [&](absl::string_view message) {
    absl::FPrintF(stderr, "%s\n", message);
    if (!settings.pid_file.empty()) unlink(settings.pid_file.c_str());
    return kExitFailure;
  };
  if (settings.sasl) {
    absl::StatusOr<std::unique_ptr<tandem::server::SaslLibrary>> lib =
        tandem::server::SaslLibrary::Init(&settings.verbose);
    if (!lib.ok()) return fail_auth(lib.status().message());
    sasl = *std::move(lib);
  }
  if (!settings.auth_file.empty()) {
    absl::StatusOr<std::unique_ptr<tandem::server::AuthUsers>> file =
        tandem::server::AuthUsers::Load(settings.auth_file);
    if (!file.ok()) return fail_auth(file.status().message());
    users = *std::move(file);
  }
  server.SetAuthentication(users.get(), sasl.get());

  // One line an operator reads in the journal: what runs, where, with what.
  absl::FPrintF(stderr, "tandemd %s started: pid %d, %s; %d MB for items, %d worker threads; %s\n",
                tandem::server::kTandemVersion, getpid(), server.ListeningOn(), settings.max_bytes.load() >> 20,
                settings.num_threads, (*replication)->Summary());

  (*replication)->Start();
  server.Run();
  absl::FPrintF(stderr, "tandemd: stopping on %s\n", server.stop_reason());
  // SIGTERM: hand what the peer has not acknowledged yet over before exiting.
  (*replication)->Stop(absl::Seconds(2));
  // SIGUSR1 with -e: everything has stopped; leave the items for the next start.
  if (warm != nullptr && server.stopped_gracefully()) {
    auto add_replication = [&](tandem::server::storage::WarmState* st) { (*replication)->SaveWarm(st); };
    if (absl::Status s = warm->Save(engine, clock, add_replication); !s.ok()) {
      absl::FPrintF(stderr, "[restart] %s\n", s.message());
    }
  }

  if (!settings.pid_file.empty()) unlink(settings.pid_file.c_str());
  absl::FPrintF(stderr, "tandemd: stopped\n");
  return 0;
}
