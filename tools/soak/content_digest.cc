// Content reading and comparison: see content_digest.h.
#include "tools/soak/content_digest.h"

#include <memory>

#include "client/md5.h"
#include "absl/strings/str_cat.h"

namespace tandem::soak {
namespace {

constexpr size_t kBatch = 100;     // keys per multi-get
constexpr size_t kExamples = 10;

}  // namespace

absl::StatusOr<Content> ReadContent(int port, const std::vector<std::string>& keys) {
  auto client = client::Client::Create(absl::StrCat("127.0.0.1:", port));
  if (!client.ok()) return client.status();
  Content content;
  for (size_t start = 0; start < keys.size(); start += kBatch) {
    std::vector<std::string> batch(keys.begin() + static_cast<ptrdiff_t>(start),
                                   keys.begin() + static_cast<ptrdiff_t>(std::min(keys.size(), start + kBatch)));
    auto items = (*client)->GetsMulti(batch);
    if (!items.ok()) return items.status();
    for (auto& [key, item] : *items) content.emplace(key, std::move(item));
  }
  return content;
}

std::string Digest(const Content& content) {
  std::string all;
  for (const auto& [key, item] : content) {
    absl::StrAppend(&all, key, " ", item.flags, " ", item.value.size(), "\n", item.value, "\n");
  }
  return client::Md5Hex(client::Md5(all));
}

ContentDiff Compare(const Content& first, const Content& second) {
  ContentDiff diff;
  auto note = [&diff](const std::string& key) {
    if (diff.examples.size() < kExamples) diff.examples.push_back(key);
  };
  for (const auto& [key, item] : first) {
    auto it = second.find(key);
    if (it == second.end()) {
      ++diff.only_first;
      note(key);
    } else if (it->second.value != item.value || it->second.flags != item.flags) {
      ++diff.value_differs;
      note(key);
    } else if (it->second.cas != item.cas) {
      ++diff.cas_differs;
    }
  }
  for (const auto& [key, item] : second) {
    if (first.find(key) == first.end()) {
      ++diff.only_second;
      note(key);
    }
  }
  return diff;
}

}  // namespace tandem::soak
