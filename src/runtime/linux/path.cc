#include "runtime/linux/path.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

namespace inclavare::runtime {
namespace {

int RawOpenat2(int dirfd, const char* path, int flags, uint64_t resolve) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.resolve = resolve;
  for (;;) {
    long r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    // EAGAIN: a concurrent rename raced the lookup; retrying is the
    // documented answer for RESOLVE_IN_ROOT.
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    return static_cast<int>(r);
  }
}

std::vector<std::string> Components(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

}  // namespace

Result<UniqueFd> OpenRoot(const std::string& path) {
  int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open rootfs " + path);
  return UniqueFd(fd);
}

Result<UniqueFd> OpenInRoot(int root_fd, const std::string& path, int flags) {
  std::string rel = CleanPath("/" + path);
  const char* p = rel == "/" ? "." : rel.c_str() + 1;
  int fd = RawOpenat2(root_fd, p, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (fd < 0) return ErrnoError("open " + rel + " in container root");
  return UniqueFd(fd);
}

Result<UniqueFd> MkdirAllInRoot(int root_fd, const std::string& path, NodeKind kind) {
  std::string clean = CleanPath("/" + path);
  if (auto fd = OpenInRoot(root_fd, clean, O_PATH)) {
    if (kind == NodeKind::kDirectory) {
      struct stat st;
      if (fstat(fd->Get(), &st) == 0 && !S_ISDIR(st.st_mode))
        return Error(ErrorCode::kInvalidArgument, clean + " in container root is not a directory", ENOTDIR);
    }
    return fd;
  } else if (fd.error().sys_errno() != ENOENT) {
    return fd;
  }
  // Walk down from the root, creating what is missing. Each prefix is
  // re-resolved from the root with RESOLVE_IN_ROOT, so a symlink anywhere on
  // the way is followed inside the rootfs only. A dangling symlink is
  // replaced by its target (resolved inside the root), as runc's
  // securejoin-based MkdirAll does; at most 40 links, like the kernel.
  for (int links = 0; links <= 40; ++links) {
    std::vector<std::string> parts = Components(clean);
    int root_copy = RawOpenat2(root_fd, ".", O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT);
    if (root_copy < 0) return ErrnoError("open container root");
    UniqueFd cur(root_copy);
    std::string prefix;
    bool restarted = false;
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string& name = parts[i];
      std::string parent = prefix;
      prefix += "/" + name;
      bool last = i + 1 == parts.size();
      int fd = RawOpenat2(root_fd, prefix.c_str() + 1, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
      if (fd < 0 && errno == ENOENT) {
        char target[4096];
        ssize_t n = ::readlinkat(cur.Get(), name.c_str(), target, sizeof target - 1);
        if (n > 0) {
          // A dangling symlink: continue with its target, inside the root.
          target[n] = 0;
          std::string rest;
          for (size_t k = i + 1; k < parts.size(); ++k) rest += "/" + parts[k];
          clean = CleanPath((target[0] == '/' ? std::string(target) : parent + "/" + target) + rest);
          restarted = true;
          break;
        }
        if (last && kind == NodeKind::kFile) {
          int f = ::openat(cur.Get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
          if (f < 0 && errno != EEXIST) return ErrnoError("create " + prefix + " in container root");
          if (f >= 0) ::close(f);
        } else if (::mkdirat(cur.Get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
          return ErrnoError("mkdir " + prefix + " in container root");
        }
        fd = RawOpenat2(root_fd, prefix.c_str() + 1, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
      }
      if (fd < 0) return ErrnoError("open " + prefix + " in container root");
      cur.Reset(fd);
    }
    if (!restarted) return cur;
  }
  return Error(ErrorCode::kInvalidArgument, "too many symlinks resolving " + path + " in container root", ELOOP);
}

std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Result<> CheckProcfs() {
  struct statfs sfs;
  if (::statfs("/proc", &sfs) != 0) return ErrnoError("statfs /proc");
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return Error(ErrorCode::kFailedPrecondition, "/proc is not a procfs mount", EINVAL);
  return {};
}

Result<> WriteProcfsFile(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open " + path);
  UniqueFd owned(fd);
  struct statfs sfs;
  if (::fstatfs(fd, &sfs) != 0) return ErrnoError("statfs " + path);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return Error(ErrorCode::kFailedPrecondition, path + " is not on a procfs mount (a fake /proc?)", EINVAL);
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError("write " + path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

std::string CleanPath(const std::string& path) {
  std::vector<std::string> out;
  for (std::string& c : Components(path)) {
    if (c == ".") continue;
    if (c == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(std::move(c));
  }
  std::string s;
  for (const auto& c : out) s += "/" + c;
  return s.empty() ? "/" : s;
}

}  // namespace inclavare::runtime
