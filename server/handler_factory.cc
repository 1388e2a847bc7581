// DefaultHandlerFactory; see handler_factory.h.
#include "server/handler_factory.h"

#include "server/text_handler.h"

namespace tandem::server {

// Only the text protocol exists so far: binary requests (first byte 0x80)
// are parsed as text and answered with ERROR, as by a memcached started with
// -B ascii.
std::unique_ptr<RequestHandler> DefaultHandlerFactory::ForFirstByte(uint8_t, int fd) {
  return std::make_unique<TextHandler>(settings_, dispatcher_, fd);
}

}  // namespace tandem::server
