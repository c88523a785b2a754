// rune exec: another process in a running container.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <optional>

#include "common/cleanup.h"
#include "common/fs.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/container.h"
#include "runtime/internal/exec_enclave.h"
#include "runtime/internal/init.h"
#include "runtime/internal/process.h"
#include "runtime/linux/cloned_binary.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/security.h"
#include "runtime/linux/sync.h"
#include "runtime/runelet_channel.h"
#include "runtime/state.h"

namespace inclavare::runtime {
namespace {

Result<uint32_t> ParseId(const std::string& what, const std::string& s) {
  char* end = nullptr;
  unsigned long v = strtoul(s.c_str(), &end, 10);
  if (s.empty() || *end || v > UINT32_MAX) return InvalidArgument("invalid " + what + " \"" + s + "\"");
  return static_cast<uint32_t>(v);
}

// runc's exec: the container's process as the base, flags on top.
Result<oci::Process> BuildProcess(const oci::Spec& spec, const ExecOptions& o) {
  if (!o.process_file.empty()) {
    IC_ASSIGN_OR_RETURN(std::string text, fs::ReadFile(o.process_file));
    IC_ASSIGN_OR_RETURN(oci::Process p, oci::ParseProcess(text).Wrap("--process " + o.process_file));
    return p;
  }
  if (!spec.process) return InvalidArgument("the container has no process section");
  oci::Process p = *spec.process;
  if (o.args.empty()) return InvalidArgument("exec needs a command (or --process)");
  p.args = o.args;
  p.terminal = o.tty;
  p.console_size.reset();
  for (const auto& e : o.env) p.env.push_back(e);
  if (!o.cwd.empty()) p.cwd = o.cwd;
  if (!o.user.empty()) {
    size_t colon = o.user.find(':');
    IC_ASSIGN_OR_RETURN(p.user.uid, ParseId("--user uid", o.user.substr(0, colon)));
    if (colon != std::string::npos) {
      IC_ASSIGN_OR_RETURN(p.user.gid, ParseId("--user gid", o.user.substr(colon + 1)));
    }
  }
  for (const auto& g : o.additional_gids) {
    IC_ASSIGN_OR_RETURN(uint32_t gid, ParseId("--additional-gids", g));
    p.user.additional_gids.push_back(gid);
  }
  if (!o.caps.empty()) {
    if (!p.capabilities) p.capabilities.emplace();
    auto& c = *p.capabilities;
    for (const auto& cap : o.caps) {
      c.bounding.push_back(cap);
      c.effective.push_back(cap);
      c.permitted.push_back(cap);
      // Ambient needs inheritable; runc adds both only when the spec already
      // has inheritable capabilities.
      if (!c.inheritable.empty()) {
        c.inheritable.push_back(cap);
        c.ambient.push_back(cap);
      }
    }
  }
  if (o.no_new_privs) p.no_new_privileges = true;
  return p;
}

bool SameNamespace(pid_t pid, const char* name) {
  struct stat a, b;
  std::string mine = std::string("/proc/self/ns/") + name;
  std::string theirs = "/proc/" + std::to_string(pid) + "/ns/" + name;
  return ::stat(mine.c_str(), &a) == 0 && ::stat(theirs.c_str(), &b) == 0 && a.st_ino == b.st_ino &&
         a.st_dev == b.st_dev;
}


struct ChildContext {
  const oci::Process* process;
  const SeccompProgram* seccomp;
  const oci::Linux* linux;  // linux.personality applies to exec'd processes too
  int pidfd;
  int setns_flags;
  bool in_user_ns;
  int console_socket_fd;
  bool console_to_parent;
  int preserve_fds;
  SyncSocket* sync;
};

[[noreturn]] void ExecChild(ChildContext& c) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Not dumpable until the execve: the container's processes must not reach
  // rune's memory or /proc/<pid>/exe (CVE-2019-5736).
  ::prctl(PR_SET_DUMPABLE, 0);
  auto setup = [&]() -> Result<internal::ExecPlan> {
    IC_TRY(c.sync->Expect(SyncType::kGo));
    // All namespaces at once (Linux 5.8): the kernel applies the user
    // namespace first, so the others are joined with its privileges.
    if (c.setns_flags && ::setns(c.pidfd, c.setns_flags) != 0) return ErrnoError("join the container's namespaces");
    ::close(c.pidfd);
    if (::setsid() < 0) return ErrnoError("setsid");
    if (c.linux) IC_TRY(ApplyPersonality(*c.linux));
    if (c.process->terminal) {
      IC_ASSIGN_OR_RETURN(UniqueFd master, internal::SetupConsole(*c.process, c.console_socket_fd));
      if (c.console_to_parent) IC_TRY(c.sync->Send(SyncType::kConsole, "", 0, master.Get()));
    }
    IC_ASSIGN_OR_RETURN(internal::ExecPlan plan,
                        internal::PrepareProcess(*c.process, c.seccomp, c.in_user_ns, c.preserve_fds));
    if (plan.seccomp_notify) IC_TRY(c.sync->Send(SyncType::kSeccompFd, "", 0, plan.seccomp_notify.Get()));
    plan.seccomp_notify.Reset();
    return plan;
  };
  auto plan = setup();
  if (!plan) {
    (void)c.sync->SendError(plan.error());
    ::_exit(127);
  }
  ::prctl(PR_SET_PDEATHSIG, 0);
  if (!c.sync->Send(SyncType::kReady)) ::_exit(127);
  Error e = internal::ExecProcess(*plan, *c.process);
  (void)c.sync->SendError(e);
  ::_exit(127);
}

}  // namespace

Result<int> Exec(const GlobalOptions& g, const ExecOptions& o) {
  ContainerRecord rec;
  std::string status;
  UniqueFd runelet;  // enclave containers: the init-runelet's channel
  {
    // The lock is held only while reading the state: a long-running exec
    // must not block `delete` or `kill`.
    IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, o.id));
    IC_ASSIGN_OR_RETURN(rec, dir.Load());
    status = DeriveStatus(rec, dir);
    if (!rec.enclave.is_null() && status == oci::kStatusRunning) {
      IC_ASSIGN_OR_RETURN(runelet, ConnectRunelet(dir.FdRelative(kRuneletSocket)));
    }
  }
  if (status == oci::kStatusStopped || status == oci::kStatusCreating)
    return FailedPrecondition("cannot exec in a " + status + " container");
  if (status == oci::kStatusPaused && !o.ignore_paused)
    return FailedPrecondition("cannot exec in a paused container (use --ignore-paused to override)");
  if (rec.config.is_null()) return FailedPrecondition("the container's state has no config (created by an older rune?)");
  oci::Spec spec;
  IC_TRY(oci::FromJson(rec.config, "", &spec).Wrap("container config"));
  IC_ASSIGN_OR_RETURN(oci::Process proc, BuildProcess(spec, o));
  IC_TRY(oci::ValidateProcess(proc));
  IC_TRY(CheckUnsupportedProcessFields(proc));
  if (proc.terminal && o.console_socket.empty() && o.detach)
    return InvalidArgument("cannot allocate tty if rune will detach without setting console socket");
  if (!proc.terminal && !o.console_socket.empty())
    return InvalidArgument("cannot use console socket if rune will not detach or allocate tty");

  // CVE-2019-5736: the init of a created container is still a clone of
  // rune; create sealed it unless nothing could ptrace it (see
  // CreateContainer). Keep it so.
  if (status == oci::kStatusCreated && MayHoldPtrace(proc) && !RunsFromSealedExe(rec.init_pid))
    return FailedPrecondition(
        "exec with CAP_SYS_PTRACE into a created container whose init still runs from the host's rune binary "
        "could expose that binary (CVE-2019-5736); start the container first");
  if (!rec.enclave.is_null()) {
    if (!runelet) return FailedPrecondition("cannot exec in a " + status + " enclave container");
    return internal::ExecInEnclave(rec, proc, o, std::move(runelet));
  }

  std::optional<SeccompProgram> seccomp;
  if (spec.linux && spec.linux->seccomp) {
    IC_ASSIGN_OR_RETURN(seccomp, CompileSeccomp(*spec.linux->seccomp));
  }

  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, rec.init_pid, 0)));
  if (!pidfd || !InitAlive(rec)) return FailedPrecondition("container not running");

  // pid and time namespaces apply to children: enter them here, around the
  // clone, and come back after.
  int parent_flags = 0, child_flags = 0;
  bool in_user_ns = false;
  struct NsType {
    const char* name;
    int flag;
  };
  const NsType kTypes[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},     {"net", CLONE_NEWNET},
                           {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS},    {"cgroup", CLONE_NEWCGROUP},
                           {"pid", CLONE_NEWPID},   {"time", CLONE_NEWTIME}};
  for (const auto& t : kTypes) {
    if (SameNamespace(rec.init_pid, t.name)) continue;
    if (t.flag == CLONE_NEWPID || t.flag == CLONE_NEWTIME) {
      parent_flags |= t.flag;
    } else {
      child_flags |= t.flag;
      if (t.flag == CLONE_NEWUSER) in_user_ns = true;
    }
  }
  // Rootless: joining the pid namespace needs CAP_SYS_ADMIN in the user
  // namespace that owns it, so rune joins that user namespace along with it
  // (for good: rune forks nothing else after the clone); the child inherits
  // it.
  if (in_user_ns && parent_flags && ::geteuid() != 0) {
    parent_flags |= CLONE_NEWUSER;
    child_flags &= ~CLONE_NEWUSER;
  }

  std::optional<internal::Foreground> fg;
  if (!o.detach) {
    fg.emplace();
    IC_TRY(fg->Init());
  }
  UniqueFd console_sock;
  if (!o.console_socket.empty()) {
    IC_ASSIGN_OR_RETURN(console_sock, ConnectUnix(o.console_socket));
  }
  IC_ASSIGN_OR_RETURN(auto pair, SyncSocket::Pair());

  std::vector<std::pair<int, UniqueFd>> saved;
  if (parent_flags) {
    for (auto [flag, name] : {std::pair{CLONE_NEWPID, "pid_for_children"}, std::pair{CLONE_NEWTIME, "time_for_children"}}) {
      if (!(parent_flags & flag)) continue;
      int fd = ::open((std::string("/proc/self/ns/") + name).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return ErrnoError(std::string("open /proc/self/ns/") + name);
      saved.emplace_back(flag, UniqueFd(fd));
    }
    if (::setns(pidfd.Get(), parent_flags) != 0) return ErrnoError("join the container's pid namespace");
  }
  ChildContext cc{&proc, seccomp ? &*seccomp : nullptr, spec.linux ? &*spec.linux : nullptr, pidfd.Get(),
                  child_flags, in_user_ns,
                  console_sock.Get(), proc.terminal && o.console_socket.empty(), o.preserve_fds, &pair.second};
  pid_t pid = internal::Clone3(0);
  if (pid == 0) {
    pair.first.fd().Reset();
    ExecChild(cc);
  }
  for (auto& [flag, fd] : saved) (void)::setns(fd.Get(), flag);
  if (pid < 0) return ErrnoError("clone exec process");
  Cleanup kill_child([&] {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  });
  pair.second.fd().Reset();
  console_sock.Reset();
  SyncSocket& sync = pair.first;

  if (!rec.cgroup_paths.empty()) {
    IC_ASSIGN_OR_RETURN(auto cg, cgroup::LoadManager(rec.cgroup_paths));
    IC_TRY(cg->AddProcess(pid).Wrap("join the container's cgroup"));
  }
  (void)sync.Send(SyncType::kGo);
  UniqueFd master;
  for (;;) {
    auto msg = sync.Recv();
    if (!msg) {
      if (msg.error().code() == ErrorCode::kUnavailable) return Internal("exec process exited during setup");
      return std::move(msg.error());
    }
    if (msg->type == SyncType::kError)
      return Error(msg->err ? CodeFromErrno(msg->err) : ErrorCode::kInternal, msg->payload, msg->err);
    if (msg->type == SyncType::kConsole) {
      master = std::move(msg->fd);
    } else if (msg->type == SyncType::kSeccompFd) {
      std::string state = internal::StateJson(rec.id, oci::kStatusRunning, rec.init_pid, rec.bundle,
                                              rec.annotations);
      IC_TRY(SendSeccompListener(spec.linux->seccomp->listener_path, msg->fd.Get(), state,
                                 spec.linux->seccomp->listener_metadata, pid)
                 .Wrap("seccomp listener"));
    } else if (msg->type == SyncType::kReady) {
      break;
    }
  }
  // The sync socket is close-on-exec: EOF means the execve happened.
  if (auto msg = sync.Recv(); msg) {
    if (msg->type == SyncType::kError)
      return Error(msg->err ? CodeFromErrno(msg->err) : ErrorCode::kInternal, msg->payload, msg->err);
  }
  kill_child.Cancel();
  if (!o.pid_file.empty()) IC_TRY(internal::WritePidFile(o.pid_file, pid));
  if (o.detach) return 0;
  return fg->Wait(pid, master.Get());
}

}  // namespace inclavare::runtime
