// DefaultHandlerFactory: picks each new connection's protocol handler from
// its first byte, as memcached's "auto-negotiate" does, within what -B
// allows. Everything a handler needs from the server is passed in here.
//
// memcached 1.6.18 with -B binary parses every connection as binary, so
// text bytes are a bad magic once 24 have arrived and the connection is
// closed; with -B ascii binary bytes are parsed as a text line (ERROR once
// a newline arrives). -B auto (the default) decides on 0x80.
#ifndef TANDEM_SERVER_HANDLER_FACTORY_H_
#define TANDEM_SERVER_HANDLER_FACTORY_H_

#include <memory>

#include "server/executor.h"
#include "server/forwarding.h"
#include "server/request_handler.h"
#include "server/settings.h"
#include "server/auth/auth_users.h"
#include "server/auth/sasl.h"

namespace tandem::server {

class DefaultHandlerFactory final : public HandlerFactory {
 public:
  DefaultHandlerFactory(const Settings& settings, Executor& executor)
      : settings_(settings), executor_(executor) {}
  std::unique_ptr<RequestHandler> ForFirstByte(uint8_t first_byte, int fd) override;
  // Conditional commands for keys the peer owns go there (forwarding.h).
  // Set before serving; null (the default): everything runs here.
  void SetForwarder(Forwarder* forwarder) { forwarder_ = forwarder; }
  // Client connections authenticate first: text ones against `users` (-Y),
  // binary ones with SASL (-S). Null: no authentication. Set before serving;
  // both must outlive the factory. Forwarded requests never authenticate:
  // they come from the peer, over the replication link.
  void SetAuthentication(const AuthUsers* users, const SaslLibrary* sasl) {
    users_ = users;
    sasl_ = sasl;
  }

 private:
  const Settings& settings_;
  Executor& executor_;
  Forwarder* forwarder_ = nullptr;
  const AuthUsers* users_ = nullptr;
  const SaslLibrary* sasl_ = nullptr;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_HANDLER_FACTORY_H_
