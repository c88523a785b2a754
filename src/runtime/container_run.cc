// rune run: create + start, and in the foreground: signal forwarding,
// terminal relay, exit status, and deletion when the container exits.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "runtime/internal/create.h"
#include "runtime/state.h"

namespace inclavare::runtime {
namespace {

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

Result<int> Run(const GlobalOptions& g, const CreateOptions& o, bool detach) {
  if (detach) {
    IC_TRY(internal::CreateContainer(g, o, /*foreground=*/false));
    IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, o.id));
    IC_ASSIGN_OR_RETURN(ContainerRecord rec, dir.Load());
    if (auto r = internal::StartContainer(dir, rec); !r) {
      (void)internal::DestroyContainer(dir, rec);
      return std::move(r.error());
    }
    return 0;
  }

  // Every catchable signal goes to a signalfd and is forwarded; the init
  // resets its mask before the exec.
  sigset_t mask, old_mask;
  sigfillset(&mask);
  sigdelset(&mask, SIGSEGV);
  sigdelset(&mask, SIGBUS);
  sigdelset(&mask, SIGFPE);
  sigdelset(&mask, SIGILL);
  ::sigprocmask(SIG_BLOCK, &mask, &old_mask);
  Cleanup restore_mask([&] { ::sigprocmask(SIG_SETMASK, &old_mask, nullptr); });
  UniqueFd sfd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sfd) return ErrnoError("signalfd");
  // A foreground run is the reaper of everything the container leaves
  // behind that gets reparented to us.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  IC_ASSIGN_OR_RETURN(internal::CreatedContainer created, internal::CreateContainer(g, o, /*foreground=*/true));
  pid_t pid = created.pid;
  Cleanup remove([&] { (void)Delete(g, o.id, /*force=*/true); });
  {
    IC_ASSIGN_OR_RETURN(StateDir dir, StateDir::Open(g.root, o.id));
    IC_TRY(internal::StartContainer(dir, created.record));
  }

  int master = created.console.Get();
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
    struct pollfd p[3] = {{sfd.Get(), POLLIN, 0},
                          {master_open ? master : -1, POLLIN, 0},
                          {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
    // After the init exited, drain the pty briefly, then stop.
    int n = ::poll(p, 3, exited ? 100 : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) break;
    if (p[1].revents) master_open = Pump(master, STDOUT_FILENO);
    if (p[2].revents && !Pump(STDIN_FILENO, master)) stdin_open = false;
    if (p[0].revents) {
      struct signalfd_siginfo si;
      while (::read(sfd.Get(), &si, sizeof si) == sizeof si) {
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
  raw.reset();
  remove.Run();
  return ExitCode(status);
}

}  // namespace inclavare::runtime
