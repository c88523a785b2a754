#include "runtime/cgroup/cgroup_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstring>

#include "common/fs.h"
#include "runtime/cgroup/devices_bpf.h"

namespace inclavare::runtime::cgroup {
namespace {

class RealFs final : public CgroupFs {
 public:
  Result<int64_t> FsType(const std::string& path) override {
    struct statfs st;
    if (::statfs(path.c_str(), &st) != 0) return ErrnoError("statfs " + path);
    return static_cast<int64_t>(st.f_type);
  }

  Result<bool> Mkdir(const std::string& path, mode_t mode) override {
    if (::mkdir(path.c_str(), mode) == 0) return true;
    if (errno == EEXIST) return false;
    return ErrnoError("mkdir " + path);
  }

  Result<> Rmdir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return ErrnoError("rmdir " + path);
    return {};
  }

  Result<> WriteFile(const std::string& path, std::string_view data) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open " + path);
    UniqueFd owned(fd);
    for (;;) {
      ssize_t n = ::write(fd, data.data(), data.size());
      if (n >= 0) break;
      if (errno == EINTR) continue;
      return ErrnoError("write " + std::string(data) + " to " + path);
    }
    // Short writes do not happen on cgroupfs; a value is parsed per write.
    return {};
  }

  Result<std::string> ReadFile(const std::string& path) override { return fs::ReadFile(path); }

  bool Exists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  Result<std::vector<std::string>> ListDirs(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (!dir) return ErrnoError("opendir " + path);
    std::vector<std::string> out;
    while (struct dirent* de = ::readdir(dir)) {
      if (!std::strcmp(de->d_name, ".") || !std::strcmp(de->d_name, "..")) continue;
      if (de->d_type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(::dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
          continue;
      } else if (de->d_type != DT_DIR) {
        continue;
      }
      out.emplace_back(de->d_name);
    }
    ::closedir(dir);
    return out;
  }

  Result<UniqueFd> OpenDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open " + path);
    return UniqueFd(fd);
  }

  Result<> SetDeviceFilter(const std::string& path, const DeviceFilter& filter) override {
    return AttachDeviceFilter(path, filter);
  }
};

}  // namespace

CgroupFs& RealCgroupFs() {
  static RealFs* fs = new RealFs();  // never destroyed: usable from atexit handlers
  return *fs;
}

}  // namespace inclavare::runtime::cgroup
