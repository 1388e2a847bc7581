// LibeditLine: the line being typed in tandem-cli's interactive session on
// a terminal, edited by libedit (Debian libedit-dev): Emacs keys, arrows,
// history (Up/Down, Ctrl-P/N) saved across sessions, the user's ~/.editrc,
// and characters counted in the locale's encoding (UTF-8; a plain C locale
// is taken as C.UTF-8 so that "é" is one character, not two bytes).
//
// Replies must appear while a line is half-typed, as in telnet, so the
// session owns the loop, not libedit: it polls stdin and the server socket
// together, and libedit runs unbuffered (EL_UNBUFFERED), each el_gets()
// handling one key and returning at once. Show() erases the line being
// typed (all its rows when it wraps), prints the output, and when that
// output ends a line has libedit redraw prompt, text and cursor
// (EL_REFRESH, which starts from the cursor's row and column 0).
//
// Limits of that arrangement, from libedit's reader: a key that opens a
// sequence (a lone Esc, or a UTF-8 lead byte) makes el_gets() wait for the
// rest of the sequence, and replies wait with it; a terminal sends both
// whole, so only a lone Esc typed by hand holds them up. libedit's editing
// mode keeps the terminal's CR-adding output (ONLCR), which its cursor
// arithmetic needs; Show() writes a reply's CR LF as LF so that the terminal
// still receives the bytes the server sent.
//
// Keys beyond libedit's Emacs defaults: Ctrl-C drops the line (the
// terminal's signal keys are off while editing), Ctrl-D on an empty line
// ends the session, Tab inserts a tab.
#ifndef TANDEM_TOOLS_CLI_LIBEDIT_LINE_H_
#define TANDEM_TOOLS_CLI_LIBEDIT_LINE_H_

#include <histedit.h>

#include <memory>
#include <string>
#include <string_view>

namespace tandem::cli {

class LibeditLine {
 public:
  // Takes the terminal on stdin/stdout and shows `prompt`; nullptr when
  // libedit cannot start. `history_path`: earlier sessions' lines are
  // loaded from it and this session's saved to it (mode 0600) on
  // destruction ("" = no file).
  static std::unique_ptr<LibeditLine> Open(std::string prompt, std::string history_path);
  ~LibeditLine();
  LibeditLine(const LibeditLine&) = delete;
  LibeditLine& operator=(const LibeditLine&) = delete;

  struct Event {
    enum Kind { kNone, kLine, kEof } kind = kNone;
    std::string line;  // kLine: as typed, without the newline
  };
  // Handles one key (or key sequence) from stdin; call when stdin is
  // readable. After kLine the caller must StartLine() before the next key.
  Event ReadKey();
  // True when more typed bytes wait on stdin.
  bool KeysWaiting() const;
  // An empty line with `prompt`, shown below the one just submitted.
  void StartLine(std::string prompt);

  // Output for the screen (server replies, local messages), shown above
  // the line being typed. Output that ends without a newline is continued
  // by the next call before the line is shown again.
  void Show(std::string_view bytes);
  // The last output of the session: the line is erased and not redrawn.
  void ShowLast(std::string_view bytes);

 private:
  LibeditLine(std::string prompt, std::string history_path);
  void Start();
  static char* PromptOf(EditLine* el);
  static unsigned char DropLineKey(EditLine* el, int key);
  void Erase();
  // `bytes` as they must be written for the terminal to receive them
  // (see the file comment on CR LF).
  std::string ForTerminal(std::string_view bytes) const;
  void Write(std::string_view bytes) const;

  EditLine* el_ = nullptr;
  History* history_ = nullptr;
  std::string prompt_;
  std::string history_path_;
  bool started_ = false;    // history loaded, terminal taken
  bool dropped_ = false;    // Ctrl-C was the last key
  bool line_shown_ = true;  // the edited line is on the screen
};

}  // namespace tandem::cli

#endif  // TANDEM_TOOLS_CLI_LIBEDIT_LINE_H_
