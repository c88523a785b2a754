// CVE-2019-5736: rune's init and exec processes enter containers as clones
// of rune, so /proc/<pid>/exe of each names rune's binary. Non-dumpable
// processes hide it from the container, except from one holding
// CAP_SYS_PTRACE, which could then reopen the host binary for writing once
// rune exits. As runc 1.1 does, rune re-executes itself from a sealed memfd
// copy first when such a process could see it: exe then names the copy,
// which no one can write (F_SEAL_WRITE) and which vanishes with the process.
//
//   int main(int argc, char** argv) {
//     if (runtime::ExecsIntoContainers(argc, argv)) IC_TRY(runtime::EnsureSealedSelf());
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
// (a copy and re-exec cost ~3 ms, 20% of a `rune run`).
//
// True when argv holds `exec`. Errs on the safe side: any argument so named.
bool ExecsIntoContainers(int argc, char** argv);

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

// Returns when this process already runs from a sealed memfd; otherwise
// copies /proc/self/exe into one and execveat()s it with the same argv and
// environment (returns only on failure).
Result<> EnsureSealedSelf();

// The path rune was started from (/proc/self/exe names the memfd after
// EnsureSealedSelf): to find files installed beside rune.
Result<std::string> SelfExePath();

}  // namespace inclavare::runtime
