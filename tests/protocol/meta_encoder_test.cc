// Golden bytes for the meta encoder: every reply shape memcached 1.6.18
// sends for the meta protocol.
#include "protocol/meta_encoder.h"

#include <string>

#include "gtest/gtest.h"

namespace tandem::protocol {
namespace {

TEST(MetaEncoderTest, ValueHeaderWithFlags) {
  std::string out;
  AppendMetaValueHeader(&out, 5);
  AppendMetaFlag(&out, 't', uint64_t{100});
  AppendMetaFlag(&out, 'f', uint64_t{0});
  AppendMetaFlag(&out, 'c', uint64_t{18446744073709551615u});
  AppendMetaOpaque(&out, "Oabc");
  AppendMetaKey(&out, "foo", false);
  AppendMetaEnd(&out);
  EXPECT_EQ(out, "VA 5 t100 f0 c18446744073709551615 Oabc kfoo\r\n");
}

TEST(MetaEncoderTest, CodesAndBareFlags) {
  std::string out(kMetaHit);
  AppendMetaFlagSigned(&out, 't', -1);
  AppendMetaFlag(&out, 'Z');
  AppendMetaFlag(&out, 'X');
  AppendMetaFlag(&out, 'W');
  AppendMetaEnd(&out);
  EXPECT_EQ(out, "HD t-1 Z X W\r\n");
  EXPECT_EQ(kMetaMiss, "EN");
  EXPECT_EQ(kMetaNotFound, "NF");
  EXPECT_EQ(kMetaNotStored, "NS");
  EXPECT_EQ(kMetaExists, "EX");
  EXPECT_EQ(kMetaNoop, "MN");
}

TEST(MetaEncoderTest, BinaryKeyIsBase64WithB) {
  std::string out;
  AppendMetaKey(&out, std::string("\x00\x01\x02\x03\x04", 5), true);
  EXPECT_EQ(out, " kAAECAwQ= b");
}

TEST(MetaEncoderTest, DebugLine) {
  std::string out;
  MetaDebugInfo info;
  info.exp = -100;
  info.last_access = 3;
  info.cas = 7;
  info.fetched = true;
  info.class_id = 1;
  info.size = 69;
  AppendMetaDebug(&out, "foo", false, info);
  EXPECT_EQ(out, "ME foo exp=-100 la=3 cas=7 fetch=yes cls=1 size=69\r\n");
  out.clear();
  info.exp = -1;
  info.fetched = false;
  AppendMetaDebug(&out, "foo", true, info);
  EXPECT_EQ(out, "ME Zm9v exp=-1 la=3 cas=7 fetch=no cls=1 size=69\r\n");
}

}  // namespace
}  // namespace tandem::protocol
