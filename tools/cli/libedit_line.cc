// LibeditLine (see libedit_line.h): libedit set up for a session that owns
// its poll loop, and the erase-print-redraw that puts replies above the
// line being typed.
#include "tools/cli/libedit_line.h"

#include <langinfo.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstring>
#include <cwchar>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace tandem::cli {

namespace {

constexpr int kHistoryLines = 500;
constexpr char kCtrlD = 4;

// The terminal's locale for libedit's characters; with none set (the C
// locale is ASCII, where every byte above 0x7f is invalid and libedit
// drops it), UTF-8.
void UseTheTerminalsEncoding() {
  std::setlocale(LC_CTYPE, "");
  if (std::strcmp(::nl_langinfo(CODESET), "ANSI_X3.4-1968") == 0) std::setlocale(LC_CTYPE, "C.UTF-8");
}

// Columns taken by `text` as libedit draws it: control characters as ^X,
// a tab to the next multiple of 8, others by wcwidth.
size_t Columns(const wchar_t* text, size_t n, size_t column) {
  for (size_t i = 0; i < n; ++i) {
    const wchar_t c = text[i];
    if (c == L'\t') {
      column = (column / 8 + 1) * 8;
    } else if (c < 0x20 || c == 0x7f) {
      column += 2;
    } else {
      const int width = ::wcwidth(c);
      column += width < 0 ? 1 : static_cast<size_t>(width);
    }
  }
  return column;
}

size_t Columns(const std::string& text) {
  std::mbstate_t state{};
  const char* source = text.c_str();
  std::wstring wide(text.size() + 1, L'\0');
  const size_t n = std::mbsrtowcs(wide.data(), &source, wide.size(), &state);
  return n == static_cast<size_t>(-1) ? text.size() : Columns(wide.data(), n, 0);
}

// A stdin that will never give another key: hung up or failed.
bool StdinGone() {
  pollfd pfd{STDIN_FILENO, POLLIN, 0};
  return ::poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0 &&
         (pfd.revents & POLLIN) == 0;
}

}  // namespace

std::unique_ptr<LibeditLine> LibeditLine::Open(std::string prompt, std::string history_path) {
  std::unique_ptr<LibeditLine> line(new LibeditLine(std::move(prompt), std::move(history_path)));
  if (line->el_ == nullptr || line->history_ == nullptr) return nullptr;
  line->Start();
  return line;
}

LibeditLine::LibeditLine(std::string prompt, std::string history_path)
    : prompt_(std::move(prompt)), history_path_(std::move(history_path)) {
  UseTheTerminalsEncoding();
  history_ = ::history_init();
  el_ = ::el_init("tandem-cli", stdin, stdout, stderr);
}

void LibeditLine::Start() {
  HistEvent event;
  ::history(history_, &event, H_SETSIZE, kHistoryLines);
  ::history(history_, &event, H_SETUNIQUE, 1);
  if (!history_path_.empty()) ::history(history_, &event, H_LOAD, history_path_.c_str());
  ::el_set(el_, EL_CLIENTDATA, this);
  ::el_set(el_, EL_EDITOR, "emacs");
  ::el_set(el_, EL_PROMPT, &LibeditLine::PromptOf);
  ::el_set(el_, EL_HIST, ::history, history_);
  // Restores the terminal on SIGTERM/SIGHUP and follows window resizes.
  ::el_set(el_, EL_SIGNAL, 1);
  // Ctrl-C is a key here (drop the line), not SIGINT.
  ::el_set(el_, EL_SETTY, "-d", "-isig", nullptr);
  // The wide form stores these (static) names as given; the narrow one
  // duplicates them and never frees the copies (libedit's eln.c says so).
  ::el_wset(el_, EL_ADDFN, L"tandem-drop-line", L"Drop the line being typed", &LibeditLine::DropLineKey);
  ::el_set(el_, EL_BIND, "^C", "tandem-drop-line", nullptr);
  ::el_set(el_, EL_BIND, "^I", "ed-insert", nullptr);
  ::el_source(el_, nullptr);  // ~/.editrc ($EDITRC), lines for "tandem-cli:"
  ::el_set(el_, EL_UNBUFFERED, 1);  // raw terminal, prompt shown
  started_ = true;
}

LibeditLine::~LibeditLine() {
  if (el_ != nullptr) ::el_end(el_);  // the terminal as it was
  if (history_ == nullptr) return;
  HistEvent event;
  if (started_ && !history_path_.empty()) ::history(history_, &event, H_SAVE, history_path_.c_str());
  ::history_end(history_);
}

char* LibeditLine::PromptOf(EditLine* el) {
  void* self = nullptr;
  ::el_get(el, EL_CLIENTDATA, &self);
  return static_cast<LibeditLine*>(self)->prompt_.data();
}

// Ctrl-C: the line is left on the screen, ended by "^C", and not sent;
// ReadKey() sees `dropped_`.
unsigned char LibeditLine::DropLineKey(EditLine* el, int) {
  void* self = nullptr;
  ::el_get(el, EL_CLIENTDATA, &self);
  static_cast<LibeditLine*>(self)->dropped_ = true;
  const LineInfoW* line = ::el_wline(el);
  ::el_cursor(el, static_cast<int>(line->lastchar - line->cursor));
  return CC_REFRESH;
}

LibeditLine::Event LibeditLine::ReadKey() {
  if (!line_shown_) {
    // Output stopped mid-line: the line being typed goes below it.
    Write(ForTerminal("\r\n"));
    ::el_set(el_, EL_REFRESH);
    line_shown_ = true;
  }
  int count = 0;
  errno = 0;
  const char* text = ::el_gets(el_, &count);
  Event event;
  if (dropped_) {
    dropped_ = false;
    Write(ForTerminal("^C\r\n"));
    StartLine(prompt_);
    return event;
  }
  if (text == nullptr) {
    // An emptied line and a failed read both come back as NULL, -1; only
    // the second leaves an errno (EIO once the terminal hangs up).
    const bool failed = count < 0 && errno != 0 && errno != EINTR && errno != EAGAIN && errno != EILSEQ;
    if (failed || StdinGone()) event.kind = Event::kEof;
    return event;
  }
  std::string_view line(text, static_cast<size_t>(count));
  if (line == std::string_view(&kCtrlD, 1)) {  // Ctrl-D on an empty line
    Write(ForTerminal("\r\n"));
    event.kind = Event::kEof;
    return event;
  }
  if (!line.ends_with('\n')) return event;  // still being typed
  line.remove_suffix(1);
  event.kind = Event::kLine;
  event.line = std::string(line);
  if (!event.line.empty()) {
    HistEvent added;
    ::history(history_, &added, H_ENTER, event.line.c_str());
  }
  return event;
}

bool LibeditLine::KeysWaiting() const {
  pollfd pfd{STDIN_FILENO, POLLIN, 0};
  return ::poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) != 0;
}

void LibeditLine::StartLine(std::string prompt) {
  prompt_ = std::move(prompt);
  // Leaving and re-entering unbuffered mode is libedit's way to an empty
  // line (its readline layer does the same per line): history position,
  // undo and mark reset, prompt drawn.
  ::el_set(el_, EL_UNBUFFERED, 0);
  ::el_set(el_, EL_UNBUFFERED, 1);
  line_shown_ = true;
}

void LibeditLine::Show(std::string_view bytes) {
  if (bytes.empty()) return;
  if (line_shown_) Erase();
  line_shown_ = false;
  Write(ForTerminal(bytes));
  if (bytes.ends_with('\n')) {
    ::el_set(el_, EL_REFRESH);  // from column 0 of the cursor's row
    line_shown_ = true;
  }
}

void LibeditLine::ShowLast(std::string_view bytes) {
  if (line_shown_) Erase();
  line_shown_ = false;
  Write(ForTerminal(bytes));
}

// Up to the prompt's row (the line may wrap), then clear to the end of
// the screen.
void LibeditLine::Erase() {
  int width = 0;
  if (::el_get(el_, EL_GETTC, "co", &width) != 0 || width < 2) width = 80;
  const LineInfoW* line = ::el_wline(el_);
  const size_t column =
      Columns(line->buffer, static_cast<size_t>(line->cursor - line->buffer), Columns(prompt_));
  const size_t rows_up = column / static_cast<size_t>(width);
  std::string erase = rows_up > 0 ? absl::StrCat("\x1b[", rows_up, "A") : "";
  erase.append("\r\x1b[J");
  Write(erase);
}

std::string LibeditLine::ForTerminal(std::string_view bytes) const {
  termios attrs;
  const bool adds_cr = ::tcgetattr(STDOUT_FILENO, &attrs) == 0 && (attrs.c_oflag & OPOST) != 0 &&
                       (attrs.c_oflag & ONLCR) != 0;
  const absl::string_view text(bytes.data(), bytes.size());
  return adds_cr ? absl::StrReplaceAll(text, {{"\r\n", "\n"}}) : std::string(text);
}

void LibeditLine::Write(std::string_view bytes) const {
  while (!bytes.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace tandem::cli
