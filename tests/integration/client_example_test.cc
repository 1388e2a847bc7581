// The README's client example (examples/client_example.cc): it runs against
// real tandemd shards and prints what the README says, and the README shows
// the file as it is, so the documented code is the code that is built.
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/client_cluster.h"
#include "tests/support/status_helpers.h"
#include "tests/support/subprocess.h"

namespace tandem::testing {
namespace {

std::string ExamplePath() { return std::string(TANDEM_BIN_DIR) + "/tandem-client-example"; }

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(TANDEM_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ClientExampleTest, RunsAgainstAClusterOfPairs) {
  ASSERT_OK_AND_ASSIGN(ClientCluster cluster, ClientCluster::Start({2, 1}));
  ProgramResult r = RunProgram(ExamplePath(), {cluster.Config()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("user:42 = Ada\n"
                                "multi-get found 2 of 3\n"
                                "visits = 42\n"
                                "deleted user:43: yes\n"
                                "user:42 is on shard "))
      << r.out;
  EXPECT_TRUE(r.out.ends_with(" of 2\n")) << r.out;
}

TEST(ClientExampleTest, ReportsAnUnreachableServer) {
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok());
  ProgramResult r = RunProgram(ExamplePath(), {absl::StrCat("127.0.0.1:", *port)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(r.err.empty());
}

TEST(ClientExampleTest, TheReadmeShowsTheExampleAsBuilt) {
  const std::string example = ReadSource("examples/client_example.cc");
  const std::string readme = ReadSource("README.md");
  ASSERT_FALSE(example.empty());
  // Everything from the first #include on, verbatim.
  const std::string code = example.substr(example.find("#include"));
  EXPECT_NE(readme.find(code), std::string::npos)
      << "README.md must show examples/client_example.cc from its first #include";
}

}  // namespace
}  // namespace tandem::testing
