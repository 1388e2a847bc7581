// Reading the shared golden vectors (../shared/vectors, beside the repo; in
// CI ../shared relative to the clone). Each file is `#` comment lines, then
// whitespace-separated columns. Tests that need them call
// TANDEM_REQUIRE_VECTORS(), which skips loudly when the directory is absent
// rather than passing silently.
#ifndef TANDEM_TESTS_CLIENT_VECTOR_FILE_H_
#define TANDEM_TESTS_CLIENT_VECTOR_FILE_H_

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace tandem::client::testing {

inline std::string VectorsDir() { return TANDEM_SOURCE_DIR "/../shared/vectors"; }

inline bool VectorsAvailable() { return std::filesystem::is_directory(VectorsDir()); }

#define TANDEM_REQUIRE_VECTORS()                                                         \
  do {                                                                                   \
    if (!::tandem::client::testing::VectorsAvailable()) {                                \
      GTEST_SKIP() << "\n!!!!!!!! SHARED TEST VECTORS NOT FOUND at "                     \
                   << ::tandem::client::testing::VectorsDir()                            \
                   << " -- golden interop tests NOT RUN !!!!!!!!\n";                     \
    }                                                                                    \
  } while (0)

struct VectorFile {
  std::vector<std::string> comments;
  std::vector<std::vector<std::string>> rows;
};

// Reads `name` from VectorsDir(); ADD_FAILUREs (and returns no rows) if the
// directory exists but the file does not.
inline VectorFile ReadVectorFile(std::string_view name) {
  VectorFile file;
  const std::string path = VectorsDir() + "/" + std::string(name);
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open vector file " << path;
    return file;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line[0] == '#') {
      file.comments.push_back(line);
      continue;
    }
    file.rows.push_back(absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty()));
  }
  return file;
}

// "key0" stays as is; "hex:c3a9" becomes the bytes it spells.
inline std::string DecodeVectorKey(std::string_view text) {
  if (text.substr(0, 4) != "hex:") return std::string(text);
  text.remove_prefix(4);
  std::string out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(text[i]) * 16 + nibble(text[i + 1])));
  }
  return out;
}

inline uint64_t ToU64(const std::string& s) { return std::stoull(s); }

}  // namespace tandem::client::testing

#endif  // TANDEM_TESTS_CLIENT_VECTOR_FILE_H_
