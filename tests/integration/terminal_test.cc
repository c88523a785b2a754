// process.terminal: the pty master handed over --console-socket (SCM_RIGHTS,
// as containerd and podman's conmon receive it) and the terminal relayed by a
// foreground `run`.
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <thread>

#include "tests/integration/console.h"
#include "tests/integration/harness.h"

namespace itest {
namespace {

class TerminalTest : public IntegrationTest {
 protected:
  // Runs the runtime on a new pty as its controlling terminal (runc opens
  // /dev/tty for a foreground terminal run), collecting what it writes.
  ProcResult RunOnPty(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 30s) {
    ProcResult res;
    int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
      ADD_FAILURE() << "posix_openpt: " << strerror(errno);
      return res;
    }
    std::string slave = ::ptsname(master);
    std::vector<std::string> argv = {rt().binary, "--root", rt().root};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (std::string& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      ::setsid();
      int s = ::open(slave.c_str(), O_RDWR);  // becomes the controlling tty
      if (s < 0) _exit(126);
      ::dup2(s, 0);
      ::dup2(s, 1);
      ::dup2(s, 2);
      syscall(SYS_close_range, 3, ~0U, 0);
      ::execv(cargv[0], cargv.data());
      _exit(127);
    }
    res.out = DrainPty(master, timeout);
    ::close(master);
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        res.timed_out = true;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return res;
  }
};

TEST_F(TerminalTest, ConsoleSocketReceivesPtyMaster) {
  Bundle b = NewBundle();
  b.spec["process"]["terminal"] = true;
  b.SetArgs({"/test_init", "isatty"});
  b.Write();
  std::string sock = tmp_ + "/console.sock";
  ConsoleServer server(sock);
  auto master_future = std::async(std::launch::async, [&] { return server.ReceiveFd(); });
  std::string id = NewId();
  ProcResult c = rt().Run({"create", "--console-socket", sock, "--bundle", b.dir, id});
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  int master = master_future.get();
  ASSERT_GE(master, 0) << "no fd received on the console socket";
  EXPECT_TRUE(::isatty(master));
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  std::string out = DrainPty(master);
  ::close(master);
  EXPECT_EQ(ParseJson(out), json({{"stdin", true}, {"stdout", true}, {"stderr", true}})) << out;
  EXPECT_NE(out.find("\r\n"), std::string::npos) << "output did not pass a tty line discipline";
  EXPECT_TRUE(WaitStatus(rt(), id, "stopped"));
}

TEST_F(TerminalTest, ConsoleSocketInputReachesProcess) {
  Bundle b = NewBundle();
  b.spec["process"]["terminal"] = true;
  b.SetArgs({"/bin/sh", "-c", "read line; echo got:$line"});
  b.Write();
  std::string sock = tmp_ + "/console.sock";
  ConsoleServer server(sock);
  auto master_future = std::async(std::launch::async, [&] { return server.ReceiveFd(); });
  std::string id = NewId();
  ProcResult c = rt().Run({"create", "--console-socket", sock, "--bundle", b.dir, id});
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  int master = master_future.get();
  ASSERT_GE(master, 0);
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  ASSERT_EQ(::write(master, "ping\n", 5), 5);
  std::string out = DrainPty(master);
  ::close(master);
  EXPECT_NE(out.find("got:ping"), std::string::npos) << out;
}

TEST_F(TerminalTest, ControllingTerminalIsThePty) {
  Bundle b = NewBundle();
  b.spec["process"]["terminal"] = true;
  b.SetArgs({"/test_init", "readlink", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2"});
  b.Write();
  std::string sock = tmp_ + "/console.sock";
  ConsoleServer server(sock);
  auto master_future = std::async(std::launch::async, [&] { return server.ReceiveFd(); });
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"create", "--console-socket", sock, "--bundle", b.dir, id}).exit_code, 0);
  int master = master_future.get();
  ASSERT_GE(master, 0);
  ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
  std::string out = DrainPty(master);
  ::close(master);
  json links = ParseJson(out);
  for (const char* fd : {"/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2"}) {
    EXPECT_EQ(links[fd].get<std::string>().rfind("/dev/pts/", 0), 0u) << links.dump();
  }
}

TEST_F(TerminalTest, TerminalWithoutConsoleSocketFailsOnCreate) {
  Bundle b = NewBundle();
  b.spec["process"]["terminal"] = true;
  b.SetArgs({"/test_init", "isatty"});
  b.Write();
  std::string id = NewId();
  ProcResult c = rt().Run({"create", "--bundle", b.dir, id});
  EXPECT_NE(c.exit_code, 0) << c.Describe();
  EXPECT_NE(c.err.find("console"), std::string::npos) << c.err;
  EXPECT_FALSE(Exists(rt().root + "/" + id));
}

TEST_F(TerminalTest, ForegroundRunRelaysTerminal) {
  Bundle b = NewBundle();
  b.spec["process"]["terminal"] = true;
  b.SetArgs({"/test_init", "isatty"});
  b.Write();
  ProcResult r = RunOnPty({"run", "--bundle", b.dir, NewId()});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ParseJson(r.out), json({{"stdin", true}, {"stdout", true}, {"stderr", true}}))
      << r.out;
}

TEST_F(TerminalTest, ForegroundRunTerminalExitCode) {
  Bundle b = NewBundle();
  b.spec["process"]["terminal"] = true;
  b.SetArgs({"/bin/sh", "-c", "echo hi; exit 7"});
  b.Write();
  ProcResult r = RunOnPty({"run", "--bundle", b.dir, NewId()});
  EXPECT_EQ(r.exit_code, 7) << r.Describe();
  EXPECT_NE(r.out.find("hi"), std::string::npos) << r.out;
}

TEST_F(TerminalTest, DetachedRunWithConsoleSocket) {
  Bundle b = NewBundle();
  b.spec["process"]["terminal"] = true;
  b.SetArgs({"/bin/sh", "-c", "echo detached-tty"});
  b.Write();
  std::string sock = tmp_ + "/console.sock";
  ConsoleServer server(sock);
  auto master_future = std::async(std::launch::async, [&] { return server.ReceiveFd(); });
  std::string id = NewId();
  ProcResult r = rt().Run({"run", "-d", "--console-socket", sock, "--bundle", b.dir, id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  int master = master_future.get();
  ASSERT_GE(master, 0);
  std::string out = DrainPty(master);
  ::close(master);
  EXPECT_NE(out.find("detached-tty"), std::string::npos) << out;
}

}  // namespace
}  // namespace itest
