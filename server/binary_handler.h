// BinaryHandler: memcached's binary protocol on one connection. Parses one
// request with protocol/binary_parser, runs it against the engine and
// appends the response packets, following memcached 1.6.18's proto_bin.c:
// the same header checks (and the same connection closes when they fail),
// the same quiet-mode rules (quiet gets hide misses, quiet stores hide
// successes, errors are always sent), the same error bodies and the same
// oddities (an unknown opcode swallows `bodylen` bytes *after* its key).
//
// Opcodes are dispatched through one table indexed by the loud opcode.
// `stat` reuses the Dispatcher's text stats and repackages each
// "STAT name value" line as a key/value packet, so both protocols report
// the same fields.
//
// Not copied from memcached, on purpose:
// - When a bad magic byte (or a desynchronised stream) closes the
//   connection, memcached drops the replies it had queued since its last
//   flush point (a NOOP, an error, the end of a read); tandem sends every
//   reply it produced before closing.
// - -vv logs one line per request rather than memcached's hex dump.
// - SASL: tandemd refuses -S, so the SASL opcodes always get memcached's
//   answer for a server without -S ("Unknown command").
#ifndef TANDEM_SERVER_BINARY_HANDLER_H_
#define TANDEM_SERVER_BINARY_HANDLER_H_

#include <array>
#include <string>
#include <string_view>

#include "protocol/binary_parser.h"
#include "server/dispatcher.h"
#include "server/prefix_stats.h"
#include "server/request_handler.h"
#include "server/settings.h"
#include "server/storage/engine.h"

namespace tandem::server {

class BinaryHandler final : public RequestHandler {
 public:
  BinaryHandler(const Settings& settings, Dispatcher& dispatcher, storage::Engine& engine,
                PrefixStats& prefix_stats, int fd);
  HandleResult HandleOne(std::string_view input, ThreadStats& stats, std::string* out) override;

  // What one opcode's handler tells HandleOne beyond its reply.
  struct Outcome {
    DispatchAction action = DispatchAction::kContinue;
    size_t swallow = 0;
  };
  using Request = protocol::binary::Request;
  using OpcodeInfo = protocol::binary::OpcodeInfo;
  using OpFn = Outcome (BinaryHandler::*)(const Request&, const OpcodeInfo&, ThreadStats&,
                                          std::string*);

 private:
  Outcome Get(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Touch(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Store(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Concat(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Delete(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Arith(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Quit(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Flush(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Noop(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Version(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Stat(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);
  Outcome Sasl(const Request& req, const OpcodeInfo& info, ThreadStats& ts, std::string* out);

  // The value of a request too long to buffer (parser kValueTooLarge).
  Outcome RefuseLargeValue(const Request& req, const OpcodeInfo& info, ThreadStats& ts,
                           size_t vlen, std::string* out);
  void LogRequest(const Request& req) const;

  // The opcode table (binary_handler.cc).
  static const std::array<OpFn, 256>& Handlers();

  const Settings& settings_;
  Dispatcher& dispatcher_;
  storage::Engine& engine_;
  PrefixStats& prefix_stats_;
  const int fd_;  // for -vv log lines only
  protocol::binary::ParserOptions parser_options_;
  protocol::binary::Request request_;
  std::string scratch_;
};

}  // namespace tandem::server

#endif  // TANDEM_SERVER_BINARY_HANDLER_H_
