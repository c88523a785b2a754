// The container's root filesystem: mounts, devices, pivot_root, masked and
// read-only paths (runtime-spec config.md "Root", "Mounts";
// config-linux.md "Devices", "maskedPaths", "readonlyPaths").
//
// Runs in the container's init, in its new mount namespace, in this order:
//   PrepareRootfs()   propagation, rootfs bind, config mounts, /dev
//   (createContainer hooks run here: container namespaces, host paths)
//   EnterRootfs()     pivot_root (or MS_MOVE + chroot for --no-pivot)
//   FinalizeRootfs()  maskedPaths, readonlyPaths, read-only root
// Errors name the mount: "mount proc to /proc: Permission denied".
#pragma once

#include <functional>
#include <string>

#include "common/error.h"
#include "oci/spec.h"

namespace inclavare::runtime {

struct RootfsContext {
  const oci::Spec* spec = nullptr;
  std::string bundle;  // absolute bundle dir: relative bind sources resolve here
  std::string rootfs;  // absolute host path of the rootfs
  bool in_user_ns = false;     // new or joined: device nodes are bind-mounted, not mknod'ed
  bool new_cgroup_ns = false;  // cgroup mounts are real cgroupfs mounts
  bool no_pivot = false;
  // Called once before the first cgroup mount: the init must be in its
  // cgroup (and cgroup namespace) by then. May be empty.
  std::function<Result<>()> before_cgroup_mount;
};

Result<> PrepareRootfs(const RootfsContext& ctx);
Result<> EnterRootfs(const RootfsContext& ctx);
Result<> FinalizeRootfs(const RootfsContext& ctx);

}  // namespace inclavare::runtime
