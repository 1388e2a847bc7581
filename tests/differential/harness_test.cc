// Unit tests for the differential harness's own pieces: the corpus reader
// and the reply scrubber. They need no server.
#include <string>

#include "gtest/gtest.h"
#include "tests/support/corpus.h"
#include "tests/support/raw_socket.h"
#include "tests/support/scrub.h"

namespace tandem::testing {
namespace {

TEST(CorpusTest, UnescapesAndRepeats) {
  auto s = UnescapeCorpusText("a\\r\\n\\x00\\xfF\\t\\\\{{ab*3}}{{\\r\\n*2}}");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, std::string("a\r\n\0\xff\t\\ababab\r\n\r\n", 17));
}

TEST(CorpusTest, RejectsBadEscapes) {
  EXPECT_FALSE(UnescapeCorpusText("\\q").ok());
  EXPECT_FALSE(UnescapeCorpusText("\\x4").ok());
  EXPECT_FALSE(UnescapeCorpusText("{{a*}}").ok());
  EXPECT_FALSE(UnescapeCorpusText("{{a*3").ok());
  EXPECT_FALSE(UnescapeCorpusText("trailing\\").ok());
}

TEST(CorpusTest, ParsesCasesFlagsAndDirectives) {
  auto cases = ParseCorpus(
      "# comment\n"
      "=== first\n"
      "get a\\r\\n\n"
      "\n"
      "%flags -I 1k\n"
      "=== second\n"
      "@fresh\n"
      "@keepstats a,b\n"
      "set k 0 0 1\\r\\n\n"
      "@sleep 1.5\n"
      "x\\r\\n\n"
      "=== third\n"
      "get partial\n",
      "t.txt");
  ASSERT_TRUE(cases.ok()) << cases.status();
  ASSERT_EQ(cases->size(), 3u);
  const CorpusCase& first = (*cases)[0];
  EXPECT_EQ(first.name, "first");
  EXPECT_EQ(first.flags, "");
  EXPECT_EQ(first.AllBytes(), "get a\r\n");
  EXPECT_TRUE(first.sentinel);
  EXPECT_EQ(first.location, "t.txt:2");
  const CorpusCase& second = (*cases)[1];
  EXPECT_EQ(second.flags, "-I 1k");
  EXPECT_TRUE(second.fresh);
  EXPECT_EQ(second.keep_stat_values, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(second.steps.size(), 2u);
  EXPECT_EQ(second.steps[0].send, "set k 0 0 1\r\n");
  EXPECT_EQ(second.steps[0].sleep, absl::Milliseconds(1500));
  EXPECT_EQ(second.steps[1].send, "x\r\n");
  // No trailing newline: the sentinel would glue onto the request.
  EXPECT_FALSE((*cases)[2].sentinel);
}

TEST(CorpusTest, RejectsMalformedFiles) {
  EXPECT_FALSE(ParseCorpus("get a\\r\\n\n", "t").ok());             // bytes before a case
  EXPECT_FALSE(ParseCorpus("=== bad name\nx\\r\\n\n", "t").ok());    // space in name
  EXPECT_FALSE(ParseCorpus("=== a\n@unknown\nx\\r\\n\n", "t").ok());  // directive
  EXPECT_FALSE(ParseCorpus("=== a\n=== b\nx\\r\\n\n", "t").ok());    // empty case
}

TEST(ScrubTest, MasksCasButKeepsDataVerbatim) {
  std::string reply =
      "VALUE k 5 12 987\r\nVALUE x 1 2 3\r\n\r\n"
      "VALUE plain 0 1\r\nz\r\nEND\r\n";
  EXPECT_EQ(Scrub(reply),
            "VALUE k 5 12 <cas>\r\nVALUE x 1 2 3\r\n\r\n"
            "VALUE plain 0 1\r\nz\r\nEND\r\n");
}

TEST(ScrubTest, MasksMetaCasFlagsAndKeepsMetaDataVerbatim) {
  std::string reply =
      "HD c17 kfoo\r\nVA 5 f0 c3 Ocx\r\nHD c9\r\nEN\r\nNS c0\r\n"
      "ME foo exp=-1 la=0 cas=42 fetch=no cls=1 size=64\r\nMN\r\nHD cat\r\n";
  EXPECT_EQ(Scrub(reply),
            "HD c<cas> kfoo\r\nVA 5 f0 c<cas> Ocx\r\nHD c9\r\nEN\r\nNS c<cas>\r\n"
            "ME foo exp=-1 la=0 cas=<cas> fetch=no cls=1 size=64\r\nMN\r\nHD cat\r\n");
}

TEST(ScrubTest, MasksVersionAndStatValuesAndSortsStatRuns) {
  std::string reply =
      "VERSION 1.6.18\r\n"
      "STAT pid 123\r\nSTAT uptime 5\r\nSTAT 1:chunk_size 96\r\nEND\r\n"
      "STAT 27:addr tcp:127.0.0.1:1\r\nSTAT 28:addr tcp:127.0.0.1:2\r\nSTAT 27:state conn_parse_cmd\r\nEND\r\n";
  EXPECT_EQ(Scrub(reply),
            "VERSION <version>\r\n"
            "STAT 1:chunk_size <v>\r\nSTAT pid <v>\r\nSTAT uptime <v>\r\nEND\r\n"
            "STAT <fd>:addr <v>\r\nSTAT <fd>:state <v>\r\nEND\r\n");
}

TEST(ScrubTest, KeepsValuesOfListedStats) {
  ScrubOptions options;
  options.keep_stat_values = {"curr_items", "1:chunk_size"};
  EXPECT_EQ(Scrub("STAT pid 9\r\nSTAT curr_items 3\r\nSTAT 1:chunk_size 96\r\nEND\r\n", options),
            "STAT 1:chunk_size 96\r\nSTAT curr_items 3\r\nSTAT pid <v>\r\nEND\r\n");
}

TEST(ScrubTest, KeepsUnterminatedTailAndMarkers) {
  EXPECT_EQ(Scrub("STORED\r\npartial"), "STORED\r\npartial");
  EXPECT_EQ(Scrub("END\r\n<connection closed>"), "END\r\n<connection closed>");
}

TEST(EscapeBytesTest, ShowsControlBytesAndBreaksAfterCrLf) {
  EXPECT_EQ(EscapeBytes(std::string("a\r\nb\0\xff\\", 7)), "a\\r\\n\nb\\x00\\xff\\\\");
}

}  // namespace
}  // namespace tandem::testing
