// Rootless mode: rune started by an unprivileged user (or as root inside a
// user namespace), as runc supports it.
//
//   * The state root defaults to $XDG_RUNTIME_DIR/rune (runc:
//     $XDG_RUNTIME_DIR/runc), created 0700 with the sticky bit so the XDG
//     clean-up leaves it alone; without XDG_RUNTIME_DIR an unprivileged
//     user must pass --root (DefaultStateRoot says so).
//   * The container needs a user namespace whose maps the user may write
//     unprivileged: one line mapping the caller's own euid (egid), and
//     "deny" in setgroups before gid_map (CheckIdMappings; rune create
//     writes the maps from the parent, which owns the new namespace).
//     Multi-range maps need the setuid newuidmap/newgidmap helpers, which
//     rune does not use: such a spec is refused with an error naming them.
//   * cgroups (RootlessCgroup): the container gets one when the user can
//     create it (a delegated tree); otherwise, as runc, it runs without one
//     if it asks for no limits and names no cgroupsPath, and create fails
//     clearly if it does. Device rules are never applied (an unprivileged
//     user cannot; the user namespace already denies mknod). pause, resume,
//     update and events then fail with "container ... has no cgroup"; ps and
//     kill --all fall back to the container's pid namespace
//     (PidsOfContainer).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "oci/spec.h"
#include "runtime/cgroup/cgroup.h"

namespace inclavare::runtime {

// True when this process is in a user namespace other than the initial one
// (/proc/self/uid_map is not the identity map of all ids).
bool RunningInUserNamespace();

// runc's rule: not euid 0, or euid 0 inside a user namespace.
bool IsRootless();

// The state root when --root is not given: /run/rune for real root;
// $XDG_RUNTIME_DIR/rune when XDG_RUNTIME_DIR is set and the caller is not
// root (or is root of a user namespace with USER unset or not "root"),
// created 0700 + sticky. An unprivileged caller without XDG_RUNTIME_DIR gets
// a FailedPrecondition error that names XDG_RUNTIME_DIR and --root.
Result<std::string> DefaultStateRoot();

// For an unprivileged caller (euid != 0): the spec's user namespace maps must
// each be a single line mapping the caller's own euid/egid, and the user
// namespace must be new (joining one by path needs no maps). Root: no check.
Result<> CheckIdMappings(const oci::Linux& linux);

// Writes "deny" to /proc/<pid>/setgroups when the caller is unprivileged
// (needed before an unprivileged gid_map write); a no-op for root.
Result<> DenySetgroupsIfUnprivileged(pid_t pid);

// Wraps a new container's cgroup manager for rootless mode and creates the
// cgroup: on a permission error with no cgroupsPath and no limits in
// `resources`, returns a manager without a cgroup (no paths; Apply accepts
// only limit-free resources, AddProcess does nothing); with limits or an
// explicit cgroupsPath, the error says which and why. Apply never writes
// device rules.
Result<std::unique_ptr<cgroup::Manager>> CreateRootlessCgroup(std::unique_ptr<cgroup::Manager> inner,
                                                              const std::string& cgroups_path,
                                                              const oci::LinuxResources& resources);

// True when resources asks for any limit a cgroup would enforce (devices
// rules excepted).
bool HasCgroupLimits(const oci::LinuxResources& resources);

// Processes of a container that has no cgroup: every process in the init's
// pid namespace when the container has its own, else just the init.
Result<std::vector<pid_t>> PidsOfContainer(pid_t init_pid);

}  // namespace inclavare::runtime
