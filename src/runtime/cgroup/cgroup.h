// cgroup management for rune (the cgroupfs driver). The systemd driver
// (--systemd-cgroup, D-Bus) does not exist: systemd.h only validates its
// cgroupsPath form and reports when systemd is not running.
//
// Supports cgroup v1 (legacy and hybrid layouts: one hierarchy per controller
// under /sys/fs/cgroup/<controller>, cgroup2 possibly at .../unified) and
// pure cgroup v2 (cgroup2 mounted at /sys/fs/cgroup).
//
// Typical use in `rune create`:
//
//   IC_ASSIGN_OR_RETURN(auto mgr, cgroup::NewManager({.cgroups_path = spec.linux.cgroups_path,
//                                                     .container_id = id}));
//   IC_TRY(mgr->Create());                          // mkdir (+ v1 cpuset init, v2 controllers)
//   Cleanup undo([&] { (void)mgr->Destroy(); });
//   IC_TRY(mgr->Apply(resources));                  // write the limits
//   IC_TRY(mgr->AddProcess(init_pid));              // move the init into every hierarchy
//   state.cgroup_paths = mgr->GetPaths();           // persisted in state.json
//   undo.Cancel();
//
// and in `rune pause/resume/kill/delete/ps/update`, without re-resolving:
//
//   IC_ASSIGN_OR_RETURN(auto mgr, cgroup::LoadManager(state.cgroup_paths));
//   IC_TRY(mgr->Freeze());  ...  IC_TRY(mgr->Destroy());
//
// Path resolution (linux.cgroupsPath), as runc's cgroupfs driver does:
//   * absolute "/a/b": <hierarchy mount point>/a/b in every hierarchy;
//   * relative "a/b": v1: relative to rune's own cgroup in each hierarchy
//     (/proc/self/cgroup, with the mount's root stripped as in a cgroup
//     namespace); v2: relative to the *parent* of rune's own cgroup (runc's
//     fs2 rule: rune's own cgroup has processes, so by the no-internal-process
//     rule it could not enable controllers for a child);
//   * empty: "/<container-id>" (absolute). runc's driver would use a path
//     relative to its own cgroup; we choose the predictable absolute default
//     (what `runc` users see on a host where runc runs in the root cgroup),
//     which also avoids the v2 internal-process problem.
//   * Any ".." component is rejected (InvalidArgument), so a path can never
//     escape the hierarchy; "." and repeated "/" are normalised away.
//
// Which hierarchies (v1): every mounted v1 hierarchy among cpu, cpuacct,
// cpuset, memory, devices, freezer, blkio, pids, hugetlb, net_cls, net_prio,
// perf_event, rdma, misc and name=systemd (runc's list), found by reading
// /proc/self/mountinfo once in NewManager. Co-mounted controllers (cpu,cpuacct)
// share one directory. In hybrid mode the unified (cgroup2) hierarchy is not
// joined, as with runc's cgroupfs driver; controllers that exist only on the
// unified side (e.g. hugetlb on this kind of host) are thus unavailable.
//
// Paths(): controller -> absolute directory. v1 keys are controller names
// ("memory", "cpu", ..., "name=systemd"); v2 has the single key "" (runc's
// convention in its state.json "cgroup_paths").
//
// Applying resources (Apply): each field present in oci::LinuxResources is
// written; absent fields leave the kernel's value alone. A field the host
// cannot apply (hierarchy not mounted, controller not enabled, control file
// missing, field meaningless on this cgroup version) is an error naming the
// field and the file, e.g.
//   "linux.resources.memory.swap: /sys/fs/cgroup/memory/c1/memory.memsw.limit_in_bytes
//    does not exist (controller or kernel feature not available)"
// never silently ignored. Exceptions, each documented at the field:
//   * memory.kernel is ignored with a warning log (deprecated by the spec,
//     which allows runtimes to ignore it; kernel 5.4+ obsoletes kmem limits);
//   * values that only restate the kernel default are skipped when the file
//     is missing: swap = -1 (unlimited) without swap accounting, burst = 0,
//     idle = 0, pids/memory "unlimited" needs no special case.
//   * runc's "0 means unset" for cpu.shares, cpu.quota, cpu.period (Go zero
//     values in runc's config), so configs that runc accepts work here.
// Conversions for v2 (runc's): shares -> cpu.weight (ConvertCpuSharesToWeight),
// memory.swap -> memory.swap.max = swap - limit (ConvertSwapToV2), blkio weight
// -> io.weight (ConvertBlkioWeightToIoWeight); quota/period -> cpu.max.
// Devices: v1 writes devices.deny/devices.allow rule by rule in order (the
// kernel evaluates them like the spec: later rules win). Re-applying to a
// running container (`rune update`) therefore passes through the rules'
// first state (usually deny-all) for a moment; runc avoids that with a rule
// emulator that writes only the difference -- a known gap. v2 has no device
// files: Apply compiles the rules into a BPF_PROG_TYPE_CGROUP_DEVICE program
// that behaves like v1 (runc's emulator semantics, see devices_bpf.h) and
// attaches it to the cgroup, atomically replacing the previous one, so
// `rune update` has no window without a filter. An empty rule list leaves
// the devices of either version alone.
//
// Errors: Create() on a read-only or non-delegated tree (rootless) returns
// kPermissionDenied whose message says so; the caller decides whether to run
// without cgroups. Partial application is possible on error; the caller
// Destroy()s.
//
// Thread-safety: a Manager is not thread-safe; REQUIRES external
// synchronisation. Different managers are independent.
//
// Performance (rune must be fast): NewManager does at most two statfs, one
// read of /proc/self/mountinfo (v1 only) and one of /proc/self/cgroup (only
// for relative paths). Create is one mkdir per hierarchy on the fast path.
// Sleeps only in bounded retries: Destroy (EBUSY while processes exit, <~0.3 s)
// and Freeze (FREEZING -> FROZEN, <~2 s), plus AddProcess's rare EINVAL retry
// (task still being forked, as runc does).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "oci/resources.h"
#include "runtime/cgroup/cgroup_fs.h"
#include "runtime/cgroup/stats.h"

namespace inclavare::runtime::cgroup {

// The layout of the cgroup root.
enum class Mode {
  kLegacy,   // tmpfs with v1 hierarchies, no cgroup2
  kHybrid,   // tmpfs with v1 hierarchies, cgroup2 at <root>/unified
  kUnified,  // cgroup2 mounted at the root
};
const char* ModeName(Mode mode);

enum class FreezerState {
  kUndefined,  // no freezer for this cgroup (v1 freezer not mounted)
  kThawed,
  kFreezing,  // freeze requested, not all tasks stopped yet
  kFrozen,
};
const char* FreezerStateName(FreezerState state);

// controller -> directory; see the file comment for the keys.
using Paths = std::map<std::string, std::string>;

// Where the host's cgroup trees and process information live. The defaults
// are the real ones; tests point them at a fake tree.
struct Options {
  std::string root = "/sys/fs/cgroup";
  std::string mountinfo_path = "/proc/self/mountinfo";  // v1 hierarchy discovery
  std::string self_cgroup_path = "/proc/self/cgroup";   // relative cgroupsPath
  CgroupFs* fs = nullptr;                               // nullptr: RealCgroupFs()
};

// What to manage for a new container.
struct Config {
  std::string cgroups_path;  // linux.cgroupsPath; may be empty
  std::string container_id;  // used for the default path when cgroups_path is empty
};

// statfs-based detection (runc's logic): cgroup2 at root -> kUnified; tmpfs at
// root -> kHybrid when <root>/unified is cgroup2, else kLegacy. Anything else
// is kFailedPrecondition.
Result<Mode> DetectMode(const Options& options = {});

class Manager {
 public:
  virtual ~Manager() = default;

  // True for a v2 (unified) manager.
  virtual bool IsUnified() const = 0;

  // Creates the cgroup directories (parents as needed; existing ones are
  // fine, so containers may share a cgroup). v1: new cpuset directories get
  // their parent's cpuset.cpus/mems copied in, else attaching fails with
  // ENOSPC. v2: enables every available controller in cgroup.subtree_control
  // of the root and each ancestor (a controller that cannot be enabled is
  // skipped here and reported by Apply if a field needs it).
  // EACCES/EPERM/EROFS -> kPermissionDenied ("rootless?").
  virtual Result<> Create() = 0;

  // Writes the limits; see the file comment. Also used by `rune update`.
  virtual Result<> Apply(const oci::LinuxResources& resources) = 0;

  // Moves pid (all its threads) into the cgroup in every hierarchy.
  virtual Result<> AddProcess(pid_t pid) = 0;

  // Freezes all processes and waits until the kernel reports them frozen
  // (v1 freezer.state FROZEN; v2 cgroup.events "frozen 1"), bounded; on
  // timeout thaws again and returns kUnavailable. No freezer: kFailedPrecondition.
  virtual Result<> Freeze() = 0;
  virtual Result<> Thaw() = 0;
  virtual Result<FreezerState> GetFreezerState() = 0;

  // PIDs in the container's cgroup itself (cgroup.procs), and with all child
  // cgroups the container created (GetAllPids).
  virtual Result<std::vector<pid_t>> GetPids() = 0;
  virtual Result<std::vector<pid_t>> GetAllPids() = 0;

  // Sends sig to every process. v2 + SIGKILL uses cgroup.kill (Linux 5.14)
  // when present; otherwise freeze (if possible), signal each pid from
  // GetAllPids (ESRCH ignored), thaw -- so no process forks away meanwhile.
  virtual Result<> KillAll(int sig) = 0;

  // Removes the cgroup directories (and child cgroups the container made),
  // retrying briefly on EBUSY while processes exit. Missing directories are
  // fine: Destroy is idempotent. Parent directories are left in place.
  virtual Result<> Destroy() = 0;

  virtual const Paths& GetPaths() const = 0;

  // v2: an O_PATH fd of the cgroup dir for clone3(CLONE_INTO_CGROUP).
  // v1: kUnimplemented.
  virtual Result<UniqueFd> OpenCgroupDir() = 0;

  // Resource-usage statistics (`rune events`); see stats.h for the files
  // read and the v2 -> v1 conversions. A cgroup directory that no longer
  // exists is kNotFound; malformed files are errors naming the file.
  virtual Result<Stats> GetStats() = 0;
};

// Resolves the directories for a new container (no mkdir yet; call Create()).
Result<std::unique_ptr<Manager>> NewManager(const Config& config, const Options& options = {});

// Re-opens a manager from Paths() saved earlier; no detection, no syscalls.
// A map with the single key "" is v2, anything else v1. Paths must be
// absolute and free of "..".
Result<std::unique_ptr<Manager>> LoadManager(const Paths& paths, const Options& options = {});

// runc's default device allowlist (specconv.AllowedDevices): mknod of any
// char/block device, /dev/{null,random,full,tty,zero,urandom}, /dev/pts/*,
// /dev/ptmx, /dev/net/tun. rune create appends these after the spec's rules,
// as runc does.
std::vector<oci::LinuxDeviceCgroup> DefaultAllowedDevices();

// Conversions from v1 (OCI) units to v2 files, as runc does.
// cpu.shares [2, 262144] -> cpu.weight [1, 10000], with 1024 -> 100: the
// quadratic fit in log2 space of runc >= 1.3 / crun >= 1.23 (the older
// linear 1 + (s - 2) * 9999 / 262142 mapped the default 1024 to 39, see
// kubernetes#131216). 0 means unset and maps to 0.
uint64_t ConvertCpuSharesToWeight(uint64_t shares);
// memory.swap (memory+swap total) -> memory.swap.max. Returns -1 for "max",
// 0 for "leave unset"; errors when swap < limit or there is no limit.
Result<int64_t> ConvertSwapToV2(int64_t swap, int64_t limit);
// blkio weight [10, 1000] -> io.weight [1, 10000]; 0 maps to 0.
uint64_t ConvertBlkioWeightToIoWeight(uint64_t weight);

}  // namespace inclavare::runtime::cgroup
