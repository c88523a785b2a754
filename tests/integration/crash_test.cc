// Crash consistency: `rune` SIGKILLed at any point of create, start or
// delete must leave a container that `delete --force` removes completely
// (state dir, `list` entry, cgroup dirs in every hierarchy, processes, host
// mounts), after which the same id can be created again.
//
// "Any point" is deterministic: rune runs under ptrace (PTRACE_TRACEME,
// PTRACE_O_TRACESYSGOOD; its children are not traced) and is killed at the
// entry of its Nth system call, for N = 1, 2, ... until it finishes without
// being killed. Create is covered at every syscall; start and delete too
// (rune makes ~35 and ~140), with a stride only beyond 250 kill points (runc
// makes ~360), to stay under ~2 minutes on 2 cores.
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/leaks.h"

namespace itest {
namespace {

struct Traced {
  bool killed = false;  // killed at the requested syscall
  int exit_code = -1;   // when it ran to completion: exit status (128+N: signal N)
  long syscalls = 0;    // syscall entries after the execve
  std::string output;   // stdout and stderr
};

// Runs `r.binary --root r.root args...` under ptrace and SIGKILLs it at the
// entry of its kill_at-th syscall after the execve (kill_at 0: never).
Traced RunTraced(const Runtime& r, const std::vector<std::string>& args, long kill_at) {
  std::vector<std::string> argv = {r.binary, "--root", r.root};
  argv.insert(argv.end(), r.global_args.begin(), r.global_args.end());
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::string out_path = r.io_dir + "/traced.out";
  Traced t;
  pid_t pid = ::fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << strerror(errno);
    return t;
  }
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::syscall(SYS_close_range, 3, ~0U, 0);
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) ::_exit(125);
    ::raise(SIGSTOP);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (!WIFSTOPPED(st)) {
    ADD_FAILURE() << "traced child did not stop before exec (status " << st << ")";
    return t;
  }
  ::ptrace(PTRACE_SETOPTIONS, pid, nullptr,
           reinterpret_cast<void*>(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL));
  ::ptrace(PTRACE_SYSCALL, pid, nullptr, nullptr);
  bool execed = false;
  bool in_syscall = false;
  for (;;) {
    if (::waitpid(pid, &st, 0) < 0) {
      if (errno == EINTR) continue;
      ADD_FAILURE() << "waitpid traced rune: " << strerror(errno);
      break;
    }
    if (WIFEXITED(st)) {
      t.exit_code = WEXITSTATUS(st);
      break;
    }
    if (WIFSIGNALED(st)) {
      t.exit_code = 128 + WTERMSIG(st);
      break;
    }
    int inject = 0;
    if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
      in_syscall = !in_syscall;  // entry and exit stops alternate
      if (in_syscall && execed && ++t.syscalls == kill_at) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        t.killed = true;
        break;
      }
    } else if ((st >> 8) == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
      execed = true;  // the exit stop of execve follows
    } else {
      inject = WSTOPSIG(st);  // a signal for rune: deliver it
    }
    ::ptrace(PTRACE_SYSCALL, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(inject)));
  }
  t.output = ReadFile(out_path);
  return t;
}

// Whether this process may trace a child (seccomp or Yama can forbid it).
bool CanPtrace() {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) ::_exit(1);
    ::raise(SIGSTOP);
    ::_exit(0);
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  bool stopped = WIFSTOPPED(st);
  if (stopped) {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
  }
  return stopped;
}

class CrashTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!CanPtrace()) GTEST_SKIP() << "ptrace(PTRACE_TRACEME) is not permitted here (seccomp or Yama)";
    id_ = NewId("crash");
    cgroups_path_ = "/" + id_;
    TrackCgroup(cgroups_path_);
    bundle_ = NewBundle();
    bundle_.spec["linux"]["cgroupsPath"] = cgroups_path_;
    bundle_.SetArgs({"/test_init", "sleep", "1000"});
    bundle_.Write();
  }

  std::vector<std::string> CreateArgs() const { return {"create", "--bundle", bundle_.dir, id_}; }

  // delete --force after a crash, then checks nothing is left; processes
  // killed by the runtime may need a moment to exit, so live-process leaks
  // are re-checked a few times before they count.
  void ForceDeleteAndCheck(const std::string& what) {
    ProcResult del = rt().Run({"delete", "--force", id_});
    EXPECT_EQ(del.exit_code, 0) << what << ": delete --force failed: " << del.Describe();
    std::string leaks;
    for (int i = 0; i < 100; ++i) {
      leaks = ContainerLeaks(rt(), id_, bundle_.dir, cgroups_path_);
      if (leaks.empty() || leaks.find("process ") == std::string::npos) break;
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(leaks, "") << what << ": left behind after delete --force";
  }

  std::string id_;
  std::string cgroups_path_;
  Bundle bundle_;
};

// Which syscall numbers to kill at: every one up to total, or a stride that
// still covers the first and the last few.
std::vector<long> KillPoints(long total, long max_points) {
  std::vector<long> out;
  long stride = total <= max_points ? 1 : (total + max_points - 1) / max_points;
  for (long n = 1; n <= total; n += stride) out.push_back(n);
  for (long n = std::max(1L, total - 3); n <= total; ++n) {
    if (out.back() < n) out.push_back(n);
  }
  return out;
}

TEST_F(CrashTest, KilledAtEverySyscallOfCreate) {
  // Baseline: how many syscalls a complete create makes.
  Traced full = RunTraced(rt(), CreateArgs(), 0);
  ASSERT_EQ(full.exit_code, 0) << full.output;
  ASSERT_GT(full.syscalls, 10);
  ForceDeleteAndCheck("after an uninterrupted create");
  if (HasFailure()) return;
  // The count may vary a little between runs (retries, EINTR): go on until
  // a run completes without reaching its kill point.
  long n = 1;
  for (; n < 4 * full.syscalls; ++n) {
    Traced t = RunTraced(rt(), CreateArgs(), n);
    std::string what = "create killed at syscall " + std::to_string(n);
    if (!t.killed) {
      EXPECT_EQ(t.exit_code, 0) << "create (same id, after crashes and delete --force) failed: " << t.output;
      ForceDeleteAndCheck("create run to completion");
      break;
    }
    ForceDeleteAndCheck(what);
    if (HasFailure()) return;
  }
  EXPECT_LT(n, 4 * full.syscalls) << "create never completed";
  RecordProperty("create_syscalls", std::to_string(full.syscalls));
  std::cerr << "[ info ] create: " << full.syscalls << " syscalls, killed at each of 1.." << (n - 1) << "\n";
  // The id is usable again: a full lifecycle.
  ProcResult c = rt().Run(CreateArgs());
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  ProcResult s = rt().Run({"start", id_});
  EXPECT_EQ(s.exit_code, 0) << s.Describe();
  ForceDeleteAndCheck("full lifecycle after the crashes");
}

TEST_F(CrashTest, KilledAtSyscallsOfStart) {
  ProcResult c = rt().Run(CreateArgs());
  ASSERT_EQ(c.exit_code, 0) << c.Describe();
  Traced full = RunTraced(rt(), {"start", id_}, 0);
  ASSERT_EQ(full.exit_code, 0) << full.output;
  ForceDeleteAndCheck("after an uninterrupted start");
  if (HasFailure()) return;
  for (long n : KillPoints(full.syscalls, 250)) {
    c = rt().Run(CreateArgs());
    ASSERT_EQ(c.exit_code, 0) << "create after a crashed start and delete --force: " << c.Describe();
    Traced t = RunTraced(rt(), {"start", id_}, n);
    ForceDeleteAndCheck("start killed at syscall " + std::to_string(n) +
                        (t.killed ? "" : " (finished first: " + t.output + ")"));
    if (HasFailure()) return;
  }
  std::cerr << "[ info ] start: " << full.syscalls << " syscalls\n";
}

TEST_F(CrashTest, KilledAtSyscallsOfDelete) {
  for (bool started : {false, true}) {
    ProcResult c = rt().Run(CreateArgs());
    ASSERT_EQ(c.exit_code, 0) << c.Describe();
    if (started) {
      ProcResult s = rt().Run({"start", id_});
      ASSERT_EQ(s.exit_code, 0) << s.Describe();
    }
    Traced full = RunTraced(rt(), {"delete", "--force", id_}, 0);
    ASSERT_EQ(full.exit_code, 0) << full.output;
    EXPECT_EQ(ContainerLeaks(rt(), id_, bundle_.dir, cgroups_path_), "");
    std::string kind = started ? "delete of a running container" : "delete of a created container";
    for (long n : KillPoints(full.syscalls, 250)) {
      c = rt().Run(CreateArgs());
      ASSERT_EQ(c.exit_code, 0) << "create after a crashed delete: " << c.Describe();
      if (started) {
        ProcResult s = rt().Run({"start", id_});
        ASSERT_EQ(s.exit_code, 0) << s.Describe();
      }
      Traced t = RunTraced(rt(), {"delete", "--force", id_}, n);
      ForceDeleteAndCheck(kind + " killed at syscall " + std::to_string(n) +
                          (t.killed ? "" : " (finished first: " + t.output + ")"));
      if (HasFailure()) return;
    }
    std::cerr << "[ info ] " << kind << ": " << full.syscalls << " syscalls\n";
  }
}

}  // namespace
}  // namespace itest
