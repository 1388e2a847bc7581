// See corpus.h.
#include "tests/support/corpus.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tandem::testing {
namespace {

// Debian's Abseil has its own string_view class; convert at the boundary.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }
std::string_view S(absl::string_view s) { return std::string_view(s.data(), s.size()); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> UnescapeOnly(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i + 1 >= text.size()) return absl::InvalidArgumentError("trailing backslash");
    char e = text[++i];
    switch (e) {
      case 'r': out += '\r'; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '0': out += '\0'; break;
      case '\\': out += '\\'; break;
      case 'x': {
        int hi = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
        int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) return absl::InvalidArgumentError("bad \\x escape");
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      default:
        return absl::InvalidArgumentError(absl::StrCat("unknown escape \\", std::string(1, e)));
    }
  }
  return out;
}

}  // namespace

std::string CorpusCase::AllBytes() const {
  std::string all;
  for (const CorpusStep& s : steps) all += s.send;
  return all;
}

absl::StatusOr<std::string> UnescapeCorpusText(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      auto tail = UnescapeOnly(text.substr(pos));
      if (!tail.ok()) return tail.status();
      out += *tail;
      break;
    }
    auto head = UnescapeOnly(text.substr(pos, open - pos));
    if (!head.ok()) return head.status();
    out += *head;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return absl::InvalidArgumentError("unterminated {{");
    std::string_view inner = text.substr(open + 2, close - open - 2);
    size_t star = inner.rfind('*');
    int count = 0;
    if (star == std::string_view::npos || !absl::SimpleAtoi(A(inner.substr(star + 1)), &count) || count < 0 ||
        count > 4 * 1024 * 1024) {
      return absl::InvalidArgumentError(absl::StrCat("bad repetition {{", A(inner), "}}"));
    }
    auto unit = UnescapeOnly(inner.substr(0, star));
    if (!unit.ok()) return unit.status();
    if (unit->size() == 1) {
      out.append(static_cast<size_t>(count), (*unit)[0]);
    } else {
      out.reserve(out.size() + unit->size() * static_cast<size_t>(count));
      for (int i = 0; i < count; ++i) out.append(*unit);
    }
    pos = close + 2;
  }
  return out;
}

absl::StatusOr<std::vector<CorpusCase>> ParseCorpus(std::string_view text, std::string_view file_name) {
  std::vector<CorpusCase> cases;
  std::string flags;
  int line_no = 0;
  auto error = [&](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(A(file_name), ":", line_no, ": ", A(what)));
  };
  for (absl::string_view line : absl::StrSplit(A(text), '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    if (absl::StartsWith(line, "%flags")) {
      flags = std::string(absl::StripAsciiWhitespace(line.substr(6)));
      continue;
    }
    if (absl::StartsWith(line, "=== ")) {
      CorpusCase c;
      c.name = std::string(absl::StripAsciiWhitespace(line.substr(4)));
      if (c.name.empty() || !std::all_of(c.name.begin(), c.name.end(), [](unsigned char ch) {
            return std::isalnum(ch) || ch == '_';
          })) {
        return error(absl::StrCat("bad case name '", c.name, "'"));
      }
      c.location = absl::StrCat(A(file_name), ":", line_no);
      c.flags = flags;
      cases.push_back(std::move(c));
      continue;
    }
    if (cases.empty()) return error("request text before the first '=== name' line");
    CorpusCase& c = cases.back();
    if (line[0] == '@') {
      std::vector<absl::string_view> words = absl::StrSplit(line.substr(1), ' ', absl::SkipEmpty());
      if (words.empty()) return error("empty directive");
      if (words[0] == "sleep" && words.size() == 2) {
        double secs = 0;
        if (!absl::SimpleAtod(words[1], &secs) || secs < 0 || secs > 10) return error("bad @sleep");
        if (c.steps.empty()) c.steps.emplace_back();
        c.steps.back().sleep += absl::Seconds(secs);
        c.steps.emplace_back();
      } else if (words[0] == "timeout" && words.size() == 2) {
        double secs = 0;
        if (!absl::SimpleAtod(words[1], &secs) || secs <= 0 || secs > 30) return error("bad @timeout");
        c.timeout = absl::Seconds(secs);
      } else if (words[0] == "keepstats" && words.size() == 2) {
        for (absl::string_view name : absl::StrSplit(words[1], ',', absl::SkipEmpty())) {
          c.keep_stat_values.emplace_back(name);
        }
      } else if (words[0] == "nosentinel" && words.size() == 1) {
        c.sentinel = false;
      } else if (words[0] == "bytewise" && words.size() == 1) {
        c.bytewise = true;
      } else if (words[0] == "fresh" && words.size() == 1) {
        c.fresh = true;
      } else {
        return error(absl::StrCat("unknown directive '", line, "'"));
      }
      continue;
    }
    auto bytes = UnescapeCorpusText(S(line));
    if (!bytes.ok()) return error(S(bytes.status().message()));
    if (c.steps.empty()) c.steps.emplace_back();
    c.steps.back().send += *bytes;
  }
  for (CorpusCase& c : cases) {
    std::string all = c.AllBytes();
    if (all.empty()) return absl::InvalidArgumentError(absl::StrCat(c.location, ": case ", c.name, " sends nothing"));
    if (all.back() != '\n') c.sentinel = false;
  }
  return cases;
}

absl::StatusOr<std::vector<CorpusCase>> LoadCorpusDir(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  if (ec) return absl::NotFoundError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
  std::sort(files.begin(), files.end());
  std::vector<CorpusCase> all;
  std::set<std::string> names;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto cases = ParseCorpus(ss.str(), path.filename().string());
    if (!cases.ok()) return cases.status();
    for (CorpusCase& c : *cases) {
      if (!names.insert(c.name).second) {
        return absl::InvalidArgumentError(absl::StrCat(c.location, ": duplicate case name ", c.name));
      }
      all.push_back(std::move(c));
    }
  }
  return all;
}

}  // namespace tandem::testing
