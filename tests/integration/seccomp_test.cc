// linux.seccomp: actions, errno values, argument conditions, the filter on
// exec'd processes, profile validation, and SCMP_ACT_NOTIFY with a
// listenerPath (the ContainerProcessState handed over SCM_RIGHTS, answered
// with libseccomp).
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "tests/integration/console.h"
#include "tests/integration/harness.h"

namespace itest {
namespace {

json Rule(const std::vector<std::string>& names, const std::string& action, int errno_ret = -1) {
  json r = {{"names", names}, {"action", action}};
  if (errno_ret >= 0) r["errnoRet"] = errno_ret;
  return r;
}

json Profile(const std::string& default_action, const json& rules) {
  return {{"defaultAction", default_action},
          {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
          {"syscalls", rules}};
}

// Enough for the runtime's last steps before execve, busybox sh and
// test_init (static glibc): everything else gets the default action.
const std::vector<std::string>& BroadAllowList() {
  static const std::vector<std::string> names = {
      "accept", "accept4", "access", "arch_prctl", "bind", "brk", "capget", "capset", "chdir",
      "chmod", "chown", "clock_getres", "clock_gettime", "clock_nanosleep", "clone", "clone3",
      "close", "close_range", "connect", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
      "epoll_ctl", "epoll_pwait", "epoll_wait", "eventfd2", "execve", "execveat", "exit",
      "exit_group", "faccessat", "faccessat2", "fadvise64", "fchdir", "fchmod", "fchmodat",
      "fchown", "fchownat", "fcntl", "fstat", "fstatfs", "fsync", "ftruncate", "futex", "getcwd",
      "getdents", "getdents64", "getegid", "geteuid", "getgid", "getgroups", "getitimer",
      "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
      "getresgid", "getresuid", "getrlimit", "get_robust_list", "getrusage", "getsid",
      "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "ioctl", "kill",
      "lseek", "lstat", "madvise", "membarrier", "mmap", "mprotect", "mremap", "munmap",
      "nanosleep", "newfstatat", "open", "openat", "openat2", "pipe", "pipe2", "poll", "ppoll",
      "prctl", "pread64", "prlimit64", "pselect6", "pwrite64", "read", "readlink", "readlinkat",
      "readv", "recvfrom", "recvmsg", "rename", "renameat", "renameat2", "restart_syscall",
      "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueue_info",
      "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "sched_getaffinity", "sched_yield",
      "select", "sendmsg", "sendto", "setgid", "setgroups", "setitimer", "setpgid",
      "setresgid", "setresuid", "setrlimit", "set_robust_list", "setsid", "setsockopt",
      "set_tid_address", "setuid", "sigaltstack", "socket", "socketpair", "stat", "statfs",
      "statx", "sysinfo", "tgkill", "tkill", "umask", "uname", "unlink", "unlinkat", "vfork",
      "wait4", "waitid", "write", "writev", "keyctl"};
  return names;
}

class SeccompTest : public IntegrationTest {
 protected:
  std::string Start(Bundle& b) {
    b.SetArgs({"/test_init", "sleep", "60"});
    b.Write();
    std::string id = NewId();
    ProcResult r = rt().Run({"run", "-d", "--bundle", b.dir, id}, 15s);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return id;
  }
};

TEST_F(SeccompTest, ErrnoRetOnMkdir) {
  Bundle b = NewBundle();
  b.spec["linux"]["seccomp"] =
      Profile("SCMP_ACT_ALLOW", json::array({Rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", 38)}));
  b.SetArgs({"sh", "-c", "mkdir /tmp/d 2>&1; echo rc=$?; grep Seccomp: /proc/self/status"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("Function not implemented"), std::string::npos) << r.Describe();  // ENOSYS=38
  EXPECT_NE(r.out.find("rc=1"), std::string::npos) << r.Describe();
  EXPECT_NE(r.out.find("Seccomp:\t2"), std::string::npos) << r.Describe();
  EXPECT_FALSE(Exists(b.rootfs + "/tmp/d"));
}

TEST_F(SeccompTest, NoNewPrivilegesTrueAndFalse) {
  for (bool nnp : {true, false}) {
    Bundle b = NewBundle();
    b.spec["process"]["noNewPrivileges"] = nnp;
    b.spec["linux"]["seccomp"] =
        Profile("SCMP_ACT_ALLOW", json::array({Rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", 38)}));
    b.SetArgs({"/test_init", "report"});
    json r = RunJson(rt(), b);
    ASSERT_FALSE(r.is_null());
    EXPECT_EQ(r["no_new_privs"], nnp ? 1 : 0);
    EXPECT_EQ(r["seccomp"], "2") << "nnp=" << nnp;
    b.SetArgs({"sh", "-c", "mkdir /tmp/d 2>&1"});
    ProcResult m = RunContainer(rt(), b);
    EXPECT_NE(m.out.find("Function not implemented"), std::string::npos)
        << "nnp=" << nnp << " " << m.Describe();
  }
}

TEST_F(SeccompTest, DefaultErrnoWithAllowList) {
  Bundle b = NewBundle();
  json p = Profile("SCMP_ACT_ERRNO", json::array({Rule(BroadAllowList(), "SCMP_ACT_ALLOW")}));
  p["defaultErrnoRet"] = 1;
  b.spec["linux"]["seccomp"] = p;
  b.SetArgs({"sh", "-c", "echo alive; /test_init exit 0 && echo init-ok; mkdir /tmp/d 2>&1"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_NE(r.out.find("alive"), std::string::npos) << r.Describe();
  EXPECT_NE(r.out.find("init-ok"), std::string::npos) << r.Describe();
  EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r.Describe();  // EPERM
  EXPECT_FALSE(Exists(b.rootfs + "/tmp/d"));
}

TEST_F(SeccompTest, KillActionKillsWithSigsys) {
  Bundle b = NewBundle();
  b.spec["linux"]["seccomp"] =
      Profile("SCMP_ACT_ALLOW", json::array({Rule({"mkdir", "mkdirat"}, "SCMP_ACT_KILL")}));
  b.SetArgs({"mkdir", "/tmp/d"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 128 + SIGSYS) << r.Describe();
  EXPECT_FALSE(Exists(b.rootfs + "/tmp/d"));
}

TEST_F(SeccompTest, ArgsWithOperators) {
  // personality(PER_LINUX32 = 8) is refused (busybox linux32); PER_LINUX = 0
  // (linux64) passes. Once with SCMP_CMP_EQ, once with SCMP_CMP_MASKED_EQ
  // (value = mask, valueTwo = datum).
  const json conds[] = {
      {{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_EQ"}},
      {{"index", 0}, {"value", 0xff}, {"valueTwo", 8}, {"op", "SCMP_CMP_MASKED_EQ"}},
  };
  for (const json& cond : conds) {
    Bundle b = NewBundle();
    json rule = Rule({"personality"}, "SCMP_ACT_ERRNO", 38);
    rule["args"] = json::array({cond});
    b.spec["linux"]["seccomp"] = Profile("SCMP_ACT_ALLOW", json::array({rule}));
    b.SetArgs({"sh", "-c", "linux32 true 2>&1; echo r32=$?; linux64 true 2>&1; echo r64=$?"});
    ProcResult r = RunContainer(rt(), b);
    EXPECT_EQ(r.exit_code, 0) << cond << r.Describe();
    EXPECT_EQ(r.out.find("r32=0"), std::string::npos) << cond << r.Describe();
    EXPECT_NE(r.out.find("Function not implemented"), std::string::npos) << cond << r.Describe();
    EXPECT_NE(r.out.find("r64=0"), std::string::npos) << cond << r.Describe();
  }
}

TEST_F(SeccompTest, InvalidActionFailsCreateCleanly) {
  Bundle b = NewBundle();
  b.spec["linux"]["seccomp"] =
      Profile("SCMP_ACT_BOGUS", json::array({Rule({"mkdir"}, "SCMP_ACT_ERRNO", 1)}));
  b.Write();
  std::string id = NewId();
  ProcResult r = rt().Run({"create", "--bundle", b.dir, id}, 15s);
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find("SCMP_ACT_BOGUS"), std::string::npos) << r.Describe();
  // runc 1.1.5 says only "string SCMP_ACT_BOGUS is not a valid action for
  // seccomp"; rune must name the field.
  if (!UnderTestIsRunc()) {
    EXPECT_NE(r.err.find("defaultAction"), std::string::npos) << r.Describe();
  }
  EXPECT_TRUE(State(rt(), id).is_null());
  EXPECT_FALSE(Exists(rt().root + "/" + id));
  EXPECT_TRUE(PidsRootedUnder(b.rootfs).empty());
}

TEST_F(SeccompTest, ExecGetsTheFilter) {
  Bundle b = NewBundle();
  b.spec["linux"]["seccomp"] =
      Profile("SCMP_ACT_ALLOW", json::array({Rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", 38)}));
  std::string id = Start(b);
  ProcResult r = rt().Run({"exec", id, "sh", "-c", "mkdir /tmp/d 2>&1; grep Seccomp: /proc/self/status"});
  EXPECT_NE(r.out.find("Function not implemented"), std::string::npos) << r.Describe();
  EXPECT_NE(r.out.find("Seccomp:\t2"), std::string::npos) << r.Describe();
  EXPECT_FALSE(Exists(b.rootfs + "/tmp/d"));
}

// What the listener received: the state JSON and the notify fd.
struct ListenerResult {
  json state;
  int fd = -1;
  std::string error;
  int answered = 0;
};

// Accepts one connection, reads the ContainerProcessState with its fds, then
// answers every mkdir/mkdirat notification with -EXDEV until `stop`.
ListenerResult RunListener(int lfd, std::shared_future<void> stop) {
  ListenerResult res;
  pollfd p = {lfd, POLLIN, 0};
  if (::poll(&p, 1, 15000) != 1) {
    res.error = "no connection on the listener socket";
    return res;
  }
  int conn = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
  std::string data(65536, '\0');
  iovec iov = {data.data(), data.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  ::close(conn);
  if (n <= 0) {
    res.error = "recvmsg failed";
    return res;
  }
  data.resize(n);
  res.state = json::parse(data, nullptr, false);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&res.fd, CMSG_DATA(c), sizeof(int));
  }
  if (res.fd < 0) {
    res.error = "no fd received: " + data;
    return res;
  }
  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  if (seccomp_notify_alloc(&req, &resp) != 0) {
    res.error = "seccomp_notify_alloc";
    return res;
  }
  while (stop.wait_for(0ms) != std::future_status::ready) {
    pollfd q = {res.fd, POLLIN, 0};
    if (::poll(&q, 1, 50) != 1) continue;
    if (q.revents & (POLLHUP | POLLERR)) break;
    memset(req, 0, sizeof *req);
    if (seccomp_notify_receive(res.fd, req) != 0) continue;
    memset(resp, 0, sizeof *resp);
    resp->id = req->id;
    resp->error = -EXDEV;
    resp->val = 0;
    if (seccomp_notify_respond(res.fd, resp) == 0) ++res.answered;
  }
  seccomp_notify_free(req, resp);
  return res;
}

TEST_F(SeccompTest, NotifyListenerAnswers) {
  Bundle b = NewBundle();
  std::string sock = tmp_ + "/seccomp-agent.sock";
  int lfd = ListenUnix(sock);
  json p = Profile("SCMP_ACT_ALLOW", json::array({Rule({"mkdir", "mkdirat"}, "SCMP_ACT_NOTIFY")}));
  p["listenerPath"] = sock;
  p["listenerMetadata"] = "itest-meta";
  b.spec["linux"]["seccomp"] = p;
  b.SetArgs({"sh", "-c", "mkdir /tmp/d 2>&1; echo rc=$?"});
  std::promise<void> stop;
  auto fut = std::async(std::launch::async, RunListener, lfd, stop.get_future().share());
  std::string id = NewId();
  ProcResult r = RunContainer(rt(), b, id, {}, 20s);
  stop.set_value();
  ListenerResult l = fut.get();
  ::close(lfd);
  if (l.fd >= 0) ::close(l.fd);
  EXPECT_TRUE(l.error.empty()) << l.error;
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("Invalid cross-device link"), std::string::npos) << r.Describe();
  EXPECT_NE(r.out.find("rc=1"), std::string::npos) << r.Describe();
  EXPECT_GE(l.answered, 1);
  EXPECT_FALSE(Exists(b.rootfs + "/tmp/d"));
  const json& s = l.state;
  ASSERT_TRUE(s.is_object()) << s;
  EXPECT_TRUE(s.contains("ociVersion")) << s;
  EXPECT_EQ(s["fds"], json::array({"seccompFd"})) << s;
  EXPECT_GT(s.value("pid", 0), 0) << s;
  EXPECT_EQ(s.value("metadata", ""), "itest-meta") << s;
  EXPECT_EQ(s["state"].value("id", ""), id) << s;
  EXPECT_TRUE(s["state"].contains("status")) << s;
  EXPECT_TRUE(s["state"].contains("bundle")) << s;
}

}  // namespace
}  // namespace itest
