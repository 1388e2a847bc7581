// MemoryFile: the file behind -e (memcached's memory_file), mapped
// MAP_SHARED so the slab pages written into it outlive the process: put it
// on a RAM disk (tmpfs, /dev/shm) and a restarted tandemd finds its items
// where it left them. The file is sized once and stays sparse: only pages
// the slab allocator has carved take memory.
//
// Open keeps the contents (a warm restart may follow); Wipe drops them
// (truncate to zero and back), for a start that must begin empty. The file
// is locked (flock) while open: a second process is refused.
#ifndef TANDEM_SERVER_STORAGE_MEMORY_FILE_H_
#define TANDEM_SERVER_STORAGE_MEMORY_FILE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tandem::server::storage {

class MemoryFile {
 public:
  // Creates `path` (mode 600) if needed, gives it exactly `size` bytes
  // (a file of another size is wiped first) and maps it read-write.
  // *had_contents: whether the file already existed at that size.
  static absl::StatusOr<std::unique_ptr<MemoryFile>> Open(const std::string& path, size_t size,
                                                          bool* had_contents);
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  char* base() const { return base_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Zeroes the whole file (nothing may be using the mapping).
  absl::Status Wipe();

 private:
  MemoryFile(std::string path, int fd, char* base, size_t size)
      : path_(std::move(path)), fd_(fd), base_(base), size_(size) {}

  std::string path_;
  int fd_;
  char* base_;
  size_t size_;
};

}  // namespace tandem::server::storage

#endif  // TANDEM_SERVER_STORAGE_MEMORY_FILE_H_
