// rune kill / delete.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

#include "common/log.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/hooks.h"
#include "runtime/internal/create.h"
#include "runtime/internal/init.h"
#include "runtime/rootless.h"
#include "runtime/state.h"

namespace inclavare::runtime {
namespace {

struct SignalName {
  const char* name;
  int number;
};
constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},   {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL},   {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

// Opens a pidfd for the init if it is still the same process.
UniqueFd OpenInitPidfd(const ContainerRecord& rec) {
  if (rec.init_pid <= 0) return UniqueFd();
  UniqueFd fd(static_cast<int>(syscall(SYS_pidfd_open, rec.init_pid, 0)));
  // Re-check after opening: the pidfd now pins the process, so a matching
  // start time means the pidfd refers to our init, not a reused pid.
  if (fd && !InitAlive(rec)) fd.Reset();
  return fd;
}

Result<> SignalInit(const ContainerRecord& rec, int sig) {
  UniqueFd pidfd = OpenInitPidfd(rec);
  if (!pidfd) return FailedPrecondition("container not running");
  if (syscall(SYS_pidfd_send_signal, pidfd.Get(), sig, nullptr, 0) != 0)
    return ErrnoError("send signal " + std::to_string(sig) + " to the container's init");
  return {};
}

// Waits (bounded) until the init has exited; it is not our child, so this
// polls its pidfd, which becomes readable at exit.
void WaitInitExit(const ContainerRecord& rec, int timeout_ms) {
  UniqueFd pidfd = OpenInitPidfd(rec);
  if (!pidfd) return;
  struct pollfd p = {pidfd.Get(), POLLIN, 0};
  while (::poll(&p, 1, timeout_ms) < 0 && errno == EINTR) {
  }
  // Reap it if it is ours (foreground run); ignore ECHILD otherwise.
  ::waitpid(rec.init_pid, nullptr, WNOHANG);
}

}  // namespace

Result<int> ParseSignal(const std::string& s) {
  if (s.empty()) return InvalidArgument("empty signal");
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    char* end = nullptr;
    long n = strtol(s.c_str(), &end, 10);
    if (*end || n <= 0 || n >= NSIG) return InvalidArgument("invalid signal \"" + s + "\"");
    return static_cast<int>(n);
  }
  std::string up;
  for (char c : s) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (up.rfind("SIG", 0) == 0) up = up.substr(3);
  for (const auto& sn : kSignals)
    if (up == sn.name) return sn.number;
  if (up.rfind("RTMIN", 0) == 0 || up.rfind("RTMAX", 0) == 0) {
    int base = up[2] == 'M' && up[3] == 'I' ? SIGRTMIN : SIGRTMAX;
    std::string rest = up.substr(5);
    int off = rest.empty() ? 0 : atoi(rest.c_str());
    int n = base + off;
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  return InvalidArgument("unknown signal \"" + s + "\"");
}

Result<> Kill(const GlobalOptions& g, const std::string& id, int sig, bool all) {
  IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, id));
  IC_ASSIGN_OR_RETURN(ContainerRecord rec, dir.Load());
  std::string status = DeriveStatus(rec, dir);
  if (status == oci::kStatusStopped) return FailedPrecondition("container not running");
  if (all && !rec.cgroup_paths.empty()) {
    IC_ASSIGN_OR_RETURN(auto cg, cgroup::LoadManager(rec.cgroup_paths));
    return cg->KillAll(sig);
  }
  if (all) {
    // Rootless without a cgroup: every process in the container's pid
    // namespace (runc fails here instead).
    if (!InitAlive(rec)) return FailedPrecondition("container not running");
    IC_ASSIGN_OR_RETURN(std::vector<pid_t> pids, PidsOfContainer(rec.init_pid));
    for (pid_t pid : pids)
      if (::kill(pid, sig) != 0 && errno != ESRCH) return ErrnoError("kill " + std::to_string(pid));
    return {};
  }
  return SignalInit(rec, sig);
}

namespace internal {

Result<> DestroyContainer(StateDir& dir, const ContainerRecord& rec) {
  std::unique_ptr<cgroup::Manager> cg;
  if (!rec.cgroup_paths.empty()) {
    if (auto m = cgroup::LoadManager(rec.cgroup_paths)) cg = std::move(*m);
  }
  if (InitAlive(rec)) {
    // An enclave container that never started has its init-runelet
    // waiting with the enclave runtime initialised: SIGTERM lets it call
    // pal_destroy (bounded wait), SIGKILL follows regardless.
    if (!rec.enclave.is_null() && dir.HasStartSocket()) {
      if (auto pidfd = OpenInitPidfd(rec)) {
        syscall(SYS_pidfd_send_signal, pidfd.Get(), SIGTERM, nullptr, 0);
        WaitInitExit(rec, 2000);
      }
    }
    if (auto pidfd = OpenInitPidfd(rec)) syscall(SYS_pidfd_send_signal, pidfd.Get(), SIGKILL, nullptr, 0);
  }
  if (cg) {
    auto pids = cg->GetAllPids();
    if (!pids || !pids->empty()) {
      (void)cg->KillAll(SIGKILL);
      // A frozen container cannot die; thaw after the kill is queued.
      if (auto fs = cg->GetFreezerState(); fs && *fs != cgroup::FreezerState::kThawed) (void)cg->Thaw();
    }
  }
  WaitInitExit(rec, 10000);
  if (cg) IC_TRY(cg->Destroy().Wrap("remove cgroup"));
  IC_TRY(dir.Remove().Wrap("remove state directory"));
  std::string state = StateJson(rec.id, oci::kStatusStopped, 0, rec.bundle, rec.annotations);
  // The spec: poststop failures are logged, deletion still succeeds.
  auto hooks = HooksOf(rec);
  if (!hooks) return std::move(hooks.error());
  if (auto r = RunHooks(hooks->poststop, state, "poststop"); !r) IC_LOG(Warn, "{}", r.error().ToString());
  return {};
}

}  // namespace internal

Result<> Delete(const GlobalOptions& g, const std::string& id, bool force) {
  auto dir = StateDir::Open(g.root, id);
  if (!dir) return std::move(dir.error());
  auto rec = dir->Load();
  if (!rec) {
    // No (readable) state file: a create that died before writing it.
    if (force) return dir->Remove().Wrap("remove state directory");
    return std::move(rec.error());
  }
  std::string status = DeriveStatus(*rec, *dir);
  if (status != oci::kStatusStopped && status != oci::kStatusCreated && status != oci::kStatusCreating && !force)
    return FailedPrecondition("cannot delete container " + id + " that is not stopped: " + status);
  return internal::DestroyContainer(*dir, *rec);
}

}  // namespace inclavare::runtime
