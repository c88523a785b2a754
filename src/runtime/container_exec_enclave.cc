// rune exec into an enclave container: the new process runs inside the
// enclave runtime, so the init-runelet (which holds the PAL) creates it. rune
// forks an exec proxy, a host process that stands for it: it hands its stdio
// (or a terminal) to the runelet over runelet.sock, forwards every signal it
// gets through pal_kill, and exits with the enclave process's exit code.
// containerd's shim and podman watch and signal the proxy's pid (the
// --pid-file) exactly as they would a runc exec process.
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>

#include "common/cleanup.h"
#include "common/fs.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/internal/exec_enclave.h"
#include "runtime/internal/process.h"
#include "runtime/linux/process_setup.h"
#include "runtime/linux/sync.h"
#include "runtime/runelet_channel.h"

namespace inclavare::runtime::internal {
namespace {

struct ProxyContext {
  const oci::Process* process;
  int channel;
  int console_socket_fd;
  bool console_to_parent;
  SyncSocket* sync;
};

// Runs the conversation with the runelet; returns the exit code to exit with.
Result<int> Proxy(ProxyContext& c, int sfd) {
  if (c.process->terminal) {
    // A session of its own, so the pty can become its controlling terminal.
    if (::setsid() < 0) return ErrnoError("setsid");
    IC_ASSIGN_OR_RETURN(UniqueFd master, SetupConsole(*c.process, c.console_socket_fd));
    if (c.console_to_parent) IC_TRY(c.sync->Send(SyncType::kConsole, "", 0, master.Get()));
  }
  nlohmann::json req = {{"op", "exec"},
                        {"args", c.process->args},
                        {"env", ProcessEnv(*c.process)},
                        {"terminal", c.process->terminal}};
  IC_TRY(SendRuneletMessage(c.channel, req, {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}));
  IC_ASSIGN_OR_RETURN(RuneletMessage started, RecvRuneletMessage(c.channel));
  if (started.body["op"] == "error") return RuneletError(started.body);
  if (started.body["op"] != "started") return Internal("unexpected reply from the init-runelet");
  // From here the caller learns only the exit code: setup is over.
  ::prctl(PR_SET_PDEATHSIG, 0);
  IC_TRY(c.sync->Send(SyncType::kReady));
  c.sync->fd().Reset();
  for (;;) {
    struct pollfd p[2] = {{c.channel, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("poll");
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (::read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGCHLD) continue;
        (void)SendRuneletMessage(c.channel, {{"op", "kill"}, {"signal", si.ssi_signo}});
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP)) {
      auto msg = RecvRuneletMessage(c.channel);
      if (!msg) return 255;  // the container ended under us
      if (msg->body["op"] == "exited") return msg->body.value("status", 255);
    }
  }
}

}  // namespace

Result<int> ExecInEnclave(const ContainerRecord& rec, const oci::Process& proc, const ExecOptions& o,
                          UniqueFd channel) {
  std::optional<Foreground> fg;
  if (!o.detach) {
    fg.emplace();
    IC_TRY(fg->Init());
  }
  UniqueFd console_sock;
  if (!o.console_socket.empty()) {
    IC_ASSIGN_OR_RETURN(console_sock, ConnectUnix(o.console_socket));
  }
  IC_ASSIGN_OR_RETURN(auto pair, SyncSocket::Pair());
  // Signals arriving before the proxy's loop runs are queued, not lost.
  sigset_t all, old;
  sigfillset(&all);
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) sigdelset(&all, s);
  ProxyContext pc{&proc, channel.Get(), console_sock.Get(), proc.terminal && o.console_socket.empty(), &pair.second};
  ::sigprocmask(SIG_BLOCK, &all, &old);
  pid_t pid = Clone3(0);
  if (pid == 0) {
    pair.first.fd().Reset();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int sfd = ::signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
    auto code = sfd < 0 ? Result<int>(ErrnoError("signalfd")) : Proxy(pc, sfd);
    if (!code) {
      (void)pc.sync->SendError(code.error());
      ::_exit(255);
    }
    ::_exit(*code & 0xff);
  }
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return ErrnoError("fork exec proxy");
  Cleanup kill_child([&] {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  });
  pair.second.fd().Reset();
  channel.Reset();
  console_sock.Reset();
  // The proxy counts against the container's limits like any exec process.
  if (!rec.cgroup_paths.empty()) {
    IC_ASSIGN_OR_RETURN(auto cg, cgroup::LoadManager(rec.cgroup_paths));
    IC_TRY(cg->AddProcess(pid).Wrap("join the container's cgroup"));
  }
  UniqueFd master;
  for (;;) {
    auto msg = pair.first.Recv();
    if (!msg) {
      if (msg.error().code() == ErrorCode::kUnavailable) return Internal("exec proxy exited during setup");
      return std::move(msg.error());
    }
    if (msg->type == SyncType::kError)
      return Error(msg->err ? CodeFromErrno(msg->err) : ErrorCode::kInternal, msg->payload, msg->err);
    if (msg->type == SyncType::kConsole) master = std::move(msg->fd);
    if (msg->type == SyncType::kReady) break;
  }
  kill_child.Cancel();
  if (!o.pid_file.empty()) IC_TRY(WritePidFile(o.pid_file, pid));
  if (o.detach) return 0;
  return fg->Wait(pid, master.Get());
}

}  // namespace inclavare::runtime::internal
