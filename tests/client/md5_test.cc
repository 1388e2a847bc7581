// MD5 against the RFC 1321 appendix A.5 test suite, block-boundary lengths,
// and the ketama word example from client-algorithms.md.
#include "client/md5.h"

#include <string>

#include "gtest/gtest.h"

namespace tandem::client {
namespace {

TEST(Md5Test, Rfc1321TestSuite) {
  struct Case {
    const char* input;
    const char* hex;
  };
  const Case cases[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (const Case& c : cases) EXPECT_EQ(Md5Hex(Md5(c.input)), c.hex) << '"' << c.input << '"';
}

TEST(Md5Test, PaddingBoundaries) {
  // 55 bytes fit one padded block, 56..63 need two, 64 is a full block.
  EXPECT_EQ(Md5Hex(Md5(std::string(55, 'a'))), "ef1772b6dff9a122358552954ad0df65");
  EXPECT_EQ(Md5Hex(Md5(std::string(56, 'a'))), "3b0c8ac703f828b04c6c197006d17218");
  EXPECT_EQ(Md5Hex(Md5(std::string(63, 'a'))), "b06521f39153d618550606be297466d5");
  EXPECT_EQ(Md5Hex(Md5(std::string(64, 'a'))), "014842d480b571495a4a0363793f7367");
  EXPECT_EQ(Md5Hex(Md5(std::string(1000000, 'a'))), "7707d6ae4e027c70eea2a935c2296f21");
}

TEST(Md5Test, BinaryInput) {
  const std::string zero(1, '\0');
  EXPECT_EQ(Md5Hex(Md5(zero)), "93b885adfe0da089cdf634904fd59f71");
  EXPECT_EQ(Md5Hex(Md5("\x80")), "8d39dd7eef115ea6975446ef4082951f");
}

TEST(Md5Test, KetamaWordsAreLittleEndian) {
  // client-algorithms.md 1.0: MD5("key0") starts 21 f4 02 f2.
  const Md5Digest d = Md5("key0");
  EXPECT_EQ(d[0], 0x21);
  EXPECT_EQ(Md5Word(d, 0), 4060279841u);
  // 1.2a: the four words of "127.0.0.1-0".
  const Md5Digest p = Md5("127.0.0.1-0");
  EXPECT_EQ(Md5Word(p, 0), 3187647615u);
  EXPECT_EQ(Md5Word(p, 1), 2893990766u);
  EXPECT_EQ(Md5Word(p, 2), 813702075u);
  EXPECT_EQ(Md5Word(p, 3), 4292932786u);
}

TEST(Md5Test, FirstWordMatchesTheDigestAtEveryLength) {
  // Md5FirstWord builds keys under 56 bytes as one block of words: every
  // length on both sides of that edge, bytes with the high bit set included.
  EXPECT_EQ(Md5FirstWord("key0"), 4060279841u);  // client-algorithms.md 1.0
  std::string data;
  for (size_t length = 0; length <= 130; ++length) {
    EXPECT_EQ(Md5FirstWord(data), Md5Word(Md5(data), 0)) << "length " << length;
    data.push_back(static_cast<char>(0x5a + 37 * length));
  }
}

}  // namespace
}  // namespace tandem::client
