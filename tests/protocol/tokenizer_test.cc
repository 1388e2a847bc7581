// Tests for the tokenizer: line framing, space-only splitting and the
// memcached safe_strto* number rules, each case checked against memcached
// 1.6.18 (see the comments for the reply it gave).
#include "protocol/tokenizer.h"

#include <array>
#include <string>

#include "gtest/gtest.h"

namespace tandem::protocol {
namespace {

using namespace std::string_view_literals;

// --- FindLine --------------------------------------------------------------

TEST(FindLineTest, NoNewlineIsIncomplete) {
  EXPECT_FALSE(FindLine("get k").has_value());
  EXPECT_FALSE(FindLine("get k\r").has_value());
  EXPECT_FALSE(FindLine("").has_value());
}

TEST(FindLineTest, StripsCrLf) {
  auto line = FindLine("get k\r\nrest");
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->text, "get k");
  EXPECT_EQ(line->length, 7u);
}

TEST(FindLineTest, BareNewlineAccepted) {
  auto line = FindLine("get k\nrest");
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->text, "get k");
  EXPECT_EQ(line->length, 6u);
}

TEST(FindLineTest, OnlyOneCarriageReturnStripped) {
  auto line = FindLine("set k 0 0 1\r\r\n");
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->text, "set k 0 0 1\r");
}

TEST(FindLineTest, LoneCrLfKeepsItsCr) {
  // memcached strips '\r' only from lines longer than one byte.
  auto line = FindLine("\r\n");
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->text, "\r");
  EXPECT_EQ(line->length, 2u);
}

TEST(FindLineTest, NulEndsTheCommandButNotTheLine) {
  auto line = FindLine("get k\0junk\r\nnext"sv);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->text, "get k");
  EXPECT_EQ(line->length, 12u);
}

// --- Tokenize --------------------------------------------------------------

TEST(TokenizeTest, SplitsOnSpacesOnly) {
  std::array<std::string_view, 8> tokens;
  size_t n = Tokenize("  get  a\tb  c ", tokens);
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(tokens[0], "get");
  EXPECT_EQ(tokens[1], "a\tb");
  EXPECT_EQ(tokens[2], "c");
}

TEST(TokenizeTest, EmptyAndBlankLines) {
  std::array<std::string_view, 4> tokens;
  EXPECT_EQ(Tokenize("", tokens), 0u);
  EXPECT_EQ(Tokenize("    ", tokens), 0u);
}

TEST(TokenizeTest, StopsWhenFullAndReturnsRest) {
  std::array<std::string_view, 2> tokens;
  std::string_view rest;
  size_t n = Tokenize("a b c  d", tokens, &rest);
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(tokens[1], "b");
  EXPECT_EQ(NextToken(&rest), "c");
  EXPECT_EQ(NextToken(&rest), "d");
  EXPECT_EQ(NextToken(&rest), "");
}

TEST(TokenizeTest, TokensPointIntoTheLine) {
  std::string_view line = "set key 0";
  std::array<std::string_view, 4> tokens;
  ASSERT_EQ(Tokenize(line, tokens), 3u);
  EXPECT_EQ(tokens[1].data(), line.data() + 4);
}

TEST(TrimSpacesTest, TrimsOnlySpaces) {
  EXPECT_EQ(TrimSpaces("  a b  "), "a b");
  EXPECT_EQ(TrimSpaces("\ta\t"), "\ta\t");
  EXPECT_EQ(TrimSpaces("   "), "");
}

// --- Numbers ---------------------------------------------------------------

TEST(TokenToUint32Test, PlainValues) {
  uint32_t v = 7;
  ASSERT_TRUE(TokenToUint32("0", &v));
  EXPECT_EQ(v, 0u);
  ASSERT_TRUE(TokenToUint32("4294967295", &v));
  EXPECT_EQ(v, 4294967295u);
  ASSERT_TRUE(TokenToUint32("+5", &v));
  EXPECT_EQ(v, 5u);
}

TEST(TokenToUint32Test, TruncatesLikeMemcached) {
  uint32_t v;
  // "set k 4294967296 0 1" is STORED with flags 0.
  ASSERT_TRUE(TokenToUint32("4294967296", &v));
  EXPECT_EQ(v, 0u);
  // "set k 18446744073709551615 0 1" stores flags 4294967295.
  ASSERT_TRUE(TokenToUint32("18446744073709551615", &v));
  EXPECT_EQ(v, 4294967295u);
  // strtoul negates: "-18446744073709551615" stores flags 1.
  ASSERT_TRUE(TokenToUint32("-18446744073709551615", &v));
  EXPECT_EQ(v, 1u);
  ASSERT_TRUE(TokenToUint32("-0", &v));
  EXPECT_EQ(v, 0u);
}

TEST(TokenToUint32Test, Refusals) {
  uint32_t v;
  EXPECT_FALSE(TokenToUint32("-1", &v));
  EXPECT_FALSE(TokenToUint32("18446744073709551616", &v));  // ERANGE
  EXPECT_FALSE(TokenToUint32("", &v));
  EXPECT_FALSE(TokenToUint32("abc", &v));
  EXPECT_FALSE(TokenToUint32("1a", &v));
  EXPECT_FALSE(TokenToUint32("0x1", &v));
  EXPECT_FALSE(TokenToUint32("\t", &v));
  EXPECT_FALSE(TokenToUint32("-", &v));
  EXPECT_FALSE(TokenToUint32("+", &v));
}

TEST(TokenToUint32Test, WhitespaceAroundDigits) {
  uint32_t v;
  // strtoul skips leading whitespace and stops at trailing whitespace,
  // which memcached accepts: "set k 0 0 1\tabc" is STORED.
  ASSERT_TRUE(TokenToUint32("\t7", &v));
  EXPECT_EQ(v, 7u);
  ASSERT_TRUE(TokenToUint32("7\tabc", &v));
  EXPECT_EQ(v, 7u);
  ASSERT_TRUE(TokenToUint32("7\r", &v));
  EXPECT_EQ(v, 7u);
}

TEST(TokenToInt32Test, SignedAndTruncated) {
  int32_t v;
  ASSERT_TRUE(TokenToInt32("-1", &v));
  EXPECT_EQ(v, -1);
  ASSERT_TRUE(TokenToInt32("2147483647", &v));
  EXPECT_EQ(v, 2147483647);
  // Long range, then the low 32 bits: memcached does the same cast.
  ASSERT_TRUE(TokenToInt32("2147483648", &v));
  EXPECT_EQ(v, INT32_MIN);
  ASSERT_TRUE(TokenToInt32("4294967297", &v));
  EXPECT_EQ(v, 1);
  ASSERT_TRUE(TokenToInt32("-2147483649", &v));
  EXPECT_EQ(v, 2147483647);
  ASSERT_TRUE(TokenToInt32("9223372036854775807", &v));
  EXPECT_EQ(v, -1);
  ASSERT_TRUE(TokenToInt32("-9223372036854775808", &v));
  EXPECT_EQ(v, 0);
}

TEST(TokenToInt32Test, Refusals) {
  int32_t v;
  EXPECT_FALSE(TokenToInt32("9223372036854775808", &v));    // ERANGE
  EXPECT_FALSE(TokenToInt32("-9223372036854775809", &v));   // ERANGE
  EXPECT_FALSE(TokenToInt32("", &v));
  EXPECT_FALSE(TokenToInt32("x", &v));
  EXPECT_FALSE(TokenToInt32("5x", &v));
  EXPECT_FALSE(TokenToInt32("--5", &v));
}

TEST(TokenToUint64Test, Range) {
  uint64_t v;
  ASSERT_TRUE(TokenToUint64("18446744073709551615", &v));
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_FALSE(TokenToUint64("18446744073709551616", &v));
  EXPECT_FALSE(TokenToUint64("-1", &v));
  ASSERT_TRUE(TokenToUint64("-0", &v));
  EXPECT_EQ(v, 0u);
  // Negated, the value is positive as signed: strtoull accepts it.
  ASSERT_TRUE(TokenToUint64("-9223372036854775809", &v));
  EXPECT_EQ(v, 9223372036854775807u);
}

}  // namespace
}  // namespace tandem::protocol
