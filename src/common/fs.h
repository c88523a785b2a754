// Small filesystem helpers on top of raw syscalls; all fds are O_CLOEXEC.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/error.h"
#include "common/unique_fd.h"

namespace inclavare::fs {

// Reads a whole file (or the rest of an fd).
Result<std::string> ReadFile(const std::string& path);
Result<std::string> ReadFd(int fd);
Result<std::string> ReadFileAt(int dirfd, const std::string& path);

// Writes all bytes, retrying on EINTR and short writes.
Result<> WriteAll(int fd, std::string_view data);
// Opens path (O_WRONLY|O_TRUNC, optionally O_CREAT) and writes data: for
// procfs/sysfs/cgroupfs control files.
Result<> WriteFile(const std::string& path, std::string_view data, bool create = false,
                   mode_t mode = 0644);
// Writes to "<name>.tmp-XXXX" in the same directory and renames over name,
// so readers see the old or the new content, never a part.
Result<> WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode = 0644);

// mkdir -p; existing directories are fine.
Result<> MkdirAll(const std::string& path, mode_t mode = 0755);
// rm -rf that never crosses into another mount (openat with O_NOFOLLOW).
Result<> RemoveAll(const std::string& path);

Result<UniqueFd> Open(const std::string& path, int flags, mode_t mode = 0);
bool Exists(const std::string& path);

// Joins "a" and "b" with exactly one '/'.
std::string Join(std::string_view a, std::string_view b);

}  // namespace inclavare::fs
