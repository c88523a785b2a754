// Internals of the cgroup managers, shared by manager.cc, v1.cc and v2.cc and
// exposed for unit tests. Not part of the public contract (see cgroup.h).
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/cgroup_fs.h"

namespace inclavare::runtime::cgroup::internal {

// A cgroup v1 hierarchy mount from /proc/self/mountinfo.
struct V1Mount {
  std::string mount_point;               // e.g. /sys/fs/cgroup/cpu,cpuacct
  std::string root;                      // the mount's root inside the hierarchy ("/" usually)
  std::vector<std::string> controllers;  // known controllers among the super options,
                                         // "name=systemd" for the named hierarchy
};

// The v1 controllers rune joins (runc's list), in the order Apply works.
const std::vector<std::string>& KnownV1Controllers();

// Parses mountinfo text; keeps "cgroup" mounts whose mount point is below
// `under` (a directory, no trailing '/') and that carry a known controller.
std::vector<V1Mount> ParseV1Mounts(std::string_view mountinfo, const std::string& under);

// Parses /proc/<pid>/cgroup: "id:controllers:path" lines. Each v1 controller
// (and "name=systemd") maps to its path; the v2 line "0::/p" maps "" -> "/p".
std::map<std::string, std::string> ParseProcCgroup(std::string_view content);

// Normalises a cgroupsPath: collapses "//" and ".", keeps a leading '/' when
// absolute, drops a trailing '/'. ".." anywhere -> InvalidArgument. A path
// that names no cgroup (empty after cleaning, "/") -> InvalidArgument.
Result<std::string> CleanCgroupPath(const std::string& path);

// Resolves controller -> directory for v1 (see cgroup.h for the rules).
// `cleaned` comes from CleanCgroupPath; self_cgroup is ParseProcCgroup's
// result (needed only for relative paths).
Result<Paths> ResolveV1Paths(const std::vector<V1Mount>& mounts, const std::string& cleaned,
                             const std::map<std::string, std::string>& self_cgroup);
// Resolves the v2 directory below root.
Result<std::string> ResolveV2Path(const std::string& root, const std::string& cleaned,
                                  const std::map<std::string, std::string>& self_cgroup);

std::unique_ptr<Manager> MakeV1Manager(Paths paths, CgroupFs* fs);
// root: the cgroup2 mount point (ancestors up to it get controllers enabled).
std::unique_ptr<Manager> MakeV2Manager(std::string dir, std::string root, CgroupFs* fs);

// --- helpers shared by v1.cc and v2.cc ---

// "linux.resources." + field.
std::string FieldPath(std::string_view field);

// Writes value to dir/file on behalf of a spec field. A missing file is
// kFailedPrecondition "<field>: <path> does not exist (...)"; other failures
// keep their code and errno and name the field, value and path.
Result<> WriteField(CgroupFs& fs, std::string_view field, const std::string& dir, const std::string& file,
                    std::string_view value);

// Parses a cgroup.procs file.
Result<std::vector<pid_t>> ParsePids(std::string_view content, const std::string& path);
// cgroup.procs of dir and, recursively, all child cgroups.
Result<std::vector<pid_t>> ReadPidsRecursive(CgroupFs& fs, const std::string& dir);

// Moves pid into dir/cgroup.procs; retries EINVAL (a task still in TASK_NEW,
// as runc does) a few times.
Result<> WriteProcs(CgroupFs& fs, const std::string& dir, pid_t pid);

// rmdir dir and the child cgroups below it, retrying EBUSY with backoff for a
// bounded time. A missing dir is success.
Result<> RemoveCgroup(CgroupFs& fs, const std::string& dir);

// Sends sig to each pid; ESRCH (already gone) is ignored.
Result<> SignalPids(const std::vector<pid_t>& pids, int sig);

// Sleeps for *delay_us, then doubles it up to max_us. Returns false once the
// deadline (steady clock, microseconds since epoch of the clock) has passed.
bool BackoffSleep(int64_t deadline_us, int64_t* delay_us, int64_t max_us);
int64_t NowMicros();

// Validates a hugepage size such as "2MB", "1GB", "64KB".
Result<> ValidatePageSize(const std::string& size, std::string_view field);

// The kernel's device-cgroup rule text for a rule ("c 1:3 rwm", "a").
Result<std::string> DeviceRuleString(const oci::LinuxDeviceCgroup& rule, std::string_view field);

std::string Trim(std::string_view s);
// A decimal integer, surrounding whitespace allowed; nullopt otherwise.
std::optional<int64_t> ParseInt64(std::string_view s);

}  // namespace inclavare::runtime::cgroup::internal
