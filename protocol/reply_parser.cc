// Reply parser (see reply_parser.h). One table maps the single-line replies
// to their kinds; the multi-line ones (VALUE..., STAT..., listings) are a
// small state machine that consumes one whole line or data block per step.
#include "protocol/reply_parser.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <utility>

namespace tandem::protocol {

namespace {

struct KindName {
  ReplyKind kind;
  const char* name;
};

// Replies that are exactly one keyword on one line.
constexpr std::array<KindName, 9> kBareReplies = {{
    {ReplyKind::kStored, "STORED"},
    {ReplyKind::kNotStored, "NOT_STORED"},
    {ReplyKind::kExists, "EXISTS"},
    {ReplyKind::kNotFound, "NOT_FOUND"},
    {ReplyKind::kDeleted, "DELETED"},
    {ReplyKind::kTouched, "TOUCHED"},
    {ReplyKind::kOk, "OK"},
    {ReplyKind::kReset, "RESET"},
    {ReplyKind::kError, "ERROR"},
}};

// Replies that carry text after "KEYWORD ".
constexpr std::array<KindName, 3> kTextReplies = {{
    {ReplyKind::kVersion, "VERSION"},
    {ReplyKind::kClientError, "CLIENT_ERROR"},
    {ReplyKind::kServerError, "SERVER_ERROR"},
}};

// Lines of listings other than STAT: stats cachedump (ITEM), stats detail
// dump (PREFIX), lru_crawler metadump (key=...).
constexpr std::array<std::string_view, 3> kListingPrefixes = {"ITEM ", "PREFIX ", "key="};

constexpr std::string_view kCrlf = "\r\n";

// "what: <first 80 bytes of line>" (absl::StrCat takes no std::string_view
// with Debian's Abseil).
std::string Describe(std::string_view what, std::string_view line) {
  std::string message(what);
  message.append(line.substr(0, 80));
  return message;
}

template <typename Int>
bool ParseDecimal(std::string_view text, Int* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool IsListingLine(std::string_view line) {
  for (std::string_view prefix : kListingPrefixes) {
    if (line.starts_with(prefix)) return true;
  }
  return false;
}

// Splits "VALUE key flags bytes [cas]" into its fields; false if malformed.
bool ParseValueHeader(std::string_view line, ReplyValue* value, size_t* bytes) {
  std::string_view rest = line.substr(6);  // after "VALUE "
  std::array<std::string_view, 4> fields;
  size_t count = 0;
  while (!rest.empty()) {
    size_t space = rest.find(' ');
    std::string_view field = rest.substr(0, space);
    if (field.empty() || count == fields.size()) return false;
    fields[count++] = field;
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
    if (rest.empty()) return false;  // trailing space
  }
  if (count < 3) return false;
  uint32_t flags = 0;
  if (!ParseDecimal(fields[1], &flags) || !ParseDecimal(fields[2], bytes)) return false;
  value->key.assign(fields[0]);
  value->flags = flags;
  value->cas.reset();
  if (count == 4) {
    uint64_t cas = 0;
    if (!ParseDecimal(fields[3], &cas)) return false;
    value->cas = cas;
  }
  return true;
}

}  // namespace

const char* ReplyKindName(ReplyKind kind) {
  for (const KindName& k : kBareReplies) {
    if (k.kind == kind) return k.name;
  }
  for (const KindName& k : kTextReplies) {
    if (k.kind == kind) return k.name;
  }
  switch (kind) {
    case ReplyKind::kValues: return "VALUE";
    case ReplyKind::kNumber: return "NUMBER";
    case ReplyKind::kStats: return "STAT";
    case ReplyKind::kLines: return "LINES";
    default: return "NONE";
  }
}

void ReplyParser::Reset() {
  state_ = State::kStart;
  partial_.Clear();
}

ReplyParseResult ReplyParser::Fail(size_t consumed, std::string message) {
  Reset();
  ReplyParseResult result;
  result.status = ReplyParseStatus::kError;
  result.consumed = consumed;
  result.error = std::move(message);
  return result;
}

ReplyParseResult ReplyParser::Parse(std::string_view input, Reply* reply) {
  size_t pos = 0;
  auto need_more = [&]() {
    ReplyParseResult result;
    result.status = ReplyParseStatus::kNeedMore;
    result.consumed = pos;
    return result;
  };
  auto done = [&]() {
    // Swapped, not moved: the caller's old buffers (a reused Reply's
    // vectors) come back here to be cleared and refilled.
    swap(*reply, partial_);
    Reset();
    ReplyParseResult result;
    result.status = ReplyParseStatus::kDone;
    result.consumed = pos;
    return result;
  };

  while (true) {
    std::string_view rest = input.substr(pos);
    size_t eol = rest.find(kCrlf);
    if (eol == std::string_view::npos) {
      // A trailing "\r" may be the start of the line's "\r\n": counting
      // it would refuse a line at the limit only when split right there.
      const size_t line_so_far = rest.ends_with('\r') ? rest.size() - 1 : rest.size();
      if (line_so_far > max_line_) return Fail(pos, "reply line too long");
      return need_more();
    }
    if (eol > max_line_) return Fail(pos, "reply line too long");
    std::string_view line = rest.substr(0, eol);
    size_t line_end = pos + eol + kCrlf.size();

    if (state_ != State::kStart) {
      // Inside a multi-line reply: END closes it; otherwise the line must
      // continue the same kind of listing.
      if (line == "END") {
        pos = line_end;
        return done();
      }
      if (state_ == State::kValues && line.starts_with("VALUE ")) {
        // fall through to the VALUE handling below
      } else if (state_ == State::kStats && line.starts_with("STAT ")) {
        // fall through
      } else if (state_ == State::kLines && IsListingLine(line)) {
        // fall through
      } else {
        return Fail(pos, Describe("unexpected line inside a multi-line reply: ", line));
      }
    }

    if (line.starts_with("VALUE ")) {
      ReplyValue value;
      size_t bytes = 0;
      if (!ParseValueHeader(line, &value, &bytes)) {
        return Fail(pos, Describe("malformed VALUE line: ", line));
      }
      // The whole data block and its "\r\n" must be here before the header
      // is consumed, so a partial block never needs remembering.
      // (Compared without adding to `bytes`, which may be near 2^64.)
      const size_t after_header = rest.size() - (eol + kCrlf.size());
      if (bytes > after_header || after_header - bytes < kCrlf.size()) return need_more();
      std::string_view data = input.substr(line_end, bytes);
      if (input.substr(line_end + bytes, kCrlf.size()) != kCrlf) {
        return Fail(pos, "VALUE data block not terminated by \\r\\n");
      }
      value.data.assign(data);
      partial_.kind = ReplyKind::kValues;
      partial_.values.push_back(std::move(value));
      state_ = State::kValues;
      pos = line_end + bytes + kCrlf.size();
      continue;
    }
    if (line.starts_with("STAT ")) {
      std::string_view body = line.substr(5);
      size_t space = body.find(' ');
      std::string_view name = body.substr(0, space);
      std::string_view value = space == std::string_view::npos ? std::string_view() : body.substr(space + 1);
      partial_.kind = ReplyKind::kStats;
      partial_.stats.emplace_back(std::string(name), std::string(value));
      state_ = State::kStats;
      pos = line_end;
      continue;
    }
    if (IsListingLine(line)) {
      partial_.kind = ReplyKind::kLines;
      partial_.lines.emplace_back(line);
      state_ = State::kLines;
      pos = line_end;
      continue;
    }

    // A single-line reply.
    pos = line_end;
    if (line == "END") {
      partial_.kind = ReplyKind::kValues;
      return done();
    }
    for (const KindName& k : kBareReplies) {
      if (line == k.name) {
        partial_.kind = k.kind;
        return done();
      }
    }
    for (const KindName& k : kTextReplies) {
      std::string_view name = k.name;
      if (line.starts_with(name) && (line.size() == name.size() || line[name.size()] == ' ')) {
        partial_.kind = k.kind;
        if (line.size() > name.size()) partial_.text.assign(line.substr(name.size() + 1));
        return done();
      }
    }
    uint64_t number = 0;
    if (ParseDecimal(line, &number)) {
      partial_.kind = ReplyKind::kNumber;
      partial_.number = number;
      return done();
    }
    return Fail(pos - line.size() - kCrlf.size(), Describe("unknown reply line: ", line));
  }
}

ReplyParseResult ParseReply(std::string_view input, Reply* reply) {
  ReplyParser parser;
  ReplyParseResult result = parser.Parse(input, reply);
  if (result.status == ReplyParseStatus::kNeedMore) result.consumed = 0;
  return result;
}

}  // namespace tandem::protocol
