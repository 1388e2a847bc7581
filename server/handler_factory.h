// DefaultHandlerFactory: picks each new connection's protocol handler from
// its first byte, as memcached's "auto-negotiate" does, within what -B
// allows. Everything a handler needs from the server is passed in here.
#ifndef TANDEM_SERVER_HANDLER_FACTORY_H_
#define TANDEM_SERVER_HANDLER_FACTORY_H_

#include <memory>

#include "server/dispatcher.h"
#include "server/request_handler.h"
#include "server/settings.h"

namespace tandem::server {

class DefaultHandlerFactory final : public HandlerFactory {
 public:
  DefaultHandlerFactory(const Settings& settings, Dispatcher& dispatcher)
      : settings_(settings), dispatcher_(dispatcher) {}
  std::unique_ptr<RequestHandler> ForFirstByte(uint8_t first_byte, int fd) override;

 private:
  const Settings& settings_;
  Dispatcher& dispatcher_;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_HANDLER_FACTORY_H_
