// DefaultHandlerFactory; see handler_factory.h.
#include "server/handler_factory.h"

#include "protocol/sniff.h"
#include "server/binary_handler.h"
#include "server/text_handler.h"

namespace tandem::server {

std::unique_ptr<RequestHandler> DefaultHandlerFactory::ForFirstByte(uint8_t first_byte, int fd) {
  bool binary = false;
  switch (settings_.binding_protocol) {
    case BindingProtocol::kAscii: binary = false; break;
    case BindingProtocol::kBinary: binary = true; break;
    case BindingProtocol::kAuto:
      binary = protocol::SniffProtocol(first_byte) == protocol::Wire::kBinary;
      break;
  }
  if (binary) return std::make_unique<BinaryHandler>(settings_, executor_, fd, forwarder_, sasl_);
  return std::make_unique<TextHandler>(settings_, executor_, fd, forwarder_, users_);
}

}  // namespace tandem::server
