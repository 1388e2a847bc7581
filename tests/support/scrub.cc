// See scrub.h. A small line walker that knows one thing about framing: a
// VALUE line announces a data block of <bytes> + 2 bytes.
#include "tests/support/scrub.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <vector>


namespace tandem::testing {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string ScrubStatLine(std::string_view line, const ScrubOptions& options) {
  // line has no trailing \r\n; starts with "STAT ".
  if (!options.mask_stat_values) return std::string(line);
  std::string_view rest = line.substr(5);
  size_t sp = rest.find(' ');
  std::string_view name = sp == std::string_view::npos ? rest : rest.substr(0, sp);
  std::string out = "STAT ";
  size_t colon = name.find(':');
  if (colon != std::string_view::npos && AllDigits(name.substr(0, colon))) {
    // "<fd>:field" from stats conns; slab stats ("1:chunk_size", ...) share
    // the shape and are told apart by their field names.
    static constexpr std::string_view kConnFields[] = {"addr", "listen_addr", "state", "secs_since_last_cmd"};
    std::string_view field = name.substr(colon + 1);
    if (std::find(std::begin(kConnFields), std::end(kConnFields), field) != std::end(kConnFields)) {
      out += "<fd>:";
      out += field;
    } else {
      out += name;
    }
  } else {
    out += name;
  }
  if (sp != std::string_view::npos) {
    if (options.keep_stat_values.count(name) > 0) {
      out += rest.substr(sp);
    } else {
      out += rest.size() > sp + 1 ? " <v>" : " ";
    }
  }
  return out;
}

// Splits on single spaces, keeping empty tokens (so odd spacing survives).
std::vector<std::string_view> SplitSpaces(std::string_view line) {
  std::vector<std::string_view> tokens;
  size_t start = 0;
  while (true) {
    size_t sp = line.find(' ', start);
    tokens.push_back(line.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return tokens;
}

// Meta protocol replies: "HD ...", "VA <size> ...", "EN", "NF", "NS",
// "EX" carry return flags; "ME <key> ... cas=<n> ..." is me's dump.
bool IsMetaReplyLine(std::string_view line) {
  static constexpr std::string_view kCodes[] = {"HD", "VA", "EN", "NF", "NS", "EX", "ME"};
  for (std::string_view code : kCodes) {
    if (line == code || (line.starts_with(code) && line.size() > 2 && line[2] == ' ')) return true;
  }
  return false;
}

// Masks the CAS in a meta reply line: a "c<digits>" return flag becomes
// "c<cas>", me's "cas=<digits>" becomes "cas=<cas>".
void AppendScrubbedMetaLine(std::string_view line, const ScrubOptions& options, std::string* out) {
  std::vector<std::string_view> tokens = SplitSpaces(line);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) *out += ' ';
    std::string_view t = tokens[i];
    if (options.mask_cas && i > 0 && t.size() > 1 && t[0] == 'c' && AllDigits(t.substr(1))) {
      *out += "c<cas>";
    } else if (options.mask_cas && tokens[0] == "ME" && t.starts_with("cas=") && AllDigits(t.substr(4))) {
      *out += "cas=<cas>";
    } else {
      *out += t;
    }
  }
  *out += "\r\n";
}

}  // namespace

std::string Scrub(std::string_view reply, const ScrubOptions& options) {
  std::string out;
  out.reserve(reply.size());
  std::vector<std::string> stat_run;
  auto flush_stats = [&] {
    if (stat_run.empty()) return;
    if (options.sort_stats) {
      std::sort(stat_run.begin(), stat_run.end());
      stat_run.erase(std::unique(stat_run.begin(), stat_run.end()), stat_run.end());
    }
    for (const std::string& s : stat_run) {
      out += s;
      out += "\r\n";
    }
    stat_run.clear();
  };

  size_t pos = 0;
  while (pos < reply.size()) {
    size_t nl = reply.find("\r\n", pos);
    if (nl == std::string_view::npos) {
      flush_stats();
      out.append(reply.substr(pos));
      break;
    }
    std::string_view line = reply.substr(pos, nl - pos);
    pos = nl + 2;
    if (line.starts_with("STAT ")) {
      stat_run.push_back(ScrubStatLine(line, options));
      continue;
    }
    flush_stats();
    if (line.starts_with("VALUE ")) {
      std::vector<std::string_view> tokens = SplitSpaces(line);
      if (tokens.size() == 5 && options.mask_cas) tokens[4] = "<cas>";
      for (size_t i = 0; i < tokens.size(); ++i) {
        if (i > 0) out += ' ';
        out += tokens[i];
      }
      out += "\r\n";
      if (tokens.size() >= 4 && AllDigits(tokens[3]) && tokens[3].size() < 12) {
        size_t n = std::strtoull(std::string(tokens[3]).c_str(), nullptr, 10) + 2;
        size_t take = std::min(n, reply.size() - pos);
        out.append(reply.substr(pos, take));
        pos += take;
      }
      continue;
    }
    if (IsMetaReplyLine(line)) {
      AppendScrubbedMetaLine(line, options, &out);
      // "VA <size> ...": a data block of <size> + 2 bytes follows.
      std::vector<std::string_view> tokens = SplitSpaces(line);
      if (tokens[0] == "VA" && tokens.size() >= 2 && AllDigits(tokens[1]) && tokens[1].size() < 12) {
        size_t n = std::strtoull(std::string(tokens[1]).c_str(), nullptr, 10) + 2;
        size_t take = std::min(n, reply.size() - pos);
        out.append(reply.substr(pos, take));
        pos += take;
      }
      continue;
    }
    // lru_crawler metadump: "key=K exp=E la=L cas=C fetch=F cls=N size=S",
    // where the times and the CAS differ between two servers.
    // Those lines end in a bare "\n", so this "line" runs up to the END.
    if (line.starts_with("key=") && options.mask_cas) {
      size_t start = 0;
      while (start < line.size()) {
        const size_t lf = line.find('\n', start);
        std::string_view sub = line.substr(start, lf == std::string_view::npos ? std::string_view::npos : lf - start);
        std::vector<std::string_view> tokens = SplitSpaces(sub);
        for (size_t i = 0; i < tokens.size(); ++i) {
          if (i > 0) out += ' ';
          std::string_view t = tokens[i];
          if ((t.starts_with("exp=") && t != "exp=-1") || t.starts_with("la=") || t.starts_with("cas=")) {
            out.append(t.substr(0, t.find('=') + 1));
            out += "<v>";
          } else {
            out += t;
          }
        }
        if (lf == std::string_view::npos) break;
        out += '\n';
        start = lf + 1;
      }
      out += "\r\n";
      continue;
    }
    if (options.mask_version && line.starts_with("VERSION ")) {
      out += "VERSION <version>\r\n";
      continue;
    }
    out.append(line);
    out += "\r\n";
  }
  flush_stats();
  return out;
}

}  // namespace tandem::testing
