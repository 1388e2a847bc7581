// Interactive and one-shot sessions (see session.h). Both work on raw
// bytes: a typed line goes out verbatim through the request encoder's raw
// form (the user may send anything, mistakes included), and the reply
// parser is used only to find where a one-shot reply ends, never to
// re-format it.
#include "tools/cli/session.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "protocol/reply_parser.h"
#include "protocol/request_encoder.h"
#include "tools/cli/libedit_line.h"
#include "tools/cli/line_plan.h"

namespace tandem::cli {

namespace {

int PollMillis(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1))), 1 << 30));
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void WriteStdout(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads what is available on fd (one read). 0 on EOF, -1 on error.
ssize_t ReadSome(int fd, std::string* out) {
  char buffer[16384];
  ssize_t n;
  do {
    n = ::read(fd, buffer, sizeof(buffer));
  } while (n < 0 && errno == EINTR);
  if (n > 0) out->append(buffer, static_cast<size_t>(n));
  return n;
}

// "\n" not preceded by "\r" becomes "\r\n" (telnet sends CR LF).
std::string ToCrlf(std::string_view in, bool* last_was_cr) {
  std::string out;
  out.reserve(in.size() + 8);
  for (char c : in) {
    if (c == '\n' && !*last_was_cr) out.push_back('\r');
    out.push_back(c);
    *last_was_cr = c == '\r';
  }
  return out;
}

struct StorageSpec {
  std::string_view verb;
  size_t fields;  // tokens on the command line, verb included, before noreply
};
constexpr StorageSpec kStorageVerbs[] = {
    {"set", 5}, {"add", 5}, {"replace", 5}, {"append", 5}, {"prepend", 5}, {"cas", 6},
};

// `set KEY VALUE...` rather than `set KEY FLAGS EXPTIME BYTES [DATA]`: the
// long form needs its three numbers (cas always takes the long form).
bool IsShortStorage(const std::vector<std::string>& words) {
  if (words[0] == "cas" || words.size() < 2) return false;
  uint64_t number = 0;
  for (size_t i = 2; i < 5; ++i) {
    if (i >= words.size() || !absl::SimpleAtoi(words[i], &number)) return true;
  }
  return false;
}

bool IsErrorLine(std::string_view line) {
  return line == "ERROR\r\n" || line.starts_with("CLIENT_ERROR") || line.starts_with("SERVER_ERROR") ||
         line.starts_with("ERROR ");
}

}  // namespace

absl::StatusOr<int> ConnectTcp(const client::NodeAddress& node, absl::Duration timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  std::string port = std::to_string(node.port);
  int rc = ::getaddrinfo(node.host.c_str(), port.c_str(), &hints, &result);
  if (rc != 0) return absl::UnavailableError(absl::StrCat("cannot resolve ", node.host, ": ", ::gai_strerror(rc)));
  std::string last = "no address";
  const absl::Time deadline = absl::Now() + timeout;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd pfd{fd, POLLOUT, 0};
      int n;
      do {
        n = ::poll(&pfd, 1, PollMillis(deadline - absl::Now()));
      } while (n < 0 && errno == EINTR);
      int err = ETIMEDOUT;
      socklen_t len = sizeof(err);
      if (n > 0) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc == 0) {
      ::freeaddrinfo(result);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      // Blocking from here on: every read is preceded by a bounded poll.
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      return fd;
    }
    last = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(result);
  return absl::UnavailableError(absl::StrCat("cannot connect to ", node.ToString(), ": ", last));
}

// ---------------------------------------------------------------------------
// One-shot
// ---------------------------------------------------------------------------

int RunOneShot(const client::NodeAddress& node, const std::vector<std::string>& words, absl::Duration timeout,
               bool* dropped_end) {
  if (words.empty()) return kExitUsage;
  std::vector<std::string> line_words = words;
  std::string data;
  bool has_data = false;
  for (const StorageSpec& spec : kStorageVerbs) {
    if (words[0] != spec.verb) continue;
    has_data = true;
    if (IsShortStorage(words)) {
      // VERB KEY [VALUE...]: flags 0, exptime 0, the byte count measured.
      if (words.size() > 2) {
        data = absl::StrJoin(words.begin() + 2, words.end(), " ");
      } else {
        while (ReadSome(STDIN_FILENO, &data) > 0) {
        }
      }
      line_words = {words[0], words[1], "0", "0", std::to_string(data.size())};
      break;
    }
    size_t fields = spec.fields;
    if (words.size() > fields && words[fields] == "noreply") ++fields;
    if (words.size() > fields) {
      line_words.assign(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(fields));
      data = absl::StrJoin(words.begin() + static_cast<std::ptrdiff_t>(fields), words.end(), " ");
    } else {
      // Data from stdin, exactly as given.
      std::string in;
      while (ReadSome(STDIN_FILENO, &in) > 0) {
      }
      data = std::move(in);
    }
  }
  const bool noreply = line_words.back() == "noreply";
  const bool may_close = words[0] == "quit" || words[0] == "shutdown";
  std::string request;
  protocol::AppendRawRequestLine(&request, absl::StrJoin(line_words, " "));
  if (has_data) protocol::AppendDataBlock(&request, data);

  absl::StatusOr<int> fd = ConnectTcp(node, timeout);
  if (!fd.ok()) {
    std::cerr << "tandem-cli: " << fd.status().message() << "\n";
    return kExitConnection;
  }
  if (!WriteAll(*fd, request)) {
    std::cerr << "tandem-cli: send failed: " << std::strerror(errno) << "\n";
    ::close(*fd);
    return kExitConnection;
  }
  if (noreply) {
    ::close(*fd);
    return kExitOk;
  }
  std::string buffer;
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    protocol::Reply reply;
    protocol::ReplyParseResult parsed = protocol::ParseReply(buffer, &reply);
    size_t end = 0;
    bool error = false;
    if (parsed.status == protocol::ReplyParseStatus::kDone) {
      end = parsed.consumed;
      error = reply.is_error();
    } else if (parsed.status == protocol::ReplyParseStatus::kError) {
      // A reply this parser does not know (meta, a future command): one line.
      end = buffer.find("\r\n");
      end = end == std::string::npos ? buffer.size() : end + 2;
      error = IsErrorLine(buffer.substr(0, end));
    }
    if (end > 0) {
      std::string_view shown = std::string_view(buffer).substr(0, end);
      if (dropped_end != nullptr && !error && shown.ends_with("END\r\n") &&
          (shown.size() == 5 || shown.substr(0, shown.size() - 5).ends_with("\r\n"))) {
        shown.remove_suffix(5);
        *dropped_end = true;
      }
      WriteStdout(shown);
      ::close(*fd);
      return error ? kExitErrorReply : kExitOk;
    }
    pollfd pfd{*fd, POLLIN, 0};
    int n = ::poll(&pfd, 1, PollMillis(deadline - absl::Now()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      WriteStdout(buffer);
      std::cerr << "tandem-cli: no complete reply within " << absl::FormatDuration(timeout) << "\n";
      ::close(*fd);
      return kExitConnection;
    }
    ssize_t got = ReadSome(*fd, &buffer);
    if (got <= 0) {
      WriteStdout(buffer);
      ::close(*fd);
      if (may_close && buffer.empty()) return kExitOk;
      std::cerr << "tandem-cli: connection closed by the server\n";
      return kExitConnection;
    }
  }
}

// ---------------------------------------------------------------------------
// Interactive
// ---------------------------------------------------------------------------

namespace {

// Where the interactive history is kept: $TANDEM_CLI_HISTORY, else
// ~/.tandem_cli_history ("" when neither can be named).
std::string HistoryPath() {
  if (const char* path = std::getenv("TANDEM_CLI_HISTORY"); path != nullptr) return path;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return absl::StrCat(home, "/.tandem_cli_history");
  }
  return "";
}

std::string PromptFor(const client::NodeAddress& node) { return absl::StrCat(node.ToString(), "> "); }

// On a terminal: libedit edits the line while replies print above it.
int RunTerminal(int fd, const client::NodeAddress& node, LibeditLine& editor) {
  const std::string prompt = PromptFor(node);
  LinePlanner planner;
  editor.Show(absl::StrCat("Connected to ", node.ToString(), ". help lists the commands; Ctrl-D or quit to leave.\r\n"));
  while (true) {
    pollfd pfds[2] = {{STDIN_FILENO, POLLIN, 0}, {fd, POLLIN, 0}};
    int n = ::poll(pfds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return kExitConnection;
    if (pfds[1].revents != 0) {
      std::string bytes;
      if (ReadSome(fd, &bytes) <= 0) {
        editor.ShowLast("Connection closed by the server.\r\n");
        return kExitOk;
      }
      editor.Show(bytes);
    }
    if (pfds[0].revents == 0) continue;
    do {
      LibeditLine::Event event = editor.ReadKey();
      if (event.kind == LibeditLine::Event::kEof) return kExitOk;
      if (event.kind != LibeditLine::Event::kLine) continue;
      const LinePlan plan = planner.Plan(event.line);
      editor.StartLine(plan.awaits_data ? "data> " : prompt);
      editor.Show(plan.local);
      if (!plan.send.empty() && !WriteAll(fd, plan.send)) {
        editor.ShowLast("Connection closed by the server.\r\n");
        return kExitConnection;
      }
    } while (editor.KeysWaiting());
  }
}

int RunPipe(int fd, absl::Duration timeout) {
  const absl::Duration quiet = absl::Milliseconds(300);
  bool stdin_open = true;
  bool last_was_cr = false;
  absl::Time stdin_closed_at;
  absl::Time last_reply = absl::Now();
  while (true) {
    pollfd pfds[2] = {{stdin_open ? STDIN_FILENO : -1, POLLIN, 0}, {fd, POLLIN, 0}};
    int wait = -1;
    if (!stdin_open) {
      absl::Time until = std::min(last_reply + quiet, stdin_closed_at + timeout);
      wait = PollMillis(until - absl::Now());
    }
    int n = ::poll(pfds, 2, wait);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return kExitConnection;
    if (n == 0) return kExitOk;  // quiet after stdin ended
    if (pfds[1].revents != 0) {
      std::string bytes;
      if (ReadSome(fd, &bytes) <= 0) return kExitOk;
      WriteStdout(bytes);
      last_reply = absl::Now();
    }
    if (stdin_open && pfds[0].revents != 0) {
      std::string input;
      if (ReadSome(STDIN_FILENO, &input) <= 0) {
        stdin_open = false;
        stdin_closed_at = absl::Now();
        last_reply = std::max(last_reply, stdin_closed_at);
        continue;
      }
      if (!WriteAll(fd, ToCrlf(input, &last_was_cr))) return kExitConnection;
    }
  }
}

}  // namespace

int RunInteractive(const client::NodeAddress& node, absl::Duration timeout) {
  absl::StatusOr<int> fd = ConnectTcp(node, timeout);
  if (!fd.ok()) {
    std::cerr << "tandem-cli: " << fd.status().message() << "\n";
    return kExitConnection;
  }
  std::unique_ptr<LibeditLine> editor;
  if (::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO)) {
    editor = LibeditLine::Open(PromptFor(node), HistoryPath());
  }
  const int code = editor != nullptr ? RunTerminal(*fd, node, *editor) : RunPipe(*fd, timeout);
  editor.reset();  // the terminal restored, history saved
  ::close(*fd);
  return code;
}

}  // namespace tandem::cli
