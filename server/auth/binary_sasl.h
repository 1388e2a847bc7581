// BinarySasl: one binary connection's SASL state under -S, with memcached
// 1.6.18's rules (proto_bin.c):
//
// - Before a successful authentication only SASL_LIST_MECHS (0x20),
//   SASL_AUTH (0x21), SASL_STEP (0x22) and VERSION run; any other opcode
//   (quiet ones and NOOP included) is answered 0x0020 "Auth failure." and
//   the connection is closed.
// - LIST_MECHS answers the mechanisms, space-separated. AUTH starts the
//   mechanism named by the key with the value as the client's first
//   message, STEP continues it: success answers "Authenticated" (status
//   0), a challenge is status 0x0021 with the challenge as body, anything
//   else 0x0020 "Auth failure." (the connection stays open).
// - Each of the three first forgets an earlier success, so a connection
//   re-authenticating (or merely listing mechanisms) must succeed again.
// - A key longer than 32 bytes is 0x0004 "Invalid arguments" and the value
//   is swallowed; a key and value too large for one slab chunk (memcached
//   reads them into an item, which must not be chunked) is 0x0082 "Out of
//   memory", also swallowed.
// Each AUTH/STEP counts in auth_cmds unless it continues; each failure
// also in auth_errors.
#ifndef TANDEM_SERVER_AUTH_BINARY_SASL_H_
#define TANDEM_SERVER_AUTH_BINARY_SASL_H_

#include <string>
#include <string_view>

#include "protocol/binary_parser.h"
#include "server/auth/sasl.h"
#include "server/request_handler.h"
#include "server/stats.h"

namespace tandem::server {

class BinarySasl {
 public:
  // max_item: the most key and value bytes accepted (memcached: what fits
  // one slab chunk beside an item header).
  BinarySasl(const SaslLibrary& library, size_t max_item) : session_(library), max_item_(max_item) {}

  static bool IsSaslOpcode(uint8_t opcode);
  // Whether `opcode` may run on this connection now.
  bool Allows(uint8_t opcode) const;

  // Handles a SASL request whose header and key (`head` bytes of `input`)
  // passed the shape checks; waits for its value.
  HandleResult Handle(const protocol::binary::Request& req, std::string_view input, size_t head,
                      ThreadStats& stats, std::string* out);

 private:
  SaslSession session_;
  const size_t max_item_;
  bool authenticated_ = false;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_AUTH_BINARY_SASL_H_
