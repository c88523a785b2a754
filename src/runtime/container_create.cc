// rune create: prepares the state directory and cgroup, clones the
// container's init into its namespaces and drives it to "created".
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <ctime>
#include <cstdlib>
#include <optional>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "oci/spec.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/systemd.h"
#include "runtime/enclave.h"
#include "runtime/hooks.h"
#include "runtime/internal/create.h"
#include "runtime/internal/init.h"
#include "runtime/internal/process.h"
#include "runtime/linux/cloned_binary.h"
#include "runtime/linux/passwd.h"
#include "runtime/linux/security.h"
#include "runtime/runelet_binary.h"
#include "runtime/runelet_channel.h"
#include "runtime/rootless.h"
#include "runtime/state.h"

namespace inclavare::runtime {
namespace internal {
namespace {


Result<std::string> AbsoluteBundle(const std::string& bundle) {
  std::string b = bundle.empty() ? "." : bundle;
  char buf[PATH_MAX];
  if (!::realpath(b.c_str(), buf)) return ErrnoError("bundle " + b);
  return std::string(buf);
}

std::string Owner() {
  uid_t uid = ::geteuid();
  if (auto pw = FindPasswdEntry("/etc/passwd", uid)) return pw->name;
  return std::to_string(uid);
}

Result<> WriteIdMap(pid_t pid, const char* file, const std::vector<oci::IdMapping>& maps) {
  std::string text;
  for (const auto& m : maps)
    text += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
  return fs::WriteFile("/proc/" + std::to_string(pid) + "/" + file, text).Wrap(std::string("write ") + file);
}

// A listening unix socket in the state directory: start.sock, and for
// enclave containers runelet.sock.
Result<UniqueFd> ListenInStateDir(const StateDir& dir, const char* name, int type) {
  int s = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (s < 0) return ErrnoError("socket");
  UniqueFd sock(s);
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  std::string path = dir.FdRelative(name);
  if (path.size() >= sizeof addr.sun_path) return InvalidArgument(std::string(name) + " path too long: " + path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return ErrnoError(std::string("bind ") + name);
  if (::listen(s, 16) != 0) return ErrnoError(std::string("listen on ") + name);
  return sock;
}


// Kills and reaps a half-created init.
void KillInit(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Namespaces the parent itself must enter around the clone: pid and time
// apply to children only, so setns() here places the init in them.
class ParentNamespaces {
 public:
  Result<> Enter(const oci::Linux& linux) {
    for (const auto& ns : linux.namespaces) {
      if (ns.type != oci::NamespaceType::kPid && ns.type != oci::NamespaceType::kTime) continue;
      const char* proc_name = ns.type == oci::NamespaceType::kPid ? "pid_for_children" : "time_for_children";
      if (ns.path.empty() && ns.type == oci::NamespaceType::kPid) continue;  // clone3 flag
      int saved = ::open((std::string("/proc/self/ns/") + proc_name).c_str(), O_RDONLY | O_CLOEXEC);
      if (saved < 0) return ErrnoError(std::string("open /proc/self/ns/") + proc_name);
      saved_.push_back({ns.type, UniqueFd(saved)});
      if (ns.path.empty()) {
        // New time namespace: offsets can only be written before a process
        // enters it, so unshare here, write them, and let clone3 inherit it.
        if (::unshare(CLONE_NEWTIME) != 0) return ErrnoError("create time namespace");
        std::string offsets;
        for (const auto& [clock, off] : linux.time_offsets)
          offsets += clock + " " + std::to_string(off.secs) + " " + std::to_string(off.nanosecs) + "\n";
        if (!offsets.empty()) IC_TRY(fs::WriteFile("/proc/self/timens_offsets", offsets).Wrap("set time offsets"));
        continue;
      }
      int fd = ::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return ErrnoError(std::string("open ") + oci::NamespaceTypeName(ns.type) + " namespace " + ns.path);
      UniqueFd owned(fd);
      if (::setns(fd, oci::NamespaceCloneFlag(ns.type)) != 0)
        return ErrnoError(std::string("join ") + oci::NamespaceTypeName(ns.type) + " namespace " + ns.path);
    }
    return {};
  }
  // Returns to the namespaces rune started in, so later forks (hooks) are
  // not created inside the container's.
  void Restore() {
    for (auto& [type, fd] : saved_) (void)::setns(fd.Get(), oci::NamespaceCloneFlag(type));
    saved_.clear();
  }
  ~ParentNamespaces() { Restore(); }

 private:
  std::vector<std::pair<oci::NamespaceType, UniqueFd>> saved_;
};

}  // namespace

Result<CreatedContainer> CreateContainer(const GlobalOptions& g, const CreateOptions& o, bool foreground) {
  Stopwatch sw;
  IC_TRY(ValidateId(o.id));
  IC_ASSIGN_OR_RETURN(std::string bundle, AbsoluteBundle(o.bundle));
  IC_ASSIGN_OR_RETURN(oci::Spec spec, oci::LoadSpec(bundle));
  IC_TRY(oci::Validate(spec).Wrap("invalid config.json"));
  // Enclave settings leave the workload's environment here; the container
  // gets what its enclave type needs (devices, the AESM socket).
  IC_ASSIGN_OR_RETURN(std::optional<EnclaveSettings> enclave, TakeEnclaveSettings(spec));
  if (enclave) {
    IC_TRY(ValidateEnclaveSettings(*enclave));
    IC_TRY(ApplyEnclaveToSpec(*enclave, {}, spec));
  }
  if (!spec.linux) return InvalidArgument("config.json: linux section is required");
  const oci::Linux& linux = *spec.linux;
  if (!linux.FindNamespace(oci::NamespaceType::kMount))
    return InvalidArgument("linux.namespaces: a mount namespace is required");
  const oci::Process& proc = *spec.process;
  IC_TRY(CheckUnsupportedProcessFields(proc));
  IC_TRY(CheckUnsupportedLinuxFields(linux));
  if (proc.terminal && o.console_socket.empty() && !foreground)
    return InvalidArgument("cannot allocate tty if rune will detach without setting console socket");
  if (!proc.terminal && !o.console_socket.empty())
    return InvalidArgument("cannot use console socket if rune will not detach or allocate tty");
  if (o.preserve_fds < 0) return InvalidArgument("--preserve-fds must not be negative");
  // CVE-2019-5736 (linux/cloned_binary.h): until it execs the workload the
  // init is a clone of rune. A process of the container that can ptrace it
  // could open its /proc/<pid>/exe: with the host's or an existing pid
  // namespace (others share it), in a user namespace (its root holds
  // CAP_SYS_PTRACE over the init), or when the container's processes may
  // hold CAP_SYS_PTRACE (an exec into the created container). Then rune
  // runs from a sealed copy of itself (re-executing the command). `rune
  // exec` refuses to bring CAP_SYS_PTRACE to an unsealed waiting init.
  if (!linux.CreatesNamespace(oci::NamespaceType::kPid) || linux.FindNamespace(oci::NamespaceType::kUser) ||
      MayHoldPtrace(proc)) {
    IC_TRY(EnsureSealedSelf(g.root));
  }
  // Unprivileged: only maps the kernel lets this user write (rootless.h).
  IC_TRY(CheckIdMappings(linux));
  // Before anything exists on the host: there is no systemd driver (systemd.h).
  if (g.systemd_cgroup) IC_TRY(cgroup::CheckSystemdDriver(linux.cgroups_path, o.id));

  std::string rootfs = spec.root.path[0] == '/' ? spec.root.path : fs::Join(bundle, spec.root.path);
  {
    struct stat st;
    if (::stat(rootfs.c_str(), &st) != 0) return ErrnoError("rootfs " + rootfs);
    if (!S_ISDIR(st.st_mode)) return InvalidArgument("rootfs " + rootfs + " is not a directory");
  }

  // Compiled before anything exists on the host, so a bad profile fails
  // early; the init only loads it.
  std::optional<SeccompProgram> seccomp;
  if (linux.seccomp) {
    IC_ASSIGN_OR_RETURN(seccomp, CompileSeccomp(*linux.seccomp));
  }

  IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Create(g.root, o.id));
  Cleanup remove_dir([&] { (void)dir.Remove(); });
  IC_LOG(Debug, "create {}: state dir ready after {} us", o.id, sw.Micros());

  ContainerRecord rec;
  rec.id = o.id;
  rec.bundle = bundle;
  rec.rootfs = rootfs;
  rec.created = Rfc3339Now();
  rec.owner = Owner();
  rec.annotations = spec.annotations;
  rec.config = oci::ToJson(spec);
  if (enclave) rec.enclave = ToJson(*enclave);

  // cgroup first, so the init is limited from its first instruction.
  IC_ASSIGN_OR_RETURN(auto cg, cgroup::NewManager({.cgroups_path = linux.cgroups_path, .container_id = o.id}));
  const bool rootless = IsRootless();
  if (rootless) {
    // No writable cgroup: run without one if no limits are asked for (runc).
    IC_ASSIGN_OR_RETURN(cg, CreateRootlessCgroup(std::move(cg), linux.cgroups_path,
                                                 linux.resources.value_or(oci::LinuxResources{})));
  } else {
    // Recorded before the first mkdir: a rune killed while creating the
    // directories leaves a state file from which `delete --force` removes
    // them (Destroy skips missing ones).
    rec.cgroup_paths = cg->GetPaths();
    IC_TRY(dir.Save(rec));
  }
  Cleanup destroy_cgroup([&] {
    (void)cg->KillAll(SIGKILL);
    (void)cg->Destroy();
  });
  if (!rootless) IC_TRY(cg->Create().Wrap("create cgroup"));
  {
    // As runc: the spec's device rules, then the default devices every
    // container needs, then the config's linux.devices.
    oci::LinuxResources res = linux.resources.value_or(oci::LinuxResources{});
    for (auto& d : cgroup::DefaultAllowedDevices()) res.devices.push_back(std::move(d));
    for (const auto& d : linux.devices) {
      if (d.type == "p") continue;
      res.devices.push_back({.allow = true, .type = d.type == "u" ? "c" : d.type, .major = d.major,
                             .minor = d.minor, .access = "rwm"});
    }
    IC_TRY(cg->Apply(res).Wrap("apply cgroup limits"));
  }
  if (rootless) {
    // Saved before the clone: a rune killed from here on leaves a record
    // that `delete --force` can clean up from. (Otherwise the record with
    // these paths was saved before the first mkdir.)
    rec.cgroup_paths = cg->GetPaths();
    IC_TRY(dir.Save(rec));
  }
  IC_LOG(Debug, "create {}: state dir and cgroup ready after {} us", o.id, sw.Micros());

  IC_ASSIGN_OR_RETURN(UniqueFd listen_fd, ListenInStateDir(dir, kStartSocket, SOCK_STREAM));
  UniqueFd runelet_listen, runelet_exe;
  if (enclave) {
    IC_ASSIGN_OR_RETURN(runelet_listen, ListenInStateDir(dir, kRuneletSocket, SOCK_SEQPACKET));
    // The sealed init-runelet's read-only overlayfs view needs an empty
    // second layer: this one is private to the container.
    if (::mkdirat(dir.fd(), kRuneletLowerDir, 0700) != 0) return ErrnoError("create the runelet's empty layer");
    IC_ASSIGN_OR_RETURN(runelet_exe, SealedRunelet(dir.path() + "/" + kRuneletLowerDir));
  }
  UniqueFd console_sock;
  if (!o.console_socket.empty()) {
    IC_ASSIGN_OR_RETURN(console_sock, ConnectUnix(o.console_socket));
  }
  IC_ASSIGN_OR_RETURN(auto pair, SyncSocket::Pair());

  InitContext ctx;
  ctx.spec = &spec;
  ctx.id = o.id;
  ctx.bundle = bundle;
  ctx.rootfs = rootfs;
  ctx.options = o;
  ctx.sync = std::move(pair.second);
  ctx.start_listen_fd = listen_fd.Get();
  ctx.console_socket_fd = console_sock.Get();
  ctx.console_to_parent = proc.terminal && o.console_socket.empty();
  ctx.seccomp = seccomp ? &*seccomp : nullptr;
  if (enclave) {
    ctx.enclave = enclave;
    ctx.runelet_exe_fd = runelet_exe.Get();
    ctx.runelet_listen_fd = runelet_listen.Get();
    ctx.sim_dir = SimStateDir({});
  }
  uint64_t flags = 0;
  for (const auto& ns : linux.namespaces) {
    if (!ns.path.empty()) {
      ctx.join.push_back(ns);
      continue;
    }
    switch (ns.type) {
      case oci::NamespaceType::kCgroup: ctx.new_cgroup_ns = true; break;  // after joining the cgroup
      case oci::NamespaceType::kTime: break;                               // ParentNamespaces
      default: flags |= static_cast<uint64_t>(oci::NamespaceCloneFlag(ns.type));
    }
    if (ns.type == oci::NamespaceType::kUser) ctx.new_user_ns = true;
  }
  ctx.new_mount_ns = true;
  for (const auto& ns : ctx.join)
    if (ns.type == oci::NamespaceType::kUser) ctx.joins_user_ns = true;
  ctx.two_stage = ctx.joins_user_ns && flags != 0;
  if (ctx.two_stage) {
    ctx.two_stage_unshare = flags;
    flags = 0;
  }
  ctx.close_fds.push_back(dir.fd());

  // On cgroup v1 a write of another process's pid to cgroup.procs takes the
  // global threadgroup rwsem for writing, which waits for an RCU grace
  // period (milliseconds; the longest step of `rune run` here). A
  // single-threaded process moving itself by writing "0" to "tasks" skips
  // that lock (Linux >= 6.1, cgroup_procs_write_start), so the init joins
  // its cgroups on its own. In a new user namespace it lacks the host
  // credentials for that, and rune attaches it as before.
  if (!cg->IsUnified() && !ctx.new_user_ns && !ctx.two_stage) {
    for (const auto& [controller, cg_dir] : cg->GetPaths()) ctx.self_join_tasks.push_back(cg_dir + "/tasks");
  }

  ctx.stop_for_hooks = !spec.hooks.prestart.empty() || !spec.hooks.create_runtime.empty();
  ctx.wait_go = ctx.new_user_ns || ctx.self_join_tasks.empty() || ctx.two_stage ||
                !spec.hooks.create_container.empty() || !spec.hooks.start_container.empty();

  ParentNamespaces parent_ns;
  IC_TRY(parent_ns.Enter(linux));
  pid_t pid = Clone3(flags);
  if (pid < 0) return ErrnoError("clone container init");
  if (pid == 0) {
    pair.first.fd().Reset();
    InitMain(ctx);
  }
  parent_ns.Restore();
  Cleanup kill_init([&] { KillInit(pid); });
  ctx.sync.fd().Reset();
  listen_fd.Reset();
  runelet_listen.Reset();
  runelet_exe.Reset();
  console_sock.Reset();
  SyncSocket& sync = pair.first;

  IC_LOG(Debug, "create {}: clone3 returned after {} us", o.id, sw.Micros());
  if (ctx.two_stage) {
    pid_t stage1 = pid;
    auto msg = sync.Expect(SyncType::kInitPid);
    while (::waitpid(stage1, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid = 0;  // reaped: nothing for kill_init to kill
    if (!msg) return std::move(msg.error());
    pid = static_cast<pid_t>(std::stol(msg->payload));
  }
  rec.init_pid = pid;
  rec.init_start_time = ProcessStartTime(pid);
  IC_TRY(dir.Save(rec));

  if (ctx.new_user_ns) {
    IC_TRY(WriteIdMap(pid, "uid_map", linux.uid_mappings));
    IC_TRY(DenySetgroupsIfUnprivileged(pid));
    IC_TRY(WriteIdMap(pid, "gid_map", linux.gid_mappings));
  }
  // A failed send means the init died; its error message (read below) is
  // the one to report.
  if (ctx.wait_go) {
    (void)sync.Send(SyncType::kGo, StateJson(o.id, oci::kStatusCreating, pid, bundle, spec.annotations) + "\n" +
                                       StateJson(o.id, oci::kStatusCreated, pid, bundle, spec.annotations));
  }
  if (ctx.self_join_tasks.empty()) {
    IC_TRY(cg->AddProcess(pid).Wrap("join cgroup"));
    (void)sync.Send(SyncType::kCgroupJoined);
  }
  IC_LOG(Debug, "create {}: init {} cloned and placed after {} us", o.id, pid, sw.Micros());

  CreatedContainer out;
  for (;;) {
    auto msg = sync.Recv();
    if (!msg) {
      if (msg.error().code() == ErrorCode::kUnavailable) return Internal("container init exited unexpectedly");
      return std::move(msg.error());
    }
    if (msg->type == SyncType::kError)
      return Error(msg->err ? CodeFromErrno(msg->err) : ErrorCode::kInternal, msg->payload, msg->err);
    if (msg->type == SyncType::kRunHooks) {
      IC_LOG(Debug, "create {}: mounts done after {} us", o.id, sw.Micros());
      std::string state = StateJson(o.id, oci::kStatusCreating, pid, bundle, spec.annotations);
      IC_TRY(RunHooks(spec.hooks.prestart, state, "prestart"));
      IC_TRY(RunHooks(spec.hooks.create_runtime, state, "createRuntime"));
      IC_TRY(sync.Send(SyncType::kHooksDone));
      continue;
    }
    if (msg->type == SyncType::kSeccompFd) {
      std::string state = StateJson(o.id, oci::kStatusCreating, pid, bundle, spec.annotations);
      IC_TRY(SendSeccompListener(linux.seccomp->listener_path, msg->fd.Get(), state,
                                 linux.seccomp->listener_metadata, pid)
                 .Wrap("seccomp listener"));
      continue;
    }
    if (msg->type == SyncType::kConsole) {
      out.console = std::move(msg->fd);
      continue;
    }
    if (msg->type == SyncType::kReady) break;
    return Internal("unexpected message from container init");
  }

  IC_LOG(Debug, "create {}: init ready after {} us", o.id, sw.Micros());
  rec.created_ok = true;
  IC_TRY(dir.Save(rec));
  if (!o.pid_file.empty()) IC_TRY(WritePidFile(o.pid_file, pid));
  kill_init.Cancel();
  destroy_cgroup.Cancel();
  remove_dir.Cancel();
  out.pid = pid;
  out.record = std::move(rec);
  return out;
}

}  // namespace internal

Result<> Create(const GlobalOptions& g, const CreateOptions& o) {
  IC_TRY(internal::CreateContainer(g, o, /*foreground=*/false));
  return {};
}

}  // namespace inclavare::runtime
