// Race-free path resolution inside a container root filesystem.
//
// Mount destinations, device nodes and masked paths come from an untrusted
// image: a symlink such as rootfs/etc -> /host/etc, or "../../" in a
// destination, must never lead a mount out of the rootfs (runc
// CVE-2021-30465). Every lookup here goes through openat2(2) with
// RESOLVE_IN_ROOT, so ".." and absolute symlinks are clamped to the rootfs,
// and the kernel refuses magic links. Mount calls then target the resolved
// inode through /proc/self/fd/N, so a path swapped after resolution does not
// matter.
//
//   IC_ASSIGN_OR_RETURN(UniqueFd root, OpenRoot("/run/b/rootfs"));
//   IC_ASSIGN_OR_RETURN(UniqueFd dst, MkdirAllInRoot(root.Get(), "/proc", kDirectory));
//   mount("proc", FdPath(dst.Get()).c_str(), "proc", 0, nullptr);
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/error.h"
#include "common/unique_fd.h"

namespace inclavare::runtime {

enum class NodeKind { kDirectory, kFile };

// Opens a directory to serve as a resolution root.
Result<UniqueFd> OpenRoot(const std::string& path);

// openat2(root_fd, path, flags|O_CLOEXEC, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS).
Result<UniqueFd> OpenInRoot(int root_fd, const std::string& path, int flags);

// Resolves path inside root_fd, creating missing directories (mode 0755) and,
// for kFile, an empty final file (mode 0644) — mount points for file binds.
// Returns an O_PATH fd of the final node.
Result<UniqueFd> MkdirAllInRoot(int root_fd, const std::string& path, NodeKind kind);

// "/proc/self/fd/N": a path naming exactly the inode fd refers to. Needs a
// procfs at /proc of the caller's mount namespace (see CheckProcfs).
std::string FdPath(int fd);

// Checks that /proc is a real procfs (not a tmpfs or bind mount planted by an
// image: runc CVE-2019-16884 class) before its magic links are used.
Result<> CheckProcfs();

// Writes data to an existing file of a procfs (sysctl, /proc/self/...):
// fails, writing nothing, when the opened file is not on a procfs (a fake
// /proc, or a tmpfs/bind over part of it, planted by the image or config).
Result<> WriteProcfsFile(const std::string& path, std::string_view data);

// Lexically cleans a path: collapses "//", "." and resolves ".." without
// going above "/" ("/a/../../b" -> "/b").
std::string CleanPath(const std::string& path);

}  // namespace inclavare::runtime
