// LineEditor: a small hand-written line editor for tandem-cli's interactive
// mode on a terminal (readline and libedit are not among the project's
// packages, and a cache shell needs little: cursor keys, history, a few
// Emacs keys). The cursor moves by UTF-8 character.
//
// It does not own the loop: the session polls stdin and the server socket
// together, feeds stdin bytes to Feed(), and calls Interrupt() + Redraw()
// around server output so replies can arrive while a line is being typed,
// as in telnet. Keys: printable bytes insert; Backspace, Delete; Left/Right,
// Home/End, Ctrl-A/E; Up/Down and Ctrl-P/N walk the history; Ctrl-U/K kill
// to start/end; Ctrl-W kills a word; Ctrl-C drops the line; Ctrl-D on an
// empty line ends the session; Enter submits. Escape sequences split across
// reads are kept until complete.
#ifndef TANDEM_TOOLS_CLI_LINE_EDITOR_H_
#define TANDEM_TOOLS_CLI_LINE_EDITOR_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::cli {

class LineEditor {
 public:
  // `fd`: the terminal (stdin), put into raw mode until destruction.
  LineEditor(int in_fd, int out_fd, std::string prompt);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  bool raw_mode() const { return raw_; }

  struct Event {
    enum Kind { kLine, kEof } kind;
    std::string line;  // kLine: without the newline
  };
  // Processes input bytes; returns the completed lines (and kEof) in order.
  std::vector<Event> Feed(std::string_view bytes);

  // Shows the prompt and the line being edited.
  void Redraw();
  // Clears the line being edited from the screen (before other output).
  void Clear();

  const std::vector<std::string>& history() const { return history_; }
  // Earlier sessions' lines, oldest first (loaded before the first key).
  void SetHistory(std::vector<std::string> history);
  void set_prompt(std::string prompt) { prompt_ = std::move(prompt); }

 private:
  void Write(std::string_view bytes);
  void HandleEscape(std::string_view sequence);
  void HistoryMove(int direction);

  int in_fd_;
  int out_fd_;
  std::string prompt_;
  bool raw_ = false;
  struct Saved;
  Saved* saved_ = nullptr;  // the terminal settings to restore
  std::string line_;
  size_t cursor_ = 0;
  std::string pending_escape_;
  std::vector<std::string> history_;
  size_t history_pos_ = 0;  // == history_.size(): the line being typed
  std::string draft_;       // the typed line while browsing history
};

}  // namespace tandem::cli

#endif  // TANDEM_TOOLS_CLI_LINE_EDITOR_H_
