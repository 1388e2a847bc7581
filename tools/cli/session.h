// tandem-cli's two ways of talking to one node: the interactive session
// (telnet-like, bytes shown exactly as the server sends them) and the
// one-shot command (one request, its reply on stdout, the exit code saying
// whether the reply was an error).
#ifndef TANDEM_TOOLS_CLI_SESSION_H_
#define TANDEM_TOOLS_CLI_SESSION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/config.h"

namespace tandem::cli {

// Exit codes of tandem-cli.
inline constexpr int kExitOk = 0;
inline constexpr int kExitErrorReply = 1;  // ERROR, CLIENT_ERROR, SERVER_ERROR
inline constexpr int kExitUsage = 2;
inline constexpr int kExitConnection = 3;  // connect failed, timeout, closed early

// A blocking-with-poll TCP connection to `node` (numeric or resolvable host).
absl::StatusOr<int> ConnectTcp(const client::NodeAddress& node, absl::Duration timeout);

// Interactive session on stdin/stdout. On a terminal (both): libedit edits
// the line (libedit_line.h), with a prompt and history; replies are printed
// above it the moment they arrive. Otherwise (a pipe, or output to a file):
// stdin is forwarded as it comes (a lone "\n" sent as "\r\n"), and after
// stdin ends the replies are read until the server has been quiet for
// `quiet` (or closes, or `timeout` passes).
int RunInteractive(const client::NodeAddress& node, absl::Duration timeout);

// One command: `words` joined by spaces is the command line. A storage
// command (set/add/replace/append/prepend/cas) takes its data block from
// the words after the command's own fields, or from stdin when there are
// none (`printf hi | tandem-cli H:P set k 0 0 2`). Without FLAGS EXPTIME
// BYTES (`set k hello world`, or `set k` with the data on stdin), flags and
// exptime are 0 and BYTES is the data's size. The reply bytes go to stdout
// unchanged, except that with `dropped_end` a retrieval reply's final
// "END\r\n" is left out (and *dropped_end set): the caller merging the
// replies of several shards prints one END.
int RunOneShot(const client::NodeAddress& node, const std::vector<std::string>& words,
               absl::Duration timeout, bool* dropped_end = nullptr);

}  // namespace tandem::cli

#endif  // TANDEM_TOOLS_CLI_SESSION_H_
