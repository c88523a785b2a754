// The container's init: runs in the child of clone3 between `rune create`
// and the execve of the container process. Errors travel to the parent over
// the sync socket, which reports them; this side never logs.
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "common/unique_fd.h"
#include "runtime/hooks.h"
#include "runtime/internal/init.h"
#include "runtime/linux/path.h"
#include "runtime/linux/process_setup.h"
#include "runtime/linux/rootfs.h"

namespace inclavare::runtime::internal {
namespace {

Result<> JoinNamespaces(const InitContext& ctx) {
  // The user namespace first: joining the others may need its privileges.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& ns : ctx.join) {
      bool user = ns.type == oci::NamespaceType::kUser;
      if ((pass == 0) != user) continue;
      if (ns.type == oci::NamespaceType::kPid || ns.type == oci::NamespaceType::kTime) continue;  // parent did
      int fd = ::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return ErrnoError(std::string("open ") + oci::NamespaceTypeName(ns.type) + " namespace " + ns.path);
      UniqueFd owned(fd);
      if (::setns(fd, oci::NamespaceCloneFlag(ns.type)) != 0)
        return ErrnoError(std::string("join ") + oci::NamespaceTypeName(ns.type) + " namespace " + ns.path);
    }
  }
  return {};
}

Result<UniqueFd> SetupConsole(const InitContext& ctx) {
  const oci::Process& p = *ctx.spec->process;
  int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return ErrnoError("open /dev/ptmx");
  UniqueFd m(master);
  int unlock = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) != 0) return ErrnoError("unlock pty");
  int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return ErrnoError("open pty peer");
  UniqueFd s(slave);
  if (p.user.uid != 0 && ::fchown(slave, p.user.uid, static_cast<gid_t>(-1)) != 0)
    return ErrnoError("chown pty");
  if (p.console_size) {
    struct winsize ws = {};
    ws.ws_row = static_cast<unsigned short>(p.console_size->height);
    ws.ws_col = static_cast<unsigned short>(p.console_size->width);
    if (::ioctl(slave, TIOCSWINSZ, &ws) != 0) return ErrnoError("set console size");
  }
  if (::ioctl(slave, TIOCSCTTY, 0) != 0) return ErrnoError("set controlling terminal");
  for (int fd = 0; fd < 3; ++fd)
    if (::dup2(slave, fd) < 0) return ErrnoError("dup2 pty");
  int ptn = 0;
  std::string name = "/dev/ptmx";
  if (::ioctl(master, TIOCGPTN, &ptn) == 0) name = "/dev/pts/" + std::to_string(ptn);
  if (ctx.console_socket_fd >= 0) {
    IC_TRY(SendFd(ctx.console_socket_fd, master, name).Wrap("send pty master to console socket"));
    return UniqueFd();
  }
  return m;
}

// Gives the container process exactly fds 0-2 plus the preserved ones.
Result<> PrepareFds(const InitContext& ctx) {
  int first_closed = 3 + ctx.options.preserve_fds;
  for (int fd = 3; fd < first_closed; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) continue;
    if (::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) return ErrnoError("preserve fd " + std::to_string(fd));
  }
  if (syscall(SYS_close_range, first_closed, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
    return ErrnoError("mark fds close-on-exec");
  return {};
}

Result<> Setup(InitContext& ctx, std::string* exec_path, std::vector<std::string>* env, std::string* state_json) {
  const oci::Spec& spec = *ctx.spec;
  const oci::Process& proc = *spec.process;
  IC_TRY(ctx.sync.Expect(SyncType::kGo));
  if (ctx.new_user_ns && !ctx.two_stage) {
    // Become root of the new user namespace (its maps are now written).
    if (::setresgid(0, 0, 0) != 0) return ErrnoError("setgid 0 in user namespace");
    if (::setresuid(0, 0, 0) != 0) return ErrnoError("setuid 0 in user namespace");
  }
  if (!ctx.two_stage) IC_TRY(JoinNamespaces(ctx));
  if (::setsid() < 0) return ErrnoError("setsid");

  // rune joins us to the cgroup while we set up mounts (on cgroup v1 the
  // attach waits for an RCU grace period, milliseconds); we need to be in
  // it before a cgroup mount, a cgroup namespace, or anything that forks.
  bool joined = false;
  auto await_cgroup = [&]() -> Result<> {
    if (joined) return {};
    joined = true;
    IC_TRY(ctx.sync.Expect(SyncType::kCgroupJoined));
    if (ctx.new_cgroup_ns && ::unshare(CLONE_NEWCGROUP) != 0) return ErrnoError("create cgroup namespace");
    return {};
  };
  RootfsContext rctx{.spec = &spec,
                     .bundle = ctx.bundle,
                     .rootfs = ctx.rootfs,
                     .in_user_ns = ctx.new_user_ns || ctx.joins_user_ns,
                     .new_cgroup_ns = ctx.new_cgroup_ns,
                     .no_pivot = ctx.options.no_pivot,
                     .before_cgroup_mount = await_cgroup};
  if (ctx.new_mount_ns) IC_TRY(PrepareRootfs(rctx));
  IC_TRY(await_cgroup());
  IC_TRY(SetHostAndDomainName(spec));

  IC_TRY(ctx.sync.Send(SyncType::kRunHooks));
  IC_ASSIGN_OR_RETURN(SyncMessage hooks_done, ctx.sync.Expect(SyncType::kHooksDone));
  size_t nl = hooks_done.payload.find('\n');
  if (nl == std::string::npos) return Internal("sync: malformed hook state");
  *state_json = hooks_done.payload.substr(nl + 1);
  IC_TRY(RunHooks(spec.hooks.create_container, hooks_done.payload.substr(0, nl), "createContainer"));

  if (ctx.new_mount_ns) {
    IC_TRY(EnterRootfs(rctx));
  } else if (::chroot(ctx.rootfs.c_str()) != 0 || ::chdir("/") != 0) {
    return ErrnoError("chroot " + ctx.rootfs);
  }
  // As runc: a missing cwd is created (before the root may turn read-only).
  if (!proc.cwd.empty()) {
    IC_ASSIGN_OR_RETURN(UniqueFd root, OpenRoot("/"));
    IC_TRY(MkdirAllInRoot(root.Get(), proc.cwd, NodeKind::kDirectory).Wrap("create cwd " + proc.cwd));
  }
  if (spec.linux) IC_TRY(ApplySysctl(spec.linux->sysctl));
  if (ctx.new_mount_ns) IC_TRY(FinalizeRootfs(rctx));

  if (proc.terminal) {
    IC_ASSIGN_OR_RETURN(UniqueFd master, SetupConsole(ctx));
    if (ctx.console_to_parent) IC_TRY(ctx.sync.Send(SyncType::kConsole, "", 0, master.Get()));
  }
  IC_TRY(ApplyRlimits(proc.rlimits));
  IC_TRY(ApplyOomScoreAdj(proc));
  if (!ctx.options.no_new_keyring) IC_TRY(JoinSessionKeyring(ctx.id));

  // Resolve the executable and env as root, before privileges go: the
  // image's /etc/passwd and PATH directories may not be readable after.
  *env = ProcessEnv(proc);
  IC_ASSIGN_OR_RETURN(*exec_path, LookPath(proc.args[0], *env));

  bool set_groups = true;
  if (ctx.new_user_ns || ctx.joins_user_ns) {
    // setgroups(2) is denied when /proc/self/setgroups says "deny".
    char buf[16] = {};
    int fd = ::open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)!::read(fd, buf, sizeof buf - 1);
      ::close(fd);
      set_groups = strncmp(buf, "deny", 4) != 0;
    }
  }
  IC_TRY(ApplyIdentityAndCapabilities(proc, set_groups));
  ::umask(proc.user.umask ? static_cast<mode_t>(*proc.user.umask) : 0022);
  if (!proc.cwd.empty() && ::chdir(proc.cwd.c_str()) != 0) return ErrnoError("chdir to cwd " + proc.cwd);
  IC_TRY(PrepareFds(ctx));
  return {};
}

std::vector<char*> CArgv(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

void InitMain(InitContext& ctx) {
  // The state directory's flock must not outlive `rune create`.
  for (int fd : ctx.close_fds) ::close(fd);
  // Die with rune while it is still setting us up; cleared once ready.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Not dumpable: other processes in the container cannot open
  // /proc/1/exe (the host's rune binary) or ptrace us before the execve
  // (runc CVE-2019-5736). execve resets it for the container process.
  ::prctl(PR_SET_DUMPABLE, 0);

  if (ctx.two_stage) {
    auto stage1 = [&]() -> Result<pid_t> {
      IC_TRY(JoinNamespaces(ctx));
      if (::unshare(static_cast<int>(ctx.two_stage_unshare)) != 0) return ErrnoError("create namespaces");
      pid_t child = Clone3(CLONE_PARENT);
      if (child < 0) return ErrnoError("clone container init");
      return child;
    };
    auto pid = stage1();
    if (!pid) {
      (void)ctx.sync.SendError(pid.error());
      ::_exit(1);
    }
    if (*pid > 0) {
      (void)ctx.sync.Send(SyncType::kInitPid, std::to_string(*pid));
      ::_exit(0);
    }
    // The real init continues; it is already in every joined namespace.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  }
  std::string exec_path, state_json;
  std::vector<std::string> env;
  if (auto r = Setup(ctx, &exec_path, &env, &state_json); !r) {
    (void)ctx.sync.SendError(r.error());
    ::_exit(1);
  }
  ::prctl(PR_SET_PDEATHSIG, 0);
  if (!ctx.sync.Send(SyncType::kReady)) ::_exit(1);
  ctx.sync.fd().Reset();

  // Wait for `rune start`: a connection that sends one byte. A connection
  // closed without it (a start that died) is ignored.
  UniqueFd conn;
  for (;;) {
    int c = ::accept4(ctx.start_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      ::_exit(1);
    }
    conn.Reset(c);
    char b;
    ssize_t n;
    do {
      n = ::read(c, &b, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1) break;
    conn.Reset();
  }
  ::close(ctx.start_listen_fd);

  auto report = [&](const Error& e) {
    std::string msg = e.ToString();
    (void)!::write(conn.Get(), msg.data(), msg.size());
    ::_exit(127);
  };
  const oci::Spec& spec = *ctx.spec;
  if (auto r = RunHooks(spec.hooks.start_container, state_json, "startContainer"); !r) report(r.error());

  std::vector<std::string> args = spec.process->args;
  std::vector<char*> argv = CArgv(args), envp = CArgv(env);
  // Signal dispositions and mask as a fresh process expects them.
  for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(exec_path.c_str(), argv.data(), envp.data());
  report(ErrnoError("exec " + exec_path));
  ::_exit(127);
}

pid_t Clone3(uint64_t flags) {
  struct {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
        cgroup;
  } args = {};
  args.flags = flags;
  // With CLONE_PARENT the kernel takes the caller's exit signal and
  // rejects an explicit one.
  args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
  return static_cast<pid_t>(syscall(SYS_clone3, &args, sizeof args));
}

std::string StateJson(const std::string& id, const std::string& status, int pid, const std::string& bundle,
                      const std::map<std::string, std::string>& annotations) {
  oci::State s{.oci_version = oci::kOciVersion, .id = id, .status = status, .pid = pid, .bundle = bundle,
               .annotations = annotations};
  return oci::ToJson(s).dump();
}

}  // namespace inclavare::runtime::internal
