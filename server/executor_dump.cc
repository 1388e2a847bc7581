// Executor: `lru_crawler metadump all|hash|<id>[,<id>...]`, memcached's
// item listing that `memcached-tool HOST:PORT dump` reads, and `extstore`.
//
// One line per live item, "key=<uri-encoded key> exp=<unix or -1>
// la=<unix> cas=<n> fetch=yes|no cls=<class> size=<bytes>", each ending in
// a bare "\n" as memcached writes them, then "END\r\n". The listing is
// built whole before it is queued (memcached streams it from its crawler
// thread), so it costs about 100 bytes of memory per item while it is sent.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "protocol/error_strings.h"
#include "protocol/text_encoder.h"
#include "server/executor.h"
#include "server/storage/engine.h"
#include "server/watch_log.h"

namespace tandem::server {
namespace {

namespace p = tandem::protocol;

// memcached's class list: ids 1..63 (MAX_NUMBER_OF_SLAB_CLASSES - 1),
// comma-separated; "all" and "hash" take every class. False: BADCLASS.
bool ParseClassList(std::string_view which, std::vector<bool>* classes) {
  if (which == "all" || which == "hash") return true;
  constexpr uint32_t kMaxClassId = 63;
  classes->assign(kMaxClassId + 1, false);
  for (absl::string_view id : absl::StrSplit(absl::string_view(which.data(), which.size()), ',',
                                             absl::SkipEmpty())) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(id, &n) || n < 1 || n > kMaxClassId) return false;
    (*classes)[n] = true;
  }
  return true;
}

}  // namespace

void Executor::MetaDump(const p::Command& cmd, std::string_view which, p::ReplyWriter& reply) {
  if (!settings_.lru_crawler) {
    reply.Done(cmd, p::Result::ErrorLine(p::kClientErrorLruCrawlerDisabled));
    return;
  }
  if (!settings_.dump_enabled) {
    reply.Done(cmd, p::Result::ErrorLine(p::kErrorMetadumpNotAllowed));
    return;
  }
  std::vector<bool> classes;
  if (!ParseClassList(which, &classes)) {
    reply.Done(cmd, p::Result::ErrorLine(p::kCrawlerBadClass));
    return;
  }
  std::string lines;
  engine_.MetaDump(classes, [&lines](const storage::Engine::DumpEntry& e) {
    lines.append("key=");
    AppendUriEncoded(&lines, e.key);
    lines.append(" exp=");
    p::AppendInt(&lines, e.expires_at == 0 ? int64_t{-1} : e.expires_at);
    lines.append(" la=");
    p::AppendInt(&lines, e.last_access);
    lines.append(" cas=");
    p::AppendInt(&lines, e.cas);
    lines.append(e.fetched ? " fetch=yes cls=" : " fetch=no cls=");
    p::AppendInt(&lines, e.class_id);
    lines.append(" size=");
    p::AppendInt(&lines, e.total_size);
    lines.push_back('\n');
  });
  p::AppendLine(&lines, p::kEnd);
  p::Result r = p::Result::Of(p::Outcome::kLines);
  r.text = lines;
  reply.Done(cmd, r);
}

// tandem has no external storage (-o ext_path is refused at start-up), so
// it answers as memcached 1.6.18 built with extstore but started without
// ext_path: a well-formed tuning ("extstore item_size 1024") is OK and
// changes nothing that exists, anything else is ERROR. Tools that tune
// extstore on every node keep working against a pair.
// tandemd has no external storage: every `extstore` command says so, even
// with noreply, instead of memcached's OK for a setting nothing uses (an
// operator's tuning script must not believe it took effect).
void Executor::Extstore(const p::Command& cmd, p::ReplyWriter& reply) {
  p::Command loud = cmd;
  loud.noreply = false;
  reply.Done(loud, p::Result::ErrorLine(p::kErrorExtstoreNotSupported));
}

}  // namespace tandem::server
