#include "runtime/linux/seccomp.h"

#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "runtime/linux/sync.h"

namespace inclavare::runtime {
namespace {

using ::testing::HasSubstr;

oci::SeccompSyscall Rule(std::vector<std::string> names, std::string action,
                         std::optional<uint32_t> errno_ret = std::nullopt, std::vector<oci::SeccompArg> args = {}) {
  oci::SeccompSyscall s;
  s.names = std::move(names);
  s.action = std::move(action);
  s.errno_ret = errno_ret;
  s.args = std::move(args);
  return s;
}

oci::SeccompArg Arg(uint32_t index, uint64_t value, std::string op, uint64_t value_two = 0) {
  return oci::SeccompArg{.index = index, .value = value, .value_two = value_two, .op = std::move(op)};
}

oci::Seccomp Profile(std::string default_action, std::vector<oci::SeccompSyscall> syscalls = {}) {
  oci::Seccomp s;
  s.default_action = std::move(default_action);
  s.syscalls = std::move(syscalls);
  return s;
}

std::string ErrorOf(const oci::Seccomp& s) {
  auto r = CompileSeccomp(s);
  if (r) return "<compiled>";
  return r.error().ToString();
}

// Runs `body` in a forked child that sets no_new_privs and loads `program`
// first; returns the wait status. The body returns the exit code (0 = pass).
int RunFiltered(const SeccompProgram& program, const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    struct rlimit no_core = {0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::alarm(20);
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(100);
    auto fd = LoadSeccomp(program);
    if (!fd) ::_exit(101);
    ::_exit(body());
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Expects a normal exit with code 0.
void ExpectPassed(int status) {
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child check failed at step " << WEXITSTATUS(status);
}

// --- compile: names ----------------------------------------------------------

TEST(SeccompCompileTest, EveryDefaultAction) {
  for (const char* action : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                             "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"}) {
    auto p = CompileSeccomp(Profile(action));
    ASSERT_TRUE(p) << action << ": " << p.error().ToString();
    EXPECT_GT(p->instruction_count(), 0u);
    EXPECT_FALSE(p->uses_notify());
  }
}

TEST(SeccompCompileTest, EveryRuleAction) {
  for (const char* action : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                             "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"}) {
    auto s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, action)});
    s.listener_path = "/run/agent.sock";
    auto p = CompileSeccomp(s);
    ASSERT_TRUE(p) << action << ": " << p.error().ToString();
    EXPECT_EQ(p->uses_notify(), std::string(action) == "SCMP_ACT_NOTIFY");
    auto pfc = p->ExportPfc();
    ASSERT_TRUE(pfc);
    EXPECT_THAT(*pfc, HasSubstr("\"mkdir\"")) << action;
  }
  // ALLOW rules under a non-allow default.
  auto p = CompileSeccomp(Profile("SCMP_ACT_ERRNO", {Rule({"getpid"}, "SCMP_ACT_ALLOW")}));
  ASSERT_TRUE(p) << p.error().ToString();
}

TEST(SeccompCompileTest, ErrnoRetInThePseudoCode) {
  auto s = Profile("SCMP_ACT_ERRNO", {Rule({"mkdir"}, "SCMP_ACT_ERRNO", 38), Rule({"rmdir"}, "SCMP_ACT_TRACE", 7),
                                      Rule({"getpid"}, "SCMP_ACT_ALLOW")});
  s.default_errno_ret = 99;
  auto p = CompileSeccomp(s);
  ASSERT_TRUE(p) << p.error().ToString();
  auto pfc = p->ExportPfc();
  ASSERT_TRUE(pfc);
  EXPECT_THAT(*pfc, HasSubstr("ERRNO(38)"));
  EXPECT_THAT(*pfc, HasSubstr("TRACE(7)"));
  EXPECT_THAT(*pfc, HasSubstr("ERRNO(99)"));
}

TEST(SeccompCompileTest, DefaultErrnoIsEperm) {
  auto p = CompileSeccomp(Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, "SCMP_ACT_ERRNO")}));
  ASSERT_TRUE(p);
  EXPECT_THAT(*p->ExportPfc(), HasSubstr("ERRNO(1)"));
}

TEST(SeccompCompileTest, EveryOperator) {
  for (const char* op : {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                         "SCMP_CMP_MASKED_EQ"}) {
    auto p = CompileSeccomp(
        Profile("SCMP_ACT_ALLOW", {Rule({"personality"}, "SCMP_ACT_ERRNO", std::nullopt, {Arg(0, 8, op, 0)})}));
    ASSERT_TRUE(p) << op << ": " << p.error().ToString();
  }
}

TEST(SeccompCompileTest, EveryArchitecture) {
  for (const auto& arch : GetSeccompFeatures().archs) {
    auto s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir", "socketcall"}, "SCMP_ACT_ERRNO")});
    s.architectures = {arch};
    auto p = CompileSeccomp(s);
    // Big-endian architectures cannot join a little-endian native filter
    // (and the reverse); runc fails the same way.
    if (!p) {
      EXPECT_THAT(p.error().ToString(), HasSubstr("different byte order")) << arch;
    }
  }
  // The native architecture itself is always accepted.
#if defined(__x86_64__)
  auto native = Profile("SCMP_ACT_ALLOW");
  native.architectures = {"SCMP_ARCH_X86_64"};
  ASSERT_TRUE(CompileSeccomp(native));
#endif
  // Docker's x86_64 list; the native arch may be listed or not.
  auto s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir", "socketcall"}, "SCMP_ACT_ERRNO")});
  s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  auto p = CompileSeccomp(s);
  ASSERT_TRUE(p) << p.error().ToString();
#if defined(__x86_64__)
  // socketcall exists on x86 only: the rule lands in the x86 section.
  EXPECT_THAT(*p->ExportPfc(), HasSubstr("filter for arch x86 "));
#endif
}

TEST(SeccompCompileTest, Flags) {
  for (const auto& flag : GetSeccompFeatures().supported_flags) {
    auto s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, "SCMP_ACT_NOTIFY")});
    s.listener_path = "/run/agent.sock";
    s.flags = {flag};
    auto p = CompileSeccomp(s);
    ASSERT_TRUE(p) << flag << ": " << p.error().ToString();
    EXPECT_NE(p->filter_flags(), 0u) << flag;
  }
  auto s = Profile("SCMP_ACT_ALLOW");
  s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
  auto p = CompileSeccomp(s);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->filter_flags(), SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
}

TEST(SeccompCompileTest, WaitKillableRecvNeedsAListener) {
  auto f = GetSeccompFeatures();
  if (std::find(f.supported_flags.begin(), f.supported_flags.end(), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") ==
      f.supported_flags.end())
    GTEST_SKIP() << "kernel older than 5.19";
  auto s = Profile("SCMP_ACT_ALLOW");
  s.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
  auto p = CompileSeccomp(s);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->filter_flags(), 0u);  // dropped: no SCMP_ACT_NOTIFY rule
  s.syscalls = {Rule({"mkdir"}, "SCMP_ACT_NOTIFY")};
  s.listener_path = "/run/agent.sock";
  p = CompileSeccomp(s);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->filter_flags(), static_cast<unsigned>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV));
}

TEST(SeccompCompileTest, UnknownSyscallNamesAreSkipped) {
  auto p = CompileSeccomp(Profile("SCMP_ACT_ALLOW", {Rule({"no_such_syscall", "mkdir"}, "SCMP_ACT_ERRNO")}));
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->skipped_syscalls(), std::vector<std::string>{"no_such_syscall"});
}

TEST(SeccompCompileTest, RedundantRulesAreSkipped) {
  auto p = CompileSeccomp(Profile("SCMP_ACT_ALLOW", {Rule({"getpid"}, "SCMP_ACT_ALLOW")}));
  ASSERT_TRUE(p) << p.error().ToString();
  auto s = Profile("SCMP_ACT_ERRNO", {Rule({"getpid"}, "SCMP_ACT_ERRNO", 1)});
  ASSERT_TRUE(CompileSeccomp(s));
}

TEST(SeccompCompileTest, RepeatedArgIndexBecomesSeparateRules) {
  // runc: two conditions on one index cannot be ANDed -> one rule each.
  auto p = CompileSeccomp(Profile(
      "SCMP_ACT_ALLOW", {Rule({"personality"}, "SCMP_ACT_ERRNO", std::nullopt,
                              {Arg(0, 1, "SCMP_CMP_EQ"), Arg(0, 2, "SCMP_CMP_EQ")})}));
  ASSERT_TRUE(p) << p.error().ToString();
  auto pfc = p->ExportPfc();
  ASSERT_TRUE(pfc);
  EXPECT_THAT(*pfc, HasSubstr("$a0.lo32 == 1"));
  EXPECT_THAT(*pfc, HasSubstr("$a0.lo32 == 2"));
}

// --- compile: errors ---------------------------------------------------------

TEST(SeccompCompileTest, ErrorsNameTheField) {
  auto s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, "SCMP_ACT_ERRNO"), Rule({"rmdir"}, "SCMP_ACT_ERRNO"),
                                      Rule({"unlink"}, "SCMP_ACT_ERRNO"), Rule({"chdir"}, "SCMP_ACT_FOO")});
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"");
  auto r = CompileSeccomp(s);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);

  EXPECT_EQ(ErrorOf(Profile("SCMP_ACT_NOPE")), "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"");
  EXPECT_EQ(ErrorOf(Profile("")), "linux.seccomp.defaultAction: unknown action \"\"");

  s = Profile("SCMP_ACT_ALLOW",
              {Rule({"personality"}, "SCMP_ACT_ERRNO", std::nullopt, {Arg(0, 1, "SCMP_CMP_EQ"), Arg(1, 1, "SCMP_CMP_XX")})});
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_XX\"");

  s = Profile("SCMP_ACT_ALLOW", {Rule({"personality"}, "SCMP_ACT_ERRNO", std::nullopt, {Arg(6, 1, "SCMP_CMP_EQ")})});
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0-5)");

  s = Profile("SCMP_ACT_ALLOW");
  s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_PDP11"};
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_PDP11\"");

  s = Profile("SCMP_ACT_ALLOW");
  s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FOO"};
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"");

  s = Profile("SCMP_ACT_ALLOW", {Rule({}, "SCMP_ACT_ERRNO")});
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.syscalls[0].names: at least one name is required");
  s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir", ""}, "SCMP_ACT_ERRNO")});
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.syscalls[0].names[1]: empty syscall name");
}

TEST(SeccompCompileTest, ErrnoRetOnlyWithErrnoAndTrace) {
  auto s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, "SCMP_ACT_KILL", 5)});
  EXPECT_THAT(ErrorOf(s), HasSubstr("linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_KILL takes no errno"));
  s = Profile("SCMP_ACT_ALLOW");
  s.default_errno_ret = 5;
  EXPECT_THAT(ErrorOf(s), HasSubstr("linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW takes no errno"));
  s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, "SCMP_ACT_ERRNO", 70000)});
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.syscalls[0].errnoRet: 70000 does not fit in 16 bits");
}

TEST(SeccompCompileTest, NotifyRestrictions) {
  auto s = Profile("SCMP_ACT_NOTIFY");
  s.listener_path = "/run/agent.sock";
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir", "write"}, "SCMP_ACT_NOTIFY")});
  s.listener_path = "/run/agent.sock";
  EXPECT_THAT(ErrorOf(s), HasSubstr("linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for \"write\""));
  s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, "SCMP_ACT_NOTIFY")});
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY");
  s = Profile("SCMP_ACT_ALLOW");
  s.listener_metadata = "x";
  EXPECT_EQ(ErrorOf(s), "linux.seccomp.listenerMetadata: set without listenerPath");
}

TEST(SeccompLoadTest, LoadWithoutProgramFails) {
  SeccompProgram empty;
  auto r = LoadSeccomp(empty);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
}

// --- loaded in a child -------------------------------------------------------

TEST(SeccompLoadTest, ErrnoRetIsReturned) {
  auto p = CompileSeccomp(Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, "SCMP_ACT_ERRNO", 38)}));
  ASSERT_TRUE(p) << p.error().ToString();
  ExpectPassed(RunFiltered(*p, [] {
    errno = 0;
    if (::syscall(SYS_mkdir, "/nonexistent-dir/x", 0755) != -1 || errno != 38) return 1;
    // Other syscalls still work.
    if (::syscall(SYS_getpid) != ::getpid()) return 2;
    return 0;
  }));
}

TEST(SeccompLoadTest, ArgsSelectTheCall) {
  // Docker's personality rule, inverted: deny the 0xffffffff query only.
  auto s = Profile("SCMP_ACT_ALLOW",
                   {Rule({"personality"}, "SCMP_ACT_ERRNO", 77, {Arg(0, 0xffffffff, "SCMP_CMP_EQ")}),
                    // Different indices: ANDed.
                    Rule({"getpriority"}, "SCMP_ACT_ERRNO", 41,
                         {Arg(0, PRIO_PROCESS, "SCMP_CMP_EQ"), Arg(1, 4242, "SCMP_CMP_EQ")}),
                    // Same index twice: separate rules, so either matches.
                    Rule({"getpgid"}, "SCMP_ACT_ERRNO", 42, {Arg(0, 1111, "SCMP_CMP_EQ"), Arg(0, 2222, "SCMP_CMP_EQ")}),
                    // (arg & 0xff00) == 0x1200
                    Rule({"getsid"}, "SCMP_ACT_ERRNO", 43, {Arg(0, 0xff00, "SCMP_CMP_MASKED_EQ", 0x1200)}),
                    Rule({"setpgid"}, "SCMP_ACT_ERRNO", 44, {Arg(0, 100, "SCMP_CMP_GT")})});
  auto p = CompileSeccomp(s);
  ASSERT_TRUE(p) << p.error().ToString();
  ExpectPassed(RunFiltered(*p, [] {
    errno = 0;
    if (::syscall(SYS_personality, 0xffffffffUL) != -1 || errno != 77) return 1;
    if (::syscall(SYS_personality, 0UL) < 0) return 2;  // PER_LINUX: allowed
    errno = 0;
    if (::syscall(SYS_getpriority, PRIO_PROCESS, 4242) != -1 || errno != 41) return 3;
    if (::syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0) return 4;
    errno = 0;
    if (::syscall(SYS_getpriority, PRIO_PGRP, 4242) == -1 && errno == 41) return 5;
    errno = 0;
    if (::syscall(SYS_getpgid, 1111) != -1 || errno != 42) return 6;
    errno = 0;
    if (::syscall(SYS_getpgid, 2222) != -1 || errno != 42) return 7;
    if (::syscall(SYS_getpgid, 0) < 0) return 8;
    errno = 0;
    if (::syscall(SYS_getsid, 0x1234) != -1 || errno != 43) return 9;
    errno = 0;
    if (::syscall(SYS_getsid, 0x1334) == -1 && errno == 43) return 10;
    if (::syscall(SYS_getsid, 0) < 0) return 11;
    errno = 0;
    if (::syscall(SYS_setpgid, 101, 0) != -1 || errno != 44) return 12;
    errno = 0;
    if (::syscall(SYS_setpgid, 0, 0) != 0) return 13;  // pid 0 = self: allowed
    return 0;
  }));
}

TEST(SeccompLoadTest, DefaultErrnoWithAllowList) {
  auto s = Profile("SCMP_ACT_ERRNO", {Rule({"exit", "exit_group", "getpid", "rt_sigreturn"}, "SCMP_ACT_ALLOW")});
  s.default_errno_ret = 99;
  auto p = CompileSeccomp(s);
  ASSERT_TRUE(p) << p.error().ToString();
  ExpectPassed(RunFiltered(*p, [] {
    if (::syscall(SYS_getpid) <= 0) return 1;
    errno = 0;
    if (::syscall(SYS_getppid) != -1 || errno != 99) return 2;
    errno = 0;
    if (::syscall(SYS_getuid) != -1 || errno != 99) return 3;
    return 0;
  }));
}

TEST(SeccompLoadTest, KillActionsRaiseSigsys) {
  for (const char* action : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"}) {
    auto p = CompileSeccomp(Profile("SCMP_ACT_ALLOW", {Rule({"getppid"}, action)}));
    ASSERT_TRUE(p) << p.error().ToString();
    int status = RunFiltered(*p, [] {
      ::syscall(SYS_getppid);
      return 0;
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << action << " status " << status;
    EXPECT_EQ(WTERMSIG(status), SIGSYS) << action;
  }
}

TEST(SeccompLoadTest, TraceWithoutTracerIsEnosysAndLogAllows) {
  auto p = CompileSeccomp(
      Profile("SCMP_ACT_ALLOW", {Rule({"getppid"}, "SCMP_ACT_TRACE", 5), Rule({"getuid"}, "SCMP_ACT_LOG")}));
  ASSERT_TRUE(p) << p.error().ToString();
  ExpectPassed(RunFiltered(*p, [] {
    errno = 0;
    if (::syscall(SYS_getppid) != -1 || errno != ENOSYS) return 1;
    if (::syscall(SYS_getuid) != static_cast<long>(::getuid())) return 2;
    return 0;
  }));
}

TEST(SeccompLoadTest, FlagsLoad) {
  auto s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, "SCMP_ACT_ERRNO", 38)});
  s.flags = GetSeccompFeatures().supported_flags;
  auto p = CompileSeccomp(s);
  ASSERT_TRUE(p) << p.error().ToString();
  ExpectPassed(RunFiltered(*p, [] {
    errno = 0;
    if (::syscall(SYS_mkdir, "/nonexistent-dir/x", 0755) != -1 || errno != 38) return 1;
    return 0;
  }));
}

TEST(SeccompLoadTest, NeedsNoNewPrivsOrCapSysAdmin) {
  auto p = CompileSeccomp(Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, "SCMP_ACT_ERRNO")}));
  ASSERT_TRUE(p);
  pid_t pid = ::fork();
  if (pid == 0) {
    // As root, become nobody: the switch clears every capability.
    if (::geteuid() == 0 && (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0))
      ::_exit(2);
    auto r = LoadSeccomp(*p);
    ::_exit(!r && r.error().code() == ErrorCode::kFailedPrecondition && r.error().sys_errno() == EACCES ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ExpectPassed(status);
}

// --- SCMP_ACT_NOTIFY and the listener ----------------------------------------

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ic-seccomp-test-XXXXXX";
    path_ = ::mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    if (!path_.empty()) (void)fs::RemoveAll(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

UniqueFd Listen(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
    ::close(fd);
    return UniqueFd();
  }
  return UniqueFd(fd);
}

bool WaitReadable(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

TEST(SeccompNotifyTest, AgentReceivesStateAndAnswers) {
  ASSERT_GE(seccomp_api_get(), 5u) << "libseccomp/kernel without user notification";
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string sock_path = dir.path() + "/agent.sock";
  UniqueFd listener = Listen(sock_path);
  ASSERT_TRUE(listener);

  auto s = Profile("SCMP_ACT_ALLOW", {Rule({"mkdir"}, "SCMP_ACT_NOTIFY")});
  s.listener_path = sock_path;
  s.listener_metadata = "MKNOD=/dev/null";
  auto p = CompileSeccomp(s);
  ASSERT_TRUE(p) << p.error().ToString();
  ASSERT_TRUE(p->uses_notify());

  // The child plays init and rune at once: loads the filter, hands the fd
  // to the agent, then makes the notified call.
  const std::string state = R"({"ociVersion":"1.1.0","id":"c1","status":"creating","pid":1,"bundle":"/b"})";
  pid_t child = ::fork();
  if (child == 0) {
    ::alarm(20);
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(100);
    auto fd = LoadSeccomp(*p);
    if (!fd || !fd->Valid()) ::_exit(101);
    if (!SendSeccompListener(sock_path, fd->Get(), state, s.listener_metadata, ::getpid())) ::_exit(102);
    fd->Reset();
    long rc = ::syscall(SYS_mkdir, "/nonexistent-dir/x", 0755);
    ::_exit(rc == 4242 ? 0 : 103);
  }
  ASSERT_GT(child, 0);

  ASSERT_TRUE(WaitReadable(listener.Get(), 10000)) << "no connection from the child";
  UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(conn);
  std::string payload;
  auto notify_fd = RecvFd(conn.Get(), &payload);
  ASSERT_TRUE(notify_fd) << notify_fd.error().ToString();
  // The rest of the stream (normally nothing) up to EOF: one message per
  // connection, then closed.
  char buf[4096];
  for (ssize_t n; (n = ::read(conn.Get(), buf, sizeof buf)) > 0;) payload.append(buf, static_cast<size_t>(n));

  auto j = nlohmann::json::parse(payload, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << payload;
  EXPECT_EQ(j["ociVersion"], "1.1.0");
  EXPECT_EQ(j["fds"], nlohmann::json::array({"seccompFd"}));
  EXPECT_EQ(j["pid"], child);
  EXPECT_EQ(j["metadata"], "MKNOD=/dev/null");
  EXPECT_EQ(j["state"]["id"], "c1");
  EXPECT_EQ(j["state"]["status"], "creating");
  EXPECT_EQ(payload.rfind("{\"ociVersion\":", 0), 0u) << "runc's field order";

  struct seccomp_notif* req = nullptr;
  struct seccomp_notif_resp* resp = nullptr;
  ASSERT_EQ(seccomp_notify_alloc(&req, &resp), 0);
  ASSERT_TRUE(WaitReadable(notify_fd->Get(), 10000)) << "no notification";
  ASSERT_EQ(seccomp_notify_receive(notify_fd->Get(), req), 0);
  EXPECT_EQ(req->pid, static_cast<uint32_t>(child));
  EXPECT_EQ(req->data.nr, SYS_mkdir);
  resp->id = req->id;
  resp->val = 4242;
  resp->error = 0;
  resp->flags = 0;
  EXPECT_EQ(seccomp_notify_respond(notify_fd->Get(), resp), 0);
  seccomp_notify_free(req, resp);

  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ExpectPassed(status);
}

TEST(SeccompNotifyTest, ListenerErrors) {
  auto r = SendSeccompListener("/nonexistent-dir/agent.sock", 0, "{}", "", 1);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().ToString(), HasSubstr("/nonexistent-dir/agent.sock"));
  EXPECT_EQ(r.error().sys_errno(), ENOENT);
  r = SendSeccompListener("/tmp/x.sock", 0, "not json", "", 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  r = SendSeccompListener(std::string(200, 'a'), 0, "{}", "", 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

// --- a realistic profile -----------------------------------------------------

// The shape of moby's/podman's default profile (profiles/seccomp/default.json)
// for x86_64: ERRNO(EPERM) by default, ~350 allowed names (some unknown to
// this libseccomp or only on other architectures), then argument rules.
oci::Seccomp DefaultLikeProfile() {
  oci::Seccomp s;
  s.default_action = "SCMP_ACT_ERRNO";
  s.default_errno_ret = EPERM;
  s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  std::vector<std::string> allowed = {
      "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget", "capset", "chdir",
      "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
      "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range",
      "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl",
      "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
      "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64",
      "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
      "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
      "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
      "futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd",
      "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
      "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
      "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
      "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid",
      "getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
      "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get",
      "ioprio_set", "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
      "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr",
      "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
      "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod",
      "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify",
      "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink",
      "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
      "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2", "pause",
      "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
      "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
      "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv",
      "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
      "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
      "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
      "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
      "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
      "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
      "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
      "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid",
      "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority",
      "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
      "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
      "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
      "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
      "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill",
      "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64",
      "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
      "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask",
      "uname", "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice",
      "wait4", "waitid", "waitpid", "write", "writev", "arch_prctl", "modify_ldt",
      // The capability-gated entries, as generated for a privileged
      // (CAP_SYS_ADMIN, CAP_SYS_PTRACE, ...) container.
      "chroot", "ptrace", "bpf", "perf_event_open", "fanotify_init", "lookup_dcookie", "mount",
      "mount_setattr", "move_mount", "open_tree", "fsconfig", "fsmount", "fsopen", "fspick", "umount", "umount2",
      "unshare", "setns", "syslog", "reboot", "kcmp", "process_vm_readv", "process_vm_writev", "sethostname",
      "setdomainname", "iopl", "ioperm", "settimeofday", "stime", "clock_settime", "clock_settime64", "vhangup",
      "init_module", "finit_module", "delete_module", "quotactl", "quotactl_fd", "pivot_root", "acct",
      "open_by_handle_at", "kexec_load", "kexec_file_load", "add_key", "keyctl", "request_key", "uselib",
      "userfaultfd", "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", "move_pages",
      "migrate_pages", "swapon", "swapoff", "nfsservctl", "pciconfig_read", "pciconfig_write", "pciconfig_iobase"};
  s.syscalls.push_back(Rule(allowed, "SCMP_ACT_ALLOW"));
  // personality: only the harmless domains.
  for (uint64_t persona : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL})
    s.syscalls.push_back(Rule({"personality"}, "SCMP_ACT_ALLOW", std::nullopt, {Arg(0, persona, "SCMP_CMP_EQ")}));
  // clone without namespace flags; clone3 reports ENOSYS so libc falls back.
  s.syscalls.push_back(
      Rule({"clone"}, "SCMP_ACT_ALLOW", std::nullopt, {Arg(0, 2114060288, "SCMP_CMP_MASKED_EQ", 0)}));
  s.syscalls.push_back(Rule({"clone3"}, "SCMP_ACT_ERRNO", ENOSYS));
  // socket: everything but AF_VSOCK (40).
  s.syscalls.push_back(Rule({"socket"}, "SCMP_ACT_ALLOW", std::nullopt, {Arg(0, 40, "SCMP_CMP_NE")}));
  s.syscalls.push_back(Rule({"sync_file_range2", "swapcontext"}, "SCMP_ACT_ALLOW"));
  s.syscalls.push_back(Rule({"arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls"},
                            "SCMP_ACT_ALLOW"));
  s.syscalls.push_back(Rule({"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"}, "SCMP_ACT_ALLOW"));
  s.syscalls.push_back(Rule({"riscv_flush_icache"}, "SCMP_ACT_ALLOW"));
  return s;
}

TEST(SeccompProfileTest, DefaultLikeProfileCompilesAndLoads) {
  oci::Seccomp s = DefaultLikeProfile();
  size_t names = 0;
  for (const auto& r : s.syscalls) names += r.names.size();
  EXPECT_GT(names, 350u);

  // Reported, not asserted: wall time varies with the machine's load, so
  // the thread's CPU time is printed too.
  auto cpu_ms = [] {
    struct timespec ts;
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  };
  auto start = std::chrono::steady_clock::now();
  double cpu_start = cpu_ms();
  auto p = CompileSeccomp(s);
  double cpu = cpu_ms() - cpu_start;
  auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(p) << p.error().ToString();
  std::cout << "[ PROFILE  ] " << names << " names, " << p->instruction_count() << " BPF instructions, "
            << p->skipped_syscalls().size() << " unknown names skipped, compiled in " << elapsed << " ms wall, "
            << cpu << " ms CPU\n";
  RecordProperty("compile_ms", std::to_string(elapsed));

  ExpectPassed(RunFiltered(*p, [] {
    if (::syscall(SYS_getpid) <= 0) return 1;
    errno = 0;
    if (::syscall(SYS_personality, 0xffffffffUL) < 0) return 2;  // allowed query
    errno = 0;
    if (::syscall(SYS_personality, 0x0040000UL) != -1 || errno != EPERM) return 3;  // ADDR_NO_RANDOMIZE: denied
    errno = 0;
    if (::syscall(SYS_clone3, nullptr, 0) != -1 || errno != ENOSYS) return 4;
    errno = 0;
    if (::syscall(SYS_socket, 40, SOCK_STREAM, 0) != -1 || errno != EPERM) return 5;
    errno = 0;
    if (::syscall(SYS_sync_file_range, -1, 0, 0, 0) != -1 || errno != EBADF) return 6;  // allowed, bad fd
    return 0;
  }));
}

}  // namespace
}  // namespace inclavare::runtime
