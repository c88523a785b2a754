// Private: the steps shared by the container's init and `rune exec` to turn
// a prepared process into the container process, and the foreground loop
// shared by `run` and `exec`.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "oci/spec.h"
#include "runtime/linux/seccomp.h"

namespace inclavare::runtime::internal {

// Creates a pty in the current mount namespace (/dev/ptmx), makes its peer
// the controlling terminal and stdio. With console_socket_fd >= 0 the master
// goes there (SCM_RIGHTS, runc's protocol) and an invalid fd is returned;
// otherwise the master is returned for the caller to relay.
Result<UniqueFd> SetupConsole(const oci::Process& process, int console_socket_fd);

struct ExecPlan {
  std::string path;               // resolved argv[0]
  std::vector<std::string> env;   // with PATH and HOME defaulted
  UniqueFd seccomp_notify;        // when the filter uses SCMP_ACT_NOTIFY
};

// Everything after namespaces and the rootfs are in place, in runc's order:
// rlimits, oom_score_adj, env and executable lookup (as root), seccomp
// (before the capability drop unless noNewPrivileges: without no_new_privs
// loading a filter needs CAP_SYS_ADMIN), uid/gid/groups and capabilities,
// no_new_privs, seccomp (with noNewPrivileges), umask, cwd, and the fd
// table (0-2 plus preserve_fds, everything else close-on-exec).
// resolve_executable false: plan.path is args[0] as given (an enclave
// runtime resolves it in its own file system).
Result<ExecPlan> PrepareProcess(const oci::Process& process, const SeccompProgram* seccomp, bool in_user_ns,
                                int preserve_fds, bool resolve_executable = true);

// execve with default signal dispositions and an empty signal mask.
// Returns only on failure.
Error ExecProcess(const ExecPlan& plan, const oci::Process& process);

// Foreground supervision for `run` and `exec`: create it (which blocks
// every catchable signal into a signalfd) BEFORE starting the child, so no
// signal is lost; Wait() forwards signals to pid, relays the pty master (if
// any) with the caller's terminal in raw mode, reaps, and returns the exit
// code (128 + signal when killed).
class Foreground {
 public:
  Foreground();
  ~Foreground();
  Result<> Init();
  int Wait(pid_t pid, int master);

 private:
  sigset_t old_mask_;
  UniqueFd sfd_;
};

// --pid-file: the pid, written atomically; a relative path is taken from
// the current directory, as runc does.
Result<> WritePidFile(const std::string& path, pid_t pid);

// clone3 without CLONE_VM: fork-like, child returns 0.
pid_t Clone3(uint64_t flags);

}  // namespace inclavare::runtime::internal
