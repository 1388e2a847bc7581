// MemoryFile (see memory_file.h).
#include "server/storage/memory_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tandem::server::storage {
namespace {

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<MemoryFile>> MemoryFile::Open(const std::string& path, size_t size,
                                                             bool* had_contents) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("failed to open memory file", path);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const absl::Status s = Errno("failed to stat memory file", path);
    close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("memory file ", path, " is not a regular file"));
  }
  // A second process on the same file would wipe or overwrite the first's
  // items under it: the lock lives as long as this descriptor.
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const absl::Status s = errno == EWOULDBLOCK
                               ? absl::FailedPreconditionError(absl::StrCat(
                                     "memory file ", path, " is in use by another process"))
                               : Errno("failed to lock memory file", path);
    close(fd);
    return s;
  }
  *had_contents = static_cast<size_t>(st.st_size) == size;
  if (!*had_contents && (ftruncate(fd, 0) != 0 || ftruncate(fd, static_cast<off_t>(size)) != 0)) {
    const absl::Status s = Errno("failed to size memory file", path);
    close(fd);
    return s;
  }
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    const absl::Status s = Errno("failed to mmap memory file", path);
    close(fd);
    return s;
  }
  return std::unique_ptr<MemoryFile>(new MemoryFile(path, fd, static_cast<char*>(base), size));
}

MemoryFile::~MemoryFile() {
  munmap(base_, size_);
  close(fd_);
}

absl::Status MemoryFile::Wipe() {
  // Punching the whole file out leaves it sparse again, and every page of
  // the mapping reads zero afterwards.
  if (ftruncate(fd_, 0) != 0 || ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
    return Errno("failed to wipe memory file", path_);
  }
  return absl::OkStatus();
}

}  // namespace tandem::server::storage
