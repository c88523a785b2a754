#include "runtime/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "common/fs.h"
#include "common/unique_fd.h"

namespace inclavare::runtime {
namespace {

std::vector<char*> Argv(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Result<> RunHook(const oci::Hook& hook, const std::string& state_json, const char* kind) {
  std::string name = std::string(kind) + " hook " + hook.path;
  int in_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return ErrnoError(name + ": pipe");
  UniqueFd in_r(in_pipe[0]), in_w(in_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return ErrnoError(name + ": pipe");
  UniqueFd err_r(err_pipe[0]), err_w(err_pipe[1]);

  std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  std::vector<std::string> env = hook.env;
  std::vector<char*> argv = Argv(args), envp = Argv(env);
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls from here.
    ::dup2(in_r.Get(), 0);
    ::dup2(err_w.Get(), 2);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 1);
    for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(hook.path.c_str(), argv.data(), envp.data());
    const char* msg = "exec failed: ";
    (void)!::write(2, msg, strlen(msg));
    const char* e = strerror(errno);
    (void)!::write(2, e, strlen(e));
    ::_exit(127);
  }
  sigprocmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) return ErrnoError(name + ": fork");
  in_r.Reset();
  err_w.Reset();
  // The hook may not read stdin at all: ignore EPIPE.
  (void)fs::WriteAll(in_w.Get(), state_json);
  in_w.Reset();

  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  int64_t deadline = hook.timeout ? NowMs() + int64_t{*hook.timeout} * 1000 : -1;
  std::string err_text;
  bool timed_out = false;
  bool err_open = true;
  for (;;) {
    struct pollfd p[2] = {{pidfd.Get(), POLLIN, 0}, {err_open ? err_r.Get() : -1, POLLIN, 0}};
    int timeout = -1;
    if (deadline >= 0) timeout = static_cast<int>(std::max<int64_t>(0, deadline - NowMs()));
    int n = ::poll(p, 2, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (p[1].revents) {
      char buf[4096];
      ssize_t r = ::read(err_r.Get(), buf, sizeof buf);
      if (r > 0 && err_text.size() < 64 * 1024) err_text.append(buf, static_cast<size_t>(r));
      if (r <= 0) err_open = false;
      continue;
    }
    if (p[0].revents) break;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (!err_text.empty() && (err_text.back() == '\n' || err_text.back() == ' ')) err_text.pop_back();
  if (timed_out)
    return Error(ErrorCode::kUnavailable, name + ": timed out after " + std::to_string(*hook.timeout) + "s",
                 ETIMEDOUT);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                      : "killed by signal " + std::to_string(WTERMSIG(status));
  return Internal(name + ": " + how + (err_text.empty() ? "" : ", stderr: " + err_text));
}

}  // namespace

Result<> RunHooks(const std::vector<oci::Hook>& hooks, const std::string& state_json, const char* kind) {
  for (const auto& h : hooks) IC_TRY(RunHook(h, state_json, kind));
  return {};
}

}  // namespace inclavare::runtime
