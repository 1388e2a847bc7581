// Golden tests for the key hashes: the DEFAULT (one-at-a-time), MD5, CRC,
// FNV1_64, FNV1A_64, FNV1_32 and FNV1A_32 columns of
// vectors/hash-functions-libhashkit.txt for all 104 keys, including the
// hex: edge keys that pin x86's signed-char behaviour. The JENKINS, MURMUR3,
// MURMUR and HSIEH columns are not implemented and not claimed.
#include "client/key_hash.h"

#include <string>

#include "client/crc32.h"
#include "client/fnv.h"
#include "client/one_at_a_time.h"
#include "gtest/gtest.h"
#include "tests/client/vector_file.h"
#include "tests/support/status_helpers.h"

namespace tandem::client {
namespace {

TEST(KeyHashTest, LibhashkitColumns) {
  TANDEM_REQUIRE_VECTORS();
  const testing::VectorFile file = testing::ReadVectorFile("hash-functions-libhashkit.txt");
  ASSERT_EQ(file.rows.size(), 104u);
  const KeyHash columns[] = {KeyHash::kOneAtATime, KeyHash::kMd5,     KeyHash::kCrc15,
                             KeyHash::kFnv1_64,    KeyHash::kFnv1a_64, KeyHash::kFnv1_32,
                             KeyHash::kFnv1a_32};
  int edge_rows = 0;
  for (const auto& row : file.rows) {
    ASSERT_EQ(row.size(), 12u);
    // "hex:" alone is the empty key.
    const std::string key = testing::DecodeVectorKey(row[0]);
    edge_rows += row[0].rfind("hex:", 0) == 0;
    for (size_t c = 0; c < std::size(columns); ++c) {
      EXPECT_EQ(HashKey(columns[c], key), testing::ToU64(row[c + 1]))
          << "key " << row[0] << " column " << c + 1;
    }
  }
  EXPECT_EQ(edge_rows, 4);
}

TEST(KeyHashTest, SignedCharsAreExplicit) {
  // x86 libhashkit: byte 0x80 is added as 0xffffff80. An unsigned-char
  // implementation (or aarch64 libhashkit) gives different values.
  EXPECT_EQ(OneAtATime("\x80"), 3273477671u);
  EXPECT_EQ(Fnv1a_64("\x80"), 2046684255u);
  EXPECT_EQ(Fnv1a_32("\x80"), 83079839u);
  uint32_t unsigned_oaat = 0x80;
  unsigned_oaat += unsigned_oaat << 10;
  unsigned_oaat ^= unsigned_oaat >> 6;
  unsigned_oaat += unsigned_oaat << 3;
  unsigned_oaat ^= unsigned_oaat >> 11;
  unsigned_oaat += unsigned_oaat << 15;
  EXPECT_NE(OneAtATime("\x80"), unsigned_oaat);
}

TEST(KeyHashTest, Crc32) {
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("123456789"), 0xcbf43926u);
  EXPECT_EQ(Crc32("56789", Crc32("1234")), 0xcbf43926u);  // continuation
  EXPECT_EQ(Crc15("key0"), 23387u);
}

TEST(KeyHashTest, Names) {
  ASSERT_OK_AND_ASSIGN(KeyHash h, ParseKeyHash("fnv1a_64"));
  EXPECT_EQ(h, KeyHash::kFnv1a_64);
  ASSERT_OK_AND_ASSIGN(h, ParseKeyHash("one_at_a_time"));
  EXPECT_EQ(h, KeyHash::kOneAtATime);
  ASSERT_OK_AND_ASSIGN(h, ParseKeyHash("crc32"));
  EXPECT_EQ(h, KeyHash::kCrc15);
  EXPECT_FALSE(ParseKeyHash("murmur").ok());
  EXPECT_FALSE(ParseKeyHash("").ok());
}

}  // namespace
}  // namespace tandem::client
