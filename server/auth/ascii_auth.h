// ASCII authentication (-Y): what a text connection may do before it has
// authenticated. memcached 1.6.18 (proto_text.c, try_read_command_asciiauth)
// reads every line as "set <key> <flags> <exptime> <bytes>" whose data is
// "<user> <password>" (more tokens are ignored), and nothing else:
//
//   any other line                 CLIENT_ERROR unauthenticated
//   data not ending in "\r\n"      CLIENT_ERROR bad command line termination
//   data with fewer than 2 tokens  CLIENT_ERROR bad authentication token format
//   wrong user or password         CLIENT_ERROR authentication failure
//   a match                        STORED, and the connection is authenticated
//
// `noreply` is ignored, the connection stays open after a failure, and
// 2048 bytes without a newline close it. Key, flags and exptime are not
// checked (and nothing is stored). Each attempt counts in auth_cmds, each
// failure also in auth_errors.
//
// Not copied from memcached:
// - memcached reuses one reply buffer for these replies, so of several
//   requests that arrive in one read only the last is answered; tandemd
//   answers each.
// - memcached waits for data up to its 16 KB read buffer and closes the
//   connection when that fills (a <bytes> of 16383 or more; 4000000000
//   crashes memcached 1.6.18, and values from 2^32-2 up wrap); tandemd
//   closes as soon as the line asks for more than 16382 bytes.
#ifndef TANDEM_SERVER_AUTH_ASCII_AUTH_H_
#define TANDEM_SERVER_AUTH_ASCII_AUTH_H_

#include <string>
#include <string_view>

#include "server/auth/auth_users.h"
#include "server/request_handler.h"
#include "server/stats.h"

namespace tandem::server {

// memcached's read buffer (16 KB) less the data's "\r\n".
inline constexpr size_t kMaxAsciiAuthData = 16382;

// Handles the request at the start of `input` on a connection that has not
// authenticated; sets *authenticated on a match.
HandleResult HandleAsciiAuth(std::string_view input, const AuthUsers& users, ThreadStats& stats,
                             std::string* out, bool* authenticated);

}  // namespace tandem::server

#endif  // TANDEM_SERVER_AUTH_ASCII_AUTH_H_
