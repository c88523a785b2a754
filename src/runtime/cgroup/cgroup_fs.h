// CgroupFs: the seam between the cgroup managers and the kernel's cgroupfs.
//
// Every file-system operation the managers perform goes through this small
// interface, so unit tests can run without root against a fake tree in a
// temporary directory (see fake_cgroup_fs.h, which also emulates what the
// kernel does on mkdir/rmdir/freeze), and can inject failures (EACCES on
// mkdir, EBUSY on rmdir) the way leveldb's FaultInjectionTestEnv does.
//
//   CgroupFs& fs = RealCgroupFs();
//   IC_TRY(fs.WriteFile("/sys/fs/cgroup/pids/c1/pids.max", "max"));
//
// Errors carry the errno (Error::sys_errno()) so callers can tell ENOENT
// ("this host has no such control file") from EBUSY/EACCES. Messages name the
// path. The real implementation opens everything O_CLOEXEC and keeps no state;
// it is safe to use from several threads.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"

namespace inclavare::runtime::cgroup {

struct DeviceFilter;  // devices_bpf.h

class CgroupFs {
 public:
  virtual ~CgroupFs() = default;

  // statfs(2) f_type of path (CGROUP2_SUPER_MAGIC, TMPFS_MAGIC, ...).
  virtual Result<int64_t> FsType(const std::string& path) = 0;
  // mkdir(2) of one level. Returns true when it created the directory, false
  // when it already existed; the parent must exist (ENOENT otherwise).
  virtual Result<bool> Mkdir(const std::string& path, mode_t mode) = 0;
  // rmdir(2). On cgroupfs this removes a cgroup with its control files; it
  // fails with EBUSY while processes or child cgroups remain.
  virtual Result<> Rmdir(const std::string& path) = 0;
  // Writes data to an existing control file in a single write(2) (cgroupfs
  // parses each write separately, so a value must not be split).
  virtual Result<> WriteFile(const std::string& path, std::string_view data) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // Names of the sub-directories (child cgroups) of path.
  virtual Result<std::vector<std::string>> ListDirs(const std::string& path) = 0;
  // An O_PATH|O_DIRECTORY fd, e.g. for clone3(CLONE_INTO_CGROUP).
  virtual Result<UniqueFd> OpenDir(const std::string& path) = 0;
  // cgroup v2: makes filter the device program of the cgroup at path,
  // replacing the previous one without a window (AttachDeviceFilter).
  virtual Result<> SetDeviceFilter(const std::string& path, const DeviceFilter& filter) = 0;
};

// The process-wide real implementation (plain syscalls).
CgroupFs& RealCgroupFs();

}  // namespace inclavare::runtime::cgroup
