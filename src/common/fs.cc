#include "common/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace inclavare::fs {

Result<UniqueFd> Open(const std::string& path, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoError("open " + path);
  return UniqueFd(fd);
}

Result<std::string> ReadFd(int fd) {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<std::string> ReadFile(const std::string& path) {
  IC_ASSIGN_OR_RETURN(UniqueFd fd, Open(path, O_RDONLY));
  return ReadFd(fd.Get()).Wrap("read " + path);
}

Result<std::string> ReadFileAt(int dirfd, const std::string& path) {
  int fd = ::openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open " + path);
  UniqueFd owned(fd);
  return ReadFd(fd).Wrap("read " + path);
}

Result<> WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<> WriteFile(const std::string& path, std::string_view data, bool create, mode_t mode) {
  IC_ASSIGN_OR_RETURN(UniqueFd fd, Open(path, O_WRONLY | O_TRUNC | (create ? O_CREAT : 0), mode));
  IC_TRY(WriteAll(fd.Get(), data).Wrap("write " + path));
  return fd.Close().Wrap("close " + path);
}

Result<> WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) {
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError("create temporary file for " + path);
  UniqueFd owned(fd);
  auto fail = [&](Error e) -> Result<> {
    ::unlink(tmp.c_str());
    return e;
  };
  if (::fchmod(fd, mode) != 0) return fail(ErrnoError("chmod " + tmp));
  if (auto r = WriteAll(fd, data); !r) return fail(std::move(r.error()).Wrap("write " + tmp));
  if (auto r = owned.Close(); !r) return fail(std::move(r.error()).Wrap("close " + tmp));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(ErrnoError("rename " + tmp + " to " + path));
  return {};
}

Result<> MkdirAll(const std::string& path, mode_t mode) {
  if (path.empty()) return InvalidArgument("mkdir: empty path");
  std::string cur;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    cur = path.substr(0, next);
    pos = next + 1;
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) return ErrnoError("mkdir " + cur);
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError("stat " + path);
  if (!S_ISDIR(st.st_mode)) return Error(ErrorCode::kAlreadyExists, path + " exists and is not a directory");
  return {};
}

namespace {

Result<> RemoveChildren(int dirfd, const std::string& display) {
  int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return ErrnoError("dup");
  DIR* dir = ::fdopendir(dup);
  if (!dir) {
    ::close(dup);
    return ErrnoError("opendir " + display);
  }
  Result<> result;
  while (struct dirent* de = ::readdir(dir)) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    std::string child = display + "/" + de->d_name;
    if (::unlinkat(dirfd, de->d_name, 0) == 0 || errno == ENOENT) continue;
    if (errno != EISDIR) {
      result = ErrnoError("remove " + child);
      break;
    }
    int cfd = ::openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (cfd < 0) {
      result = ErrnoError("open " + child);
      break;
    }
    UniqueFd owned(cfd);
    if (result = RemoveChildren(cfd, child); !result) break;
    if (::unlinkat(dirfd, de->d_name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
      result = ErrnoError("rmdir " + child);
      break;
    }
  }
  ::closedir(dir);
  return result;
}

}  // namespace

Result<> RemoveAll(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return {};
  if (errno != EISDIR) return ErrnoError("remove " + path);
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open " + path);
  UniqueFd owned(fd);
  IC_TRY(RemoveChildren(fd, path));
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("rmdir " + path);
  return {};
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string Join(std::string_view a, std::string_view b) {
  while (!a.empty() && a.back() == '/') a.remove_suffix(1);
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  std::string out(a);
  out += '/';
  out.append(b);
  return out;
}

}  // namespace inclavare::fs
