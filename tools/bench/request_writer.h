// RequestWriter: tandem-bench's two requests — a get of n key indices and
// a set of one key at a value size — as wire bytes in the workload's
// protocol, made by protocol/request_encoder.
//
// One per connection, because it owns the scratch a request needs: the
// text of the request's keys, formatted side by side, and reusable Command
// and MetaCommand templates whose flags never change. Writing a request
// therefore allocates nothing once the output string has grown to its
// working size. Keys are valid by construction (Workload::Validate), so an
// encoder error means a bug; it is returned all the same, with nothing
// appended.
#ifndef TANDEM_TOOLS_BENCH_REQUEST_WRITER_H_
#define TANDEM_TOOLS_BENCH_REQUEST_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "protocol/command.h"
#include "protocol/meta_command.h"
#include "tools/bench/workload.h"

namespace tandem::bench {

class RequestWriter {
 public:
  explicit RequestWriter(const Workload* workload);

  // text: "get k1 k2 ...\r\n" for n keys.
  // meta: n == 1: "mg k v f\r\n"; n > 1: n x "mg k v f q\r\n" then "mn\r\n".
  // binary: n == 1: GETK; n > 1: n x GETKQ then NOOP.
  // n is at most the workload's multiget.
  absl::Status AppendGet(const uint64_t* indices, int n, std::string* out);
  // text: "set k 0 0 <size>\r\n<value>\r\n".
  // meta: "ms k <size> F0\r\n<value>\r\n". binary: SET, flags 0, exptime 0.
  absl::Status AppendSet(uint64_t index, int size, std::string* out);

 private:
  // Formats key `index` into slot `slot` of key_text_ and returns it.
  std::string_view Key(int slot, uint64_t index);
  absl::Status AppendTextGet(const uint64_t* indices, int n, std::string* out);
  absl::Status AppendMetaGet(const uint64_t* indices, int n, std::string* out);
  absl::Status AppendBinaryGet(const uint64_t* indices, int n, std::string* out);

  const Workload* workload_;
  std::string key_text_;  // multiget slots of key_size bytes
  protocol::Command text_get_;
  protocol::Command text_set_;
  protocol::MetaCommand meta_get_;        // v f
  protocol::MetaCommand meta_get_quiet_;  // v f q
  protocol::MetaCommand meta_set_;        // F0
  protocol::MetaCommand meta_noop_;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_BENCH_REQUEST_WRITER_H_
