// Dispatch from KeyHash to the hash functions, and their names.
#include "client/key_hash.h"

#include <string>

#include "absl/status/status.h"
#include "client/crc32.h"
#include "client/fnv.h"
#include "client/md5.h"
#include "client/one_at_a_time.h"

namespace tandem::client {
namespace {

struct NamedHash {
  std::string_view name;
  KeyHash hash;
};

constexpr NamedHash kNames[] = {
    {"md5", KeyHash::kMd5},         {"crc", KeyHash::kCrc15},
    {"crc32", KeyHash::kCrc15},     {"one_at_a_time", KeyHash::kOneAtATime},
    {"default", KeyHash::kOneAtATime}, {"fnv1_64", KeyHash::kFnv1_64},
    {"fnv1a_64", KeyHash::kFnv1a_64}, {"fnv1_32", KeyHash::kFnv1_32},
    {"fnv1a_32", KeyHash::kFnv1a_32},
};

}  // namespace

uint32_t HashKey(KeyHash hash, std::string_view key) {
  switch (hash) {
    case KeyHash::kMd5:
      return Md5FirstWord(key);
    case KeyHash::kCrc15:
      return Crc15(key);
    case KeyHash::kOneAtATime:
      return OneAtATime(key);
    case KeyHash::kFnv1_64:
      return Fnv1_64(key);
    case KeyHash::kFnv1a_64:
      return Fnv1a_64(key);
    case KeyHash::kFnv1_32:
      return Fnv1_32(key);
    case KeyHash::kFnv1a_32:
      return Fnv1a_32(key);
  }
  return 0;
}

absl::StatusOr<KeyHash> ParseKeyHash(std::string_view name) {
  for (const NamedHash& entry : kNames) {
    if (entry.name == name) return entry.hash;
  }
  return absl::InvalidArgumentError("unknown key hash \"" + std::string(name) +
                                    "\" (expected md5, crc, one_at_a_time, fnv1_64, "
                                    "fnv1a_64, fnv1_32 or fnv1a_32)");
}

}  // namespace tandem::client
