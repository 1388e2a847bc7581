// LineEditor (see line_editor.h): raw-mode termios, a byte-driven key
// decoder and a redraw that rewrites the whole line (lines are short).
#include "tools/cli/line_editor.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace tandem::cli {

namespace {
constexpr size_t kMaxHistory = 1000;
constexpr char kCtrlA = 1, kCtrlB = 2, kCtrlC = 3, kCtrlD = 4, kCtrlE = 5, kCtrlF = 6, kCtrlH = 8,
               kCtrlK = 11, kCtrlL = 12, kCtrlN = 14, kCtrlP = 16, kCtrlU = 21, kCtrlW = 23, kEsc = 27,
               kDel = 127;

// The cursor is a byte offset kept on UTF-8 character boundaries: it moves,
// and Backspace/Delete erase, over a whole character (a lead byte and its
// continuation bytes 10xxxxxx), so "café" takes four Lefts, not five.
bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t PrevBoundary(const std::string& line, size_t at) {
  if (at == 0) return 0;
  --at;
  while (at > 0 && IsContinuation(line[at])) --at;
  return at;
}

size_t NextBoundary(const std::string& line, size_t at) {
  if (at >= line.size()) return line.size();
  ++at;
  while (at < line.size() && IsContinuation(line[at])) ++at;
  return at;
}

// Characters (terminal columns, for the narrow characters of commands and
// keys) in line[from...].
size_t CharactersFrom(const std::string& line, size_t from) {
  size_t n = 0;
  for (size_t i = from; i < line.size(); ++i) n += IsContinuation(line[i]) ? 0 : 1;
  return n;
}
}  // namespace

struct LineEditor::Saved {
  termios attrs;
};

LineEditor::LineEditor(int in_fd, int out_fd, std::string prompt)
    : in_fd_(in_fd), out_fd_(out_fd), prompt_(std::move(prompt)) {
  termios attrs;
  if (::tcgetattr(in_fd_, &attrs) != 0) return;
  saved_ = new Saved{attrs};
  // Raw input (no echo, no line buffering, no signals: Ctrl-C is a key),
  // and raw output, so the server's bytes reach the terminal unchanged
  // (ONLCR would turn its "\r\n" into "\r\r\n"); we write "\r\n" ourselves.
  attrs.c_iflag &= ~static_cast<tcflag_t>(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
  attrs.c_oflag &= ~static_cast<tcflag_t>(OPOST);
  attrs.c_cflag |= CS8;
  attrs.c_lflag &= ~static_cast<tcflag_t>(ECHO | ICANON | IEXTEN | ISIG);
  attrs.c_cc[VMIN] = 1;
  attrs.c_cc[VTIME] = 0;
  raw_ = ::tcsetattr(in_fd_, TCSAFLUSH, &attrs) == 0;
}

LineEditor::~LineEditor() {
  if (saved_ != nullptr) {
    if (raw_) ::tcsetattr(in_fd_, TCSAFLUSH, &saved_->attrs);
    delete saved_;
  }
}

void LineEditor::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(out_fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void LineEditor::Clear() { Write("\r\x1b[K"); }

void LineEditor::SetHistory(std::vector<std::string> history) {
  history_ = std::move(history);
  history_pos_ = history_.size();
}

void LineEditor::Redraw() {
  std::string out = "\r";
  out.append(prompt_).append(line_).append("\x1b[K");
  if (cursor_ < line_.size()) {
    out.append("\x1b[").append(std::to_string(CharactersFrom(line_, cursor_))).append("D");
  }
  Write(out);
}

void LineEditor::HistoryMove(int direction) {
  if (history_.empty()) return;
  if (direction < 0) {
    if (history_pos_ == 0) return;
    if (history_pos_ == history_.size()) draft_ = line_;
    --history_pos_;
    line_ = history_[history_pos_];
  } else {
    if (history_pos_ >= history_.size()) return;
    ++history_pos_;
    line_ = history_pos_ == history_.size() ? draft_ : history_[history_pos_];
  }
  cursor_ = line_.size();
}

void LineEditor::HandleEscape(std::string_view seq) {
  // seq: "[A", "[3~", "OH" ...
  if (seq == "[A" || seq == "OA") HistoryMove(-1);
  else if (seq == "[B" || seq == "OB") HistoryMove(+1);
  else if (seq == "[C" || seq == "OC") cursor_ = NextBoundary(line_, cursor_);
  else if (seq == "[D" || seq == "OD") cursor_ = PrevBoundary(line_, cursor_);
  else if (seq == "[H" || seq == "OH" || seq == "[1~" || seq == "[7~") cursor_ = 0;
  else if (seq == "[F" || seq == "OF" || seq == "[4~" || seq == "[8~") cursor_ = line_.size();
  else if (seq == "[3~") line_.erase(cursor_, NextBoundary(line_, cursor_) - cursor_);
}

std::vector<LineEditor::Event> LineEditor::Feed(std::string_view bytes) {
  std::vector<Event> events;
  for (char c : bytes) {
    if (!pending_escape_.empty()) {
      pending_escape_.push_back(c);
      // ESC [ params final, or ESC O final; a final byte is 0x40..0x7e.
      const std::string& p = pending_escape_;
      bool complete = p.size() >= 3 && (c >= 0x40 && c <= 0x7e);
      if (p.size() == 2 && p[1] != '[' && p[1] != 'O') complete = true;  // ESC x: ignore
      if (complete || p.size() > 8) {
        HandleEscape(std::string_view(p).substr(1));
        pending_escape_.clear();
      }
      continue;
    }
    switch (c) {
      case '\r':
      case '\n': {
        cursor_ = line_.size();
        Redraw();  // the submitted line stays on screen, as typed
        std::string line = std::move(line_);
        line_.clear();
        cursor_ = 0;
        draft_.clear();
        if (!line.empty() && (history_.empty() || history_.back() != line)) {
          history_.push_back(line);
          if (history_.size() > kMaxHistory) history_.erase(history_.begin());
        }
        history_pos_ = history_.size();
        Write("\r\n");
        events.push_back(Event{Event::kLine, std::move(line)});
        break;
      }
      case kEsc: pending_escape_.push_back(c); break;
      case kDel:
      case kCtrlH:
        if (cursor_ > 0) {
          const size_t start = PrevBoundary(line_, cursor_);
          line_.erase(start, cursor_ - start);
          cursor_ = start;
        }
        break;
      case kCtrlA: cursor_ = 0; break;
      case kCtrlE: cursor_ = line_.size(); break;
      case kCtrlB: cursor_ = PrevBoundary(line_, cursor_); break;
      case kCtrlF: cursor_ = NextBoundary(line_, cursor_); break;
      case kCtrlP: HistoryMove(-1); break;
      case kCtrlN: HistoryMove(+1); break;
      case kCtrlU: line_.erase(0, cursor_); cursor_ = 0; break;
      case kCtrlK: line_.erase(cursor_); break;
      case kCtrlL: Write("\x1b[H\x1b[2J"); break;
      case kCtrlW: {
        size_t start = cursor_;
        while (start > 0 && line_[start - 1] == ' ') --start;
        while (start > 0 && line_[start - 1] != ' ') --start;
        line_.erase(start, cursor_ - start);
        cursor_ = start;
        break;
      }
      case kCtrlC:
        Write("^C\r\n");
        line_.clear();
        cursor_ = 0;
        history_pos_ = history_.size();
        break;
      case kCtrlD:
        if (line_.empty()) {
          Write("\r\n");
          events.push_back(Event{Event::kEof, {}});
          return events;
        }
        line_.erase(cursor_, NextBoundary(line_, cursor_) - cursor_);
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') line_.insert(cursor_++, 1, c);
        break;
    }
  }
  Redraw();
  return events;
}

}  // namespace tandem::cli
