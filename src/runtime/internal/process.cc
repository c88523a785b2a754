#include "runtime/internal/process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <memory>

#include "common/fs.h"
#include "runtime/linux/process_setup.h"
#include "runtime/linux/sync.h"

namespace inclavare::runtime::internal {
namespace {

Result<> PrepareFds(int preserve_fds) {
  int first_closed = 3 + preserve_fds;
  for (int fd = 3; fd < first_closed; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) continue;
    if (::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) return ErrnoError("preserve fd " + std::to_string(fd));
  }
  if (syscall(SYS_close_range, first_closed, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
    return ErrnoError("mark fds close-on-exec");
  return {};
}

std::vector<char*> CArgv(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::isatty(fd) && ::tcgetattr(fd, &saved_) == 0) {
      struct termios raw = saved_;
      ::cfmakeraw(&raw);
      active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
    }
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }

 private:
  int fd_;
  struct termios saved_ = {};
  bool active_ = false;
};

void CopyWinsize(int from, int to) {
  struct winsize ws;
  if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

// Moves what is readable from `from` to `to`; false at EOF/EIO.
bool Pump(int from, int to) {
  char buf[16384];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  (void)fs::WriteAll(to, std::string_view(buf, static_cast<size_t>(n)));
  return true;
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace

Result<UniqueFd> SetupConsole(const oci::Process& p, int console_socket_fd) {
  int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return ErrnoError("open /dev/ptmx");
  UniqueFd m(master);
  int unlock = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) != 0) return ErrnoError("unlock pty");
  int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return ErrnoError("open pty peer");
  UniqueFd s(slave);
  if (p.user.uid != 0 && ::fchown(slave, p.user.uid, static_cast<gid_t>(-1)) != 0) return ErrnoError("chown pty");
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
  if (console_socket_fd >= 0) {
    IC_TRY(SendFd(console_socket_fd, master, name).Wrap("send pty master to console socket"));
    return UniqueFd();
  }
  return m;
}

Result<ExecPlan> PrepareProcess(const oci::Process& proc, const SeccompProgram* seccomp, bool in_user_ns,
                                int preserve_fds, bool resolve_executable) {
  ExecPlan plan;
  IC_TRY(ApplyRlimits(proc.rlimits));
  IC_TRY(ApplyOomScoreAdj(proc));
  // Resolve the executable and env as root, before privileges go: the
  // image's /etc/passwd and PATH directories may not be readable after.
  plan.env = ProcessEnv(proc);
  if (resolve_executable) {
    IC_ASSIGN_OR_RETURN(plan.path, LookPath(proc.args[0], plan.env));
  } else {
    plan.path = proc.args[0];
  }
  if (seccomp && !proc.no_new_privileges) {
    IC_ASSIGN_OR_RETURN(plan.seccomp_notify, LoadSeccomp(*seccomp).Wrap("load seccomp filter"));
  }
  bool set_groups = true;
  if (in_user_ns) {
    // setgroups(2) is denied when /proc/self/setgroups says "deny".
    auto text = fs::ReadFile("/proc/self/setgroups");
    set_groups = !text || text->rfind("deny", 0) != 0;
  }
  IC_TRY(ApplyIdentityAndCapabilities(proc, set_groups));
  if (seccomp && proc.no_new_privileges) {
    IC_ASSIGN_OR_RETURN(plan.seccomp_notify, LoadSeccomp(*seccomp).Wrap("load seccomp filter"));
  }
  ::umask(proc.user.umask ? static_cast<mode_t>(*proc.user.umask) : 0022);
  if (!proc.cwd.empty()) {
    if (::chdir(proc.cwd.c_str()) != 0) return ErrnoError("chdir to cwd " + proc.cwd);
    // A cwd reached through a magic link (/proc/self/fd/N naming a host
    // directory fd rune inherited or holds) lies outside the container's
    // root (runc CVE-2024-21626); getcwd() then fails with ENOENT.
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof cwd) && errno == ENOENT)
      return Error(ErrorCode::kInvalidArgument, "cwd " + proc.cwd + " is outside the container's root", ENOENT);
  }
  IC_TRY(PrepareFds(preserve_fds));
  return plan;
}

Error ExecProcess(const ExecPlan& plan, const oci::Process& process) {
  std::vector<std::string> args = process.args;
  std::vector<std::string> env = plan.env;
  std::vector<char*> argv = CArgv(args), envp = CArgv(env);
  // Signal dispositions and mask as a fresh process expects them.
  for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(plan.path.c_str(), argv.data(), envp.data());
  return ErrnoError("exec " + plan.path);
}

Foreground::Foreground() { sigemptyset(&old_mask_); }

Result<> Foreground::Init() {
  sigset_t mask;
  sigfillset(&mask);
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) sigdelset(&mask, s);
  ::sigprocmask(SIG_BLOCK, &mask, &old_mask_);
  sfd_.Reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sfd_) return ErrnoError("signalfd");
  // Processes the container leaves behind may be reparented to us.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  return {};
}

Foreground::~Foreground() { ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr); }

int Foreground::Wait(pid_t pid, int master) {
  std::unique_ptr<RawTerminal> raw;
  if (master >= 0) {
    raw = std::make_unique<RawTerminal>(STDIN_FILENO);
    CopyWinsize(STDIN_FILENO, master);
  }
  bool stdin_open = master >= 0;
  bool master_open = master >= 0;
  int status = 0;
  bool exited = false;
  while (!exited || master_open) {
    struct pollfd p[3] = {{sfd_.Get(), POLLIN, 0},
                          {master_open ? master : -1, POLLIN, 0},
                          {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
    // After the process exited, drain the pty briefly, then stop.
    int n = ::poll(p, 3, exited ? 100 : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) break;
    if (p[1].revents) master_open = Pump(master, STDOUT_FILENO);
    if (p[2].revents && !Pump(STDIN_FILENO, master)) stdin_open = false;
    if (p[0].revents) {
      struct signalfd_siginfo si;
      while (::read(sfd_.Get(), &si, sizeof si) == sizeof si) {
        int sig = static_cast<int>(si.ssi_signo);
        if (sig == SIGCHLD) {
          int st;
          pid_t r;
          while ((r = ::waitpid(-1, &st, WNOHANG)) > 0) {
            if (r == pid) {
              status = st;
              exited = true;
            }
          }
        } else if (sig == SIGWINCH) {
          if (master >= 0) CopyWinsize(STDIN_FILENO, master);
        } else if (!exited) {
          ::kill(pid, sig);
        }
      }
    }
  }
  return ExitCode(status);
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

Result<> WritePidFile(const std::string& path, pid_t pid) {
  std::string abs = path;
  if (abs[0] != '/') {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd)) abs = fs::Join(cwd, abs);
  }
  return fs::WriteFileAtomic(abs, std::to_string(pid), 0644).Wrap("write pid file");
}

}  // namespace inclavare::runtime::internal
