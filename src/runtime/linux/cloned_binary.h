// CVE-2019-5736: rune's init and exec processes enter containers as clones
// of rune, so /proc/<pid>/exe of each names rune's binary. Non-dumpable
// processes hide it from the container, except from one holding
// CAP_SYS_PTRACE, which could then reopen the host binary for writing once
// rune exits. So rune re-executes itself first when such a process could
// see it, from a read-only overlayfs view of its binary (runc 1.2) or a
// sealed memfd copy (runc 1.1): exe then names a file no one can write.
//
//   if (command == "exec") IC_TRY(runtime::EnsureSealedSelf(global.root));
#pragma once

#include <sys/types.h>

#include <string>

#include "common/error.h"
#include "common/unique_fd.h"
#include "oci/spec.h"

namespace inclavare::runtime {

// When the copy is needed: a process enters a pid namespace that already
// has processes. `exec` always does; `create`/`run` only when the spec joins
// an existing pid namespace or has none (the host's): with a new one, the
// init is alone in it until it execs the workload, and nothing in the
// container can open its /proc/<pid>/exe. So create/run decide after
// reading the spec (CreateContainer), and the common case pays nothing
// (a re-exec costs ~1 ms, a memfd copy ~1.5 ms more).

// True when the process's capability sets may give it CAP_SYS_PTRACE.
bool MayHoldPtrace(const oci::Process& process);

// True when /proc/<pid>/exe cannot be opened for writing: pid runs from a
// write-sealed memfd or from a read-only overlayfs view
// (OpenSealedExecutable), not from a writable file on the host.
bool RunsFromSealedExe(pid_t pid);

// A close-on-exec handle on the executable at `path` to execveat() a
// process that will live in a container (the init-runelet), such that its
// /proc/<pid>/exe cannot be opened for writing:
//  - privileged (fsopen of overlayfs allowed): as runc 1.2, a detached,
//    read-only overlayfs of path's directory over `empty_dir` (an empty
//    directory that is neither inside nor above it). Nothing is copied and
//    the page cache is shared; writes through it fail with EROFS, and the
//    mount, attached nowhere, goes with the last process using it.
//  - otherwise (rootless, no overlayfs, no new mount API): a write-sealed
//    memfd copy, as runc 1.1.
// *copied (optional) tells which one was used.
Result<UniqueFd> OpenSealedExecutable(const std::string& path, const std::string& empty_dir,
                                      bool* copied = nullptr);

// Returns when this process already runs from a sealed executable
// (RunsFromSealedExe); otherwise re-executes itself with the same argv and
// environment from a sealed handle on its own binary, and returns only on
// failure. second_layer (rune's state root) is the overlay's lower layer:
// any directory neither inside nor above rune's, whose entries the
// binary's directory, on top, hides. The overlay view is used only when it shows the very
// file this process runs (same inode, size and mtime); a binary replaced
// meanwhile, or no usable second_layer, gets the memfd copy of
// /proc/self/exe.
Result<> EnsureSealedSelf(const std::string& second_layer);

// The path rune was started from (after EnsureSealedSelf /proc/self/exe
// names the memfd or the file in the detached overlay): to find files
// installed beside rune.
Result<std::string> SelfExePath();

}  // namespace inclavare::runtime
