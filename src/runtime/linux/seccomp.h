// seccomp: compiles the spec's linux.seccomp into a BPF program with
// libseccomp, loads it into the calling process, and hands the user
// notification fd (SCMP_ACT_NOTIFY) to the seccomp agent at listenerPath.
//
// The work is split so that everything that can fail or allocate happens in
// rune before the container's init is cloned, and the init only issues one
// seccomp(2) call:
//
//   // rune (parent), before clone: errors surface as `rune create` errors.
//   IC_ASSIGN_OR_RETURN(SeccompProgram program, CompileSeccomp(*spec.linux->seccomp));
//   ...clone the init; the program is inherited with the address space...
//
//   // container init, as late as possible before execve (see "Where to load"):
//   IC_ASSIGN_OR_RETURN(UniqueFd notify_fd, LoadSeccomp(program));
//   if (notify_fd) sync.Send(SyncType::kSeccompFd /* new */, "", 0, notify_fd.Get());
//
//   // rune (parent), on receiving the fd: the listener lives on the host, so
//   // rune (not the init, which has pivot_root'ed) connects to it.
//   IC_TRY(SendSeccompListener(seccomp.listener_path, fd.Get(),
//                              StateJson(id, "creating", init_pid, bundle, annotations),
//                              seccomp.listener_metadata, init_pid));
//
// Cost: a moby/podman-shaped default profile (432 names, 3 x86 ABIs) takes
// 16-23 ms of CPU in CompileSeccomp (libseccomp's rule database and BPF
// generation; runc pays the same inside `runc init`), and LoadSeccomp one
// syscall.
//
// Where to load (runc's standard_init_linux.go does the same):
//   - process.noNewPrivileges true: set PR_SET_NO_NEW_PRIVS, switch
//     uid/gid/groups and capabilities, resolve the executable, then
//     LoadSeccomp as the last step before execve (so the profile need not
//     allow the init's own set-up syscalls).
//   - noNewPrivileges false: an unprivileged task may load a filter only with
//     CAP_SYS_ADMIN in its user namespace, so LoadSeccomp must come *before*
//     the user switch / capability drop; the profile then also governs the
//     setgroups/setresgid/setresuid/capset calls that follow (Docker's and
//     podman's default profiles allow them).
//   Loading never sets no_new_privs itself (libseccomp's default
//   SCMP_FLTATR_CTL_NNP would; runc turns it off too): no_new_privs follows
//   process.noNewPrivileges only.
//   The notify fd is O_CLOEXEC (the kernel creates it so): it must leave the
//   init before execve. A filter survives fork and execve and cannot be
//   removed; a second LoadSeccomp stacks a second filter.
//
// Compatibility notes (runc 1.1 is the reference):
//   - Syscall names libseccomp does not know on any architecture are skipped
//     (runc does the same, logging at debug level); names known only on a
//     secondary architecture (e.g. "socketcall" on x86_64 with SCMP_ARCH_X86
//     listed) apply to the architectures that have them. skipped_syscalls()
//     lists the unknown names.
//   - Several args on one rule are ANDed. When two args name the same index,
//     libseccomp cannot AND them (EINVAL), so, as runc does, every arg then
//     becomes its own rule: the rule matches when ANY of the args matches.
//   - SCMP_CMP_MASKED_EQ: `value` is the mask and `valueTwo` the expected
//     result, i.e. (arg & value) == valueTwo (libseccomp's datum_a/datum_b).
//   - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD (libseccomp's definition).
//   - A rule whose action equals the default action is redundant and skipped.
//   - errnoRet is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE; elsewhere
//     it is an error (runtime-spec: "the runtime MUST print an error and
//     fail"; runc silently ignores it). It defaults to EPERM and must fit in
//     16 bits (SECCOMP_RET_DATA); the kernel caps errnos at 4095.
//   - SCMP_ACT_NOTIFY as defaultAction, and on "write" or "sendmsg", is
//     rejected: after loading, the init must hand the notify fd out with one
//     of those calls, and a notified call would wait for an agent that does
//     not have the fd yet (runc rejects the default and "write" for this
//     reason). SCMP_ACT_NOTIFY without listenerPath is an error, as is
//     listenerMetadata without listenerPath (runtime-spec).
//   - Flags: SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW, _WAIT_KILLABLE_RECV
//     (Linux 5.19). LOG/SPEC_ALLOW/TSYNC are checked through libseccomp's
//     attributes (an unsupported kernel is a clear error at compile time);
//     libseccomp 2.5 has no attribute for WAIT_KILLABLE_RECV, so the kernel
//     is probed directly. WAIT_KILLABLE_RECV only means something with a
//     listener and is dropped when no rule uses SCMP_ACT_NOTIFY (the kernel
//     rejects it without one). Any other flag is InvalidArgument.
//   - runc additionally patches the filter so that syscalls newer than the
//     profile return ENOSYS instead of the default errno (patchbpf); rune
//     does not (yet): such syscalls get the default action.
//
// Thread-safety: a SeccompProgram is immutable after CompileSeccomp; const
// methods and LoadSeccomp may be called from any thread.
#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "oci/spec.h"

namespace inclavare::runtime {

// A compiled filter: the BPF program plus the seccomp(2) flags to load it
// with. Move-only; owns the libseccomp context it was built from (kept for
// ExportPfc()).
class SeccompProgram {
 public:
  SeccompProgram() = default;
  SeccompProgram(SeccompProgram&& other) noexcept;
  SeccompProgram& operator=(SeccompProgram&& other) noexcept;
  SeccompProgram(const SeccompProgram&) = delete;
  SeccompProgram& operator=(const SeccompProgram&) = delete;
  ~SeccompProgram();

  // True when the default or any rule uses SCMP_ACT_NOTIFY: LoadSeccomp then
  // returns a notify fd.
  bool uses_notify() const { return uses_notify_; }
  // SECCOMP_FILTER_FLAG_* bits from linux.seccomp.flags (LoadSeccomp adds
  // NEW_LISTENER and TSYNC_ESRCH as needed).
  unsigned int filter_flags() const { return filter_flags_; }
  // The number of BPF instructions (at most BPF_MAXINSNS = 4096).
  size_t instruction_count() const { return bpf_.size(); }
  // Syscall names skipped because libseccomp knows them on no architecture.
  const std::vector<std::string>& skipped_syscalls() const { return skipped_; }
  // libseccomp's human-readable pseudo filter code (for --debug and tests).
  Result<std::string> ExportPfc() const;

 private:
  friend Result<SeccompProgram> CompileSeccomp(const oci::Seccomp& seccomp);
  friend Result<UniqueFd> LoadSeccomp(const SeccompProgram& program);

  void* ctx_ = nullptr;  // scmp_filter_ctx
  std::vector<struct sock_filter> bpf_;
  unsigned int filter_flags_ = 0;
  bool uses_notify_ = false;
  std::vector<std::string> skipped_;
};

// Validates linux.seccomp and builds the filter. Pure with respect to the
// process: nothing is loaded; libseccomp only probes the kernel for
// supported actions and flags. Errors:
//   InvalidArgument naming the field, e.g.
//     linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"
//     linux.seccomp.syscalls[0].args[1].op: unknown operator "SCMP_CMP_FOO"
//     linux.seccomp.architectures[2]: unknown architecture "SCMP_ARCH_FOO"
//     linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_FOO"
//   an errno error when libseccomp or the kernel rejects a rule, or does not
//   support an action or flag (e.g. EOPNOTSUPP), with the field as context.
Result<SeccompProgram> CompileSeccomp(const oci::Seccomp& seccomp);

// Loads the program into the calling thread (all threads with
// SECCOMP_FILTER_FLAG_TSYNC) with one seccomp(SECCOMP_SET_MODE_FILTER) call.
// REQUIRES: no_new_privs set (prctl PR_SET_NO_NEW_PRIVS) or CAP_SYS_ADMIN in
// the caller's user namespace; otherwise FailedPrecondition with EACCES.
// Returns the notify fd (O_CLOEXEC) when program.uses_notify(), else an
// invalid UniqueFd. On success it neither allocates nor takes locks, so it
// is safe between clone() and execve(); only an error allocates its message.
Result<UniqueFd> LoadSeccomp(const SeccompProgram& program);

// The listenerPath protocol (runtime-spec config-linux.md "listenerPath",
// "The Container Process State"; runc's sendContainerProcessState): connects
// a SOCK_STREAM unix socket to listener_path, sends one JSON object
//   {"ociVersion": "1.1.0", "fds": ["seccompFd"], "pid": <pid>,
//    "metadata": <metadata, omitted when empty>, "state": <state_json>}
// with notify_fd attached by SCM_RIGHTS to the first sendmsg, and closes the
// connection. state_json is the container's state object (runtime.md#state;
// runc sends status "creating" with the init's pid from `create`, "running"
// from `exec`). pid is the process the filter is on, as the runtime sees it.
// Run it in rune, in the host mount namespace where listener_path lives.
// notify_fd is borrowed (the caller closes its copy afterwards).
// Errors: InvalidArgument for malformed state_json or a path longer than
// sun_path; errno errors from connect/sendmsg, naming listener_path.
Result<> SendSeccompListener(const std::string& listener_path, int notify_fd, const std::string& state_json,
                             const std::string& metadata, int pid);

// What `rune features` reports under linux.seccomp: the names this build
// knows, and the flags the running kernel and libseccomp support.
struct SeccompFeatures {
  std::vector<std::string> actions;
  std::vector<std::string> operators;
  std::vector<std::string> archs;
  std::vector<std::string> known_flags;
  std::vector<std::string> supported_flags;
};
SeccompFeatures GetSeccompFeatures();

}  // namespace inclavare::runtime
