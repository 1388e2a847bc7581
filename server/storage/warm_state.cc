// WarmState encoding (see warm_state.h). One line per value; repeated
// lines for classes and LRU lists; the checksum line last.
#include "server/storage/warm_state.h"

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace tandem::server::storage {
namespace {

constexpr absl::string_view kMagic = "tandem_warm_restart";
constexpr absl::string_view kChecksum = "checksum ";

uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("metadata ", what));
}

template <typename T>
bool Dec(absl::string_view s, T* out) {
  return absl::SimpleAtoi(s, out);
}

template <typename T>
bool Hex(absl::string_view s, T* out) {
  return absl::SimpleHexAtoi(s, out);
}

}  // namespace

std::string EncodeWarmState(const WarmState& s) {
  std::string out = absl::StrCat(kMagic, " ", WarmState::kLayoutVersion, "\n");
  for (const auto& [name, value] : s.settings)
    absl::StrAppend(&out, "setting ", name, " ", value, "\n");
  absl::StrAppendFormat(&out, "mmap_base %x\n", s.mmap_base);
  absl::StrAppend(&out, "cas ", s.cas, "\n", "oldest_live ", s.oldest_live, "\n", "oldest_cas ",
                  s.oldest_cas, "\n", "curr_items ", s.curr_items, "\n", "process_started ",
                  s.process_started, "\n", "current_time ", s.current_time, "\n", "stop_time ",
                  s.stop_time, "\n");
  out += "page_classes ";
  if (s.page_classes.empty()) out += "-";
  for (size_t i = 0; i < s.page_classes.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", static_cast<int>(s.page_classes[i]));
  }
  out += "\n";
  for (const auto& c : s.classes) {
    absl::StrAppend(&out, "class ", c.id, " ", c.pages, " ", c.end_offset, " ", c.end_left, "\n");
  }
  for (const auto& l : s.lrus) {
    absl::StrAppendFormat(&out, "lru %d %d %x %x %d\n", l.cls, l.lru, l.head, l.tail, l.count);
  }
  if (s.replicating) {
    absl::StrAppend(&out, "repl_node_id ", s.node_id, "\n", "repl_stream_end ", s.stream_end, "\n",
                    "repl_applied_stream ", s.applied_stream, "\n", "repl_applied_offset ",
                    s.applied_offset, "\n", "repl_hlc ", s.hlc, "\n", "repl_cas_node_bit ", s.cas_node_bit, "\n");
    for (const auto& m : s.flush_marks) {
      absl::StrAppend(&out, "flush_mark ", m.version, " ", m.delay_ms, " ", m.due_ms, "\n");
    }
    // Keys are hex: a binary-protocol key may hold any byte.
    for (const auto& [key, version] : s.tombstones) {
      absl::StrAppend(&out, "tombstone ", absl::BytesToHexString(key), " ", version, "\n");
    }
    for (const auto& [slot, version] : s.floor_slots) {
      absl::StrAppend(&out, "floor ", slot, " ", version, "\n");
    }
  }
  absl::StrAppendFormat(&out, "%s%016x\n", kChecksum, Fnv1a64(out));
  return out;
}

absl::StatusOr<WarmState> DecodeWarmState(std::string_view text_in) {
  const absl::string_view text(text_in.data(), text_in.size());
  // The checksum line closes the file; everything before it is covered.
  const size_t at = text.rfind(absl::StrCat("\n", kChecksum));
  if (at == absl::string_view::npos) return Bad("has no checksum (truncated?)");
  const absl::string_view body = text.substr(0, at + 1);
  absl::string_view sum = text.substr(at + 1 + kChecksum.size());
  if (!sum.empty() && sum.back() == '\n') sum.remove_suffix(1);
  uint64_t want = 0;
  if (sum.size() != 16 || !Hex(sum, &want) || want != Fnv1a64(body)) {
    return Bad("checksum does not match");
  }

  WarmState s;
  std::map<std::string, int, std::less<>> seen;
  bool first = true;
  for (absl::string_view line : absl::StrSplit(body, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    if (first) {
      int layout = 0;
      if (f.size() != 2 || f[0] != kMagic || !Dec(f[1], &layout))
        return Bad("is not a tandem metadata file");
      if (layout != WarmState::kLayoutVersion) {
        return Bad(absl::StrCat("has item layout ", layout, ", this build uses ",
                                WarmState::kLayoutVersion));
      }
      first = false;
      continue;
    }
    const absl::string_view key = f[0];
    bool ok = true;
    if (key == "setting" && f.size() >= 3) {
      // A value may hold spaces: it is the rest of the line.
      const size_t value_at = f[0].size() + 1 + f[1].size() + 1;
      s.settings.emplace_back(std::string(f[1]), std::string(line.substr(value_at)));
      continue;
    }
    if (key == "class") {
      WarmState::ClassEnd c;
      ok = f.size() == 5 && Dec(f[1], &c.id) && Dec(f[2], &c.pages) && Dec(f[3], &c.end_offset) &&
           Dec(f[4], &c.end_left);
      if (ok) s.classes.push_back(c);
    } else if (key == "lru") {
      WarmState::LruList l;
      ok = f.size() == 6 && Dec(f[1], &l.cls) && Dec(f[2], &l.lru) && Hex(f[3], &l.head) &&
           Hex(f[4], &l.tail) && Dec(f[5], &l.count);
      if (ok) s.lrus.push_back(l);
    } else if (key == "flush_mark") {
      WarmState::FlushMark m;
      ok = f.size() == 4 && Dec(f[1], &m.version) && Dec(f[2], &m.delay_ms) && Dec(f[3], &m.due_ms);
      if (ok) s.flush_marks.push_back(m);
    } else if (key == "tombstone") {
      uint64_t version = 0;
      ok = f.size() == 3 && !f[1].empty() && f[1].size() % 2 == 0 &&
           f[1].find_first_not_of("0123456789abcdef") == absl::string_view::npos &&
           Dec(f[2], &version);
      if (ok) s.tombstones.emplace_back(absl::HexStringToBytes(f[1]), version);
    } else if (key == "floor") {
      uint32_t slot = 0;
      uint64_t version = 0;
      ok = f.size() == 3 && Dec(f[1], &slot) && Dec(f[2], &version);
      if (ok) s.floor_slots.emplace_back(slot, version);
    } else if (f.size() != 2) {
      ok = false;
    } else if (key == "mmap_base") {
      ok = Hex(f[1], &s.mmap_base);
    } else if (key == "cas") {
      ok = Dec(f[1], &s.cas);
    } else if (key == "oldest_live") {
      ok = Dec(f[1], &s.oldest_live);
    } else if (key == "oldest_cas") {
      ok = Dec(f[1], &s.oldest_cas);
    } else if (key == "curr_items") {
      ok = Dec(f[1], &s.curr_items);
    } else if (key == "process_started") {
      ok = Dec(f[1], &s.process_started);
    } else if (key == "current_time") {
      ok = Dec(f[1], &s.current_time);
    } else if (key == "stop_time") {
      ok = Dec(f[1], &s.stop_time);
    } else if (key == "repl_node_id") {
      ok = Dec(f[1], &s.node_id) && s.node_id != 0;
      s.replicating = true;
    } else if (key == "repl_stream_end") {
      ok = Dec(f[1], &s.stream_end);
    } else if (key == "repl_applied_stream") {
      ok = Dec(f[1], &s.applied_stream);
    } else if (key == "repl_applied_offset") {
      ok = Dec(f[1], &s.applied_offset);
    } else if (key == "repl_hlc") {
      ok = Dec(f[1], &s.hlc);
    } else if (key == "repl_cas_node_bit") {
      ok = Dec(f[1], &s.cas_node_bit) && s.cas_node_bit <= 1;
    } else if (key == "page_classes") {
      if (f[1] != "-") {
        for (absl::string_view id : absl::StrSplit(f[1], ',')) {
          int v = 0;
          if (!Dec(id, &v) || v < 0 || v > 255) {  // 0: a page of the global pool
            ok = false;
            break;
          }
          s.page_classes.push_back(static_cast<uint8_t>(v));
        }
      }
    } else {
      return Bad(absl::StrCat("has an unknown line: ", key));
    }
    if (!ok) return Bad(absl::StrCat("has a malformed line: ", key));
    ++seen[std::string(key)];
  }
  if (first) return Bad("is empty");
  for (absl::string_view key : {"mmap_base", "cas", "oldest_live", "oldest_cas", "curr_items",
                                "process_started", "current_time", "stop_time", "page_classes"}) {
    auto it = seen.find(key);
    if (it == seen.end() || it->second != 1) return Bad(absl::StrCat("lacks one ", key, " line"));
  }
  if (s.replicating) {
    for (absl::string_view key : {"repl_node_id", "repl_stream_end", "repl_applied_stream",
                                  "repl_applied_offset", "repl_hlc", "repl_cas_node_bit"}) {
      auto it = seen.find(key);
      if (it == seen.end() || it->second != 1) return Bad(absl::StrCat("lacks one ", key, " line"));
    }
  }
  return s;
}

}  // namespace tandem::server::storage
