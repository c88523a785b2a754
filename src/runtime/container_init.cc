// The container's init: runs in the child of clone3 between `rune create`
// and the execve of the container process. Errors travel to the parent over
// the sync socket, which reports them; this side never logs.
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "common/fs.h"
#include "common/unique_fd.h"
#include "runtime/hooks.h"
#include "runtime/internal/init.h"
#include "runtime/internal/process.h"
#include "runtime/linux/path.h"
#include "runtime/linux/process_setup.h"
#include "runtime/linux/rootfs.h"
#include "runtime/linux/security.h"
#include "runtime/rootless.h"

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

bool IsUnder(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         (dir.back() == '/' || path[dir.size()] == '/');
}

// Loading the enclave runtime (dlopen of the PAL and its libraries,
// pal_init: milliseconds) may overlap the mounts when nothing it reads can
// change under it: no hook runs before it (prestart/createRuntime hooks run
// while the init waits, createContainer hooks in the init), and neither its
// path, its arguments nor the sim platform lie in the rootfs, the only tree
// the mounts change. The load starts once the init is in its cgroups (what
// it allocates is charged there) and after everything that needs a
// single-threaded process (setns into user and mount namespaces); Load()
// joins it before pivot_root, so nothing that sets per-thread state
// (credentials, capabilities, seccomp) runs while it does.
bool LoadsEnclaveEarly(const InitContext& ctx) {
  if (!ctx.enclave_init || !ctx.enclave || ctx.stop_for_hooks) return false;
  if (!ctx.spec->hooks.create_container.empty()) return false;
  const std::string& root = ctx.rootfs;
  if (root.empty() || root == "/") return false;
  return !IsUnder(ctx.enclave->runtime_path, root) && ctx.enclave->runtime_args.find(root) == std::string::npos &&
         !IsUnder(ctx.sim_dir, root);
}

Result<ExecPlan> Setup(InitContext& ctx, std::string* state_json) {
  const oci::Spec& spec = *ctx.spec;
  const oci::Process& proc = *spec.process;
  // kGo carries the two states the init's own hooks get: createContainer
  // sees "creating", startContainer "created" (compact JSON, no newline).
  std::string creating_state;
  if (ctx.wait_go) {
    IC_ASSIGN_OR_RETURN(SyncMessage go, ctx.sync.Expect(SyncType::kGo));
    size_t nl = go.payload.find('\n');
    if (nl == std::string::npos) return Internal("sync: malformed container state");
    creating_state = go.payload.substr(0, nl);
    *state_json = go.payload.substr(nl + 1);
  }
  if (ctx.new_user_ns && !ctx.two_stage) {
    ::prctl(PR_SET_DUMPABLE, 0);  // see InitMain
    // Become root of the new user namespace (its maps are now written).
    if (::setresgid(0, 0, 0) != 0) return ErrnoError("setgid 0 in user namespace");
    if (::setresuid(0, 0, 0) != 0) return ErrnoError("setuid 0 in user namespace");
  }
  if (!ctx.two_stage) IC_TRY(JoinNamespaces(ctx));
  if (::setsid() < 0) return ErrnoError("setsid");
  const bool early_enclave = LoadsEnclaveEarly(ctx);
  // cgroup v1: the init joined its cgroups itself, first thing.
  if (early_enclave && !ctx.self_join_tasks.empty()) ctx.enclave_init->BeginLoad();

  // rune joins us to the cgroup while we set up mounts (on cgroup v1 the
  // attach waits for an RCU grace period, milliseconds); we need to be in
  // it before a cgroup mount, a cgroup namespace, or anything that forks.
  bool joined = false;
  auto await_cgroup = [&]() -> Result<> {
    if (joined) return {};
    joined = true;
    if (ctx.self_join_tasks.empty()) {
      IC_TRY(ctx.sync.Expect(SyncType::kCgroupJoined));
      if (early_enclave) ctx.enclave_init->BeginLoad();
    }
    if (ctx.new_cgroup_ns && ::unshare(CLONE_NEWCGROUP) != 0) return ErrnoError("create cgroup namespace");
    return {};
  };
  RootfsContext rctx{.spec = &spec,
                     .bundle = ctx.bundle,
                     .rootfs = ctx.rootfs,
                     // rune itself in a user namespace (root of one) cannot mknod either
                     .in_user_ns = ctx.new_user_ns || ctx.joins_user_ns || RunningInUserNamespace(),
                     .new_cgroup_ns = ctx.new_cgroup_ns,
                     .no_pivot = ctx.options.no_pivot,
                     .before_cgroup_mount = await_cgroup};
  if (ctx.new_mount_ns) IC_TRY(PrepareRootfs(rctx));
  IC_TRY(await_cgroup());
  IC_TRY(SetHostAndDomainName(spec));
  if (spec.linux) IC_TRY(ApplyPersonality(*spec.linux));

  if (ctx.stop_for_hooks) {
    IC_TRY(ctx.sync.Send(SyncType::kRunHooks));
    IC_TRY(ctx.sync.Expect(SyncType::kHooksDone));
  }
  IC_TRY(RunHooks(spec.hooks.create_container, creating_state, "createContainer"));

  // The enclave runtime loads from its host path, before pivot_root (or
  // has been loading since the init entered its cgroups: Load waits).
  if (ctx.enclave_init) IC_TRY(ctx.enclave_init->Load());
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
    IC_ASSIGN_OR_RETURN(UniqueFd master, SetupConsole(proc, ctx.console_socket_fd));
    if (ctx.console_to_parent) IC_TRY(ctx.sync.Send(SyncType::kConsole, "", 0, master.Get()));
  }
  if (!ctx.options.no_new_keyring) IC_TRY(JoinSessionKeyring(ctx.id));
  IC_ASSIGN_OR_RETURN(ExecPlan plan, PrepareProcess(proc, ctx.seccomp, ctx.new_user_ns || ctx.joins_user_ns,
                                                    ctx.options.preserve_fds,
                                                    /*resolve_executable=*/ctx.enclave_init == nullptr));
  // The listener lives in the host's mount namespace: rune forwards it.
  if (plan.seccomp_notify) IC_TRY(ctx.sync.Send(SyncType::kSeccompFd, "", 0, plan.seccomp_notify.Get()));
  return plan;
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
  // In a new user namespace rune (unprivileged when rootless) must still
  // open our /proc/<pid>/uid_map, which a non-dumpable process forbids:
  // Setup() drops it once the maps are written (kGo).
  if (!ctx.new_user_ns || ctx.two_stage) ::prctl(PR_SET_DUMPABLE, 0);
  if (ctx.enclave && !ctx.enclave_init) {
    Error e = ExecRunelet(ctx);
    (void)ctx.sync.SendError(e.Wrap("start the init-runelet"));
    ::_exit(1);
  }

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
  for (const std::string& tasks : ctx.self_join_tasks) {
    if (auto r = fs::WriteFile(tasks, "0"); !r) {
      (void)ctx.sync.SendError(std::move(r.error()).Wrap("join cgroup"));
      ::_exit(1);
    }
  }
  std::string state_json;
  auto plan = Setup(ctx, &state_json);
  if (!plan) {
    (void)ctx.sync.SendError(plan.error());
    ::_exit(1);
  }
  plan->seccomp_notify.Reset();
  ::prctl(PR_SET_PDEATHSIG, 0);
  if (!ctx.sync.Send(SyncType::kReady)) ::_exit(1);
  ctx.sync.fd().Reset();

  // An enclave container that is deleted before it starts gets SIGTERM
  // (see DestroyContainer): its enclave runtime is torn down properly.
  UniqueFd sigfd;
  if (ctx.enclave_init) {
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&mask, s);
    ::sigprocmask(SIG_BLOCK, &mask, nullptr);
    sigfd.Reset(::signalfd(-1, &mask, SFD_CLOEXEC));
  }
  // Wait for `rune start`: a connection that sends one byte. A connection
  // closed without it (a start that died) is ignored.
  UniqueFd conn;
  for (;;) {
    if (sigfd) {
      struct pollfd p[2] = {{ctx.start_listen_fd, POLLIN, 0}, {sigfd.Get(), POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) continue;
      struct signalfd_siginfo si;
      if ((p[1].revents & POLLIN) && ::read(sigfd.Get(), &si, sizeof si) == sizeof si)
        ctx.enclave_init->DestroyAndExit(static_cast<int>(si.ssi_signo));
      if (!(p[0].revents & POLLIN)) continue;
    }
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
  sigfd.Reset();  // the enclave runtime's processes must not inherit it

  auto report = [&](const Error& e) {
    std::string msg = e.ToString();
    (void)!::write(conn.Get(), msg.data(), msg.size());
    ::_exit(127);
  };
  const oci::Spec& spec = *ctx.spec;
  if (auto r = RunHooks(spec.hooks.start_container, state_json, "startContainer"); !r) report(r.error());

  if (ctx.enclave_init) ctx.enclave_init->Run(*plan, *spec.process, std::move(conn));
  report(ExecProcess(*plan, *spec.process));
  ::_exit(127);
}

std::string StateJson(const std::string& id, const std::string& status, int pid, const std::string& bundle,
                      const std::map<std::string, std::string>& annotations) {
  oci::State s{.oci_version = oci::kOciVersion, .id = id, .status = status, .pid = pid, .bundle = bundle,
               .annotations = annotations};
  return oci::ToJson(s).dump();
}

}  // namespace inclavare::runtime::internal
