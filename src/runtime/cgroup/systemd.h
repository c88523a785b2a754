// --systemd-cgroup: what rune does with runc's systemd cgroup driver flag.
//
// runc's systemd driver asks systemd over D-Bus to create a transient unit
// ("<prefix>-<name>.scope" in the slice "<slice>") and lets systemd own the
// cgroup. rune has no D-Bus client yet, so with the flag `create`/`run`
// fail before anything exists on the host, with the most specific reason:
//
//   IC_TRY(cgroup::CheckSystemdDriver(spec.linux->cgroups_path, id));
//
//   1. the cgroupsPath is not of runc's systemd form (InvalidArgument);
//   2. systemd is not running (FailedPrecondition "--systemd-cgroup: systemd
//      is not running (no /run/systemd/system)");
//   3. otherwise Unimplemented: the driver itself does not exist.
// Commands on existing containers (state, kill, delete, ...) use the cgroup
// paths saved at create and ignore the flag, as they only ever see cgroupfs
// containers.
//
// The systemd cgroupsPath form (runc's specconv): "slice:prefix:name", e.g.
// "system.slice:docker:0123"; an empty cgroupsPath means ":rune:<id>". An
// empty slice means "system.slice". A name ending in ".slice" names a slice
// unit itself (prefix ignored); otherwise the unit is "<prefix>-<name>.scope"
// ("<name>.scope" with an empty prefix). Slice names follow systemd's rules
// (ExpandSlice); unit names may only hold systemd's unit-name characters
// (ASCII letters, digits, ":-_.\"), so runc ids with '+' are rejected here
// rather than by systemd later.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace inclavare::runtime::cgroup {

struct SystemdUnit {
  std::string slice;       // parent slice, e.g. "system.slice"
  std::string unit;        // e.g. "docker-0123.scope" or "machine-x.slice"
  std::string cgroup_dir;  // cgroup below the root, e.g. "/system.slice/docker-0123.scope"
};

// systemd's slice hierarchy: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice",
// "-.slice" -> "/". InvalidArgument for names without the ".slice" suffix,
// with '/', or with an empty dash-separated component ("a--b.slice").
Result<std::string> ExpandSlice(std::string_view slice);

// Parses a cgroupsPath given with --systemd-cgroup; see the file comment.
Result<SystemdUnit> ParseSystemdCgroupsPath(const std::string& cgroups_path, const std::string& container_id);

// sd_booted(3): whether marker_dir (normally /run/systemd/system) exists and
// is a directory (not followed if a symlink).
bool SystemdRunning(const std::string& marker_dir = "/run/systemd/system");

// The checks `create` runs for --systemd-cgroup, in the order of the file
// comment. Never succeeds while the driver is not implemented.
Result<> CheckSystemdDriver(const std::string& cgroups_path, const std::string& container_id,
                            const std::string& marker_dir = "/run/systemd/system");

}  // namespace inclavare::runtime::cgroup
