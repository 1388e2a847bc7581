// Tests for hash-tag extraction: twemproxy's `hash_tag: "{}"` rule.
#include "client/hash_tag.h"

#include "gtest/gtest.h"
#include "tests/support/status_helpers.h"

namespace tandem::client {
namespace {

TEST(HashTagTest, TwemproxyRule) {
  const HashTag tag;
  struct Case {
    std::string_view key, hashed;
  };
  const Case cases[] = {
      {"{user42}:profile", "user42"},
      {"{user42}:cart", "user42"},
      {"cart:{user42}", "user42"},
      {"a{b}c{d}e", "b"},          // only the first tag counts
      {"plain", "plain"},          // no tag
      {"{}", "{}"},                // empty tag: the whole key
      {"{}{user42}", "{}{user42}"},  // first '{' decides; its tag is empty
      {"{user42", "{user42"},      // no closing brace
      {"user42}", "user42}"},      // no opening brace
      {"}x{y}", "y"},              // a '}' before the '{' is ignored
      {"{{x}}", "{x"},             // first '}' after the first '{'
      {"{ }", " "},                // any non-empty text, even a space
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(tag.Apply(c.key), c.hashed) << c.key;
}

TEST(HashTagTest, ResultIsAViewIntoTheKey) {
  const std::string key = "x{tag}y";
  const std::string_view tag = HashTag().Apply(key);
  EXPECT_EQ(tag.data(), key.data() + 2);
}

TEST(HashTagTest, OtherCharacters) {
  ASSERT_OK_AND_ASSIGN(HashTag tag, HashTag::FromString("[]"));
  EXPECT_EQ(tag.Apply("a[b]{c}"), "b");
  EXPECT_EQ(tag.open(), '[');
  EXPECT_EQ(tag.close(), ']');
  EXPECT_FALSE(HashTag::FromString("{").ok());
  EXPECT_FALSE(HashTag::FromString("{{").ok());
  EXPECT_FALSE(HashTag::FromString("{}}").ok());
}

}  // namespace
}  // namespace tandem::client
