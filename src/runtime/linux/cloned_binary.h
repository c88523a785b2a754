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

// True when pid runs from rune's sealed copy (or another memfd), not from a
// file on the host.
bool RunsFromMemfd(pid_t pid);

// Returns when this process already runs from a sealed memfd; otherwise
// copies /proc/self/exe into one and execveat()s it with the same argv and
// environment (returns only on failure).
Result<> EnsureSealedSelf();

// The path rune was started from (/proc/self/exe names the memfd after
// EnsureSealedSelf): to find files installed beside rune.
Result<std::string> SelfExePath();

}  // namespace inclavare::runtime
