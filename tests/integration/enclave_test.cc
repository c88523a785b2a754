// Enclave containers through rune's init-runelet, with test-double enclave
// runtimes (exec_pal.c, PAL API v1/v2/v3, which run the workload as a plain
// process): settings from env and annotations, errors and clean-up, stdio,
// exit codes, signal forwarding with the right pid, exec, delete of a
// created container calling pal_destroy. The skeleton enclave runtime on
// the sim platform has its own tests (skeleton_test.cc).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>


#include <future>

#include "tests/integration/console.h"
#include "tests/integration/sim_platform.h"

namespace itest {
namespace {

std::string PalPath(int version) { return std::string(IT_EXEC_PAL_DIR) + "/libexec-pal-v" + std::to_string(version) + ".so"; }

class EnclaveTest : public SimPlatformTest {
 protected:
  // A bundle whose process runs through exec-pal-v<version>.
  Bundle EnclaveBundle(int version, const std::vector<std::string>& args, const std::string& pal_args = "") {
    return SimPlatformTest::EnclaveBundle(PalPath(version), args, pal_args);
  }

  // Nothing of the container is left: state, processes, mounts.
  void ExpectNothingLeft(const Bundle& b, const std::string& id) {
    EXPECT_FALSE(Exists(rt().root + "/" + id)) << "state directory left behind";
    EXPECT_TRUE(PidsRootedUnder(b.rootfs).empty()) << "processes left behind";
    EXPECT_TRUE(HostMountsContaining(b.rootfs).empty()) << "mounts left behind";
  }
};

TEST_F(EnclaveTest, ExitCodeOfEachPalVersion) {
  for (int v = 1; v <= 3; ++v) {
    Bundle b = EnclaveBundle(v, {"/test_init", "exit", "7"});
    ProcResult r = RunContainer(rt(), b);
    EXPECT_EQ(r.exit_code, 7) << "PAL v" << v << ": " << r.Describe();
  }
}

TEST_F(EnclaveTest, SettingsLeaveTheWorkloadEnvironment) {
  Bundle b = EnclaveBundle(2, {"/test_init", "report"});
  json r = RunJson(rt(), b);
  ASSERT_TRUE(r.is_object());
  for (const auto& e : r["env"]) EXPECT_EQ(e.get<std::string>().rfind("ENCLAVE_", 0), std::string::npos) << e;
}

TEST_F(EnclaveTest, SettingsFromAnnotations) {
  Bundle b = NewBundle();
  b.SetArgs({"/test_init", "exit", "3"});
  b.spec["annotations"] = {{"enclave.type", "sim"}, {"enclave.runtime.path", PalPath(3)}};
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
}

TEST_F(EnclaveTest, EnvOverridesAnnotation) {
  std::string log = NewDir("log") + "/pal.log";
  Bundle b = EnclaveBundle(2, {"/test_init", "exit", "0"}, "log=" + log);
  b.spec["annotations"] = {{"enclave.type", "sim"}, {"enclave.runtime.path", "/nonexistent/pal.so"}};
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(ReadFile(log).find("init v2"), std::string::npos);
}

// The enclave runtime may load while the init makes the mounts, but not
// when that could change what it sees: hooks that run before pal_init
// (createRuntime in rune's namespace, createContainer in the container's)
// still run before it ...
TEST_F(EnclaveTest, HooksBeforePalInitRunBeforeIt) {
  for (const char* kind : {"createRuntime", "createContainer"}) {
    SCOPED_TRACE(kind);
    std::string log = NewDir(std::string("log-") + kind) + "/pal.log";
    std::string hook = NewDir(std::string("hook-") + kind) + "/hook.sh";
    WriteFile(hook, "#!/bin/sh\necho hook >> " + log + "\n", 0755);
    Bundle b = EnclaveBundle(2, {"/test_init", "exit", "0"}, "log=" + log);
    b.spec["hooks"] = {{kind, {{{"path", hook}}}}};
    ProcResult r = RunContainer(rt(), b);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::string text = ReadFile(log);
    size_t hook_at = text.find("hook"), init_at = text.find("init v2");
    ASSERT_NE(hook_at, std::string::npos) << text;
    ASSERT_NE(init_at, std::string::npos) << text;
    EXPECT_LT(hook_at, init_at) << text;
  }
}

// ... and a PAL whose path lies in the rootfs loads after the mounts, from
// what they put there (here a bind mount brings another PAL of that name).
TEST_F(EnclaveTest, PalInsideTheRootfsLoadsAfterTheMounts) {
  std::string log = NewDir("log") + "/pal.log";
  Bundle b = EnclaveBundle(2, {"/test_init", "exit", "0"}, "log=" + log);
  std::string hidden = b.rootfs + "/pal";
  std::string shown = NewDir("pal");
  ASSERT_EQ(::mkdir(hidden.c_str(), 0755), 0);
  WriteFile(hidden + "/pal.so", ReadFile(PalPath(1)), 0755);
  WriteFile(shown + "/pal.so", ReadFile(PalPath(3)), 0755);
  for (auto& e : b.spec["process"]["env"])
    if (e.get<std::string>().rfind("ENCLAVE_RUNTIME_PATH=", 0) == 0) e = "ENCLAVE_RUNTIME_PATH=" + hidden + "/pal.so";
  b.AddMount("/pal", "bind", shown, {"rbind", "ro"});
  ProcResult r = RunContainer(rt(), b);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(ReadFile(log).find("init v3"), std::string::npos) << ReadFile(log);
}

TEST_F(EnclaveTest, StateRecordsTheEnclave) {
  Bundle b = EnclaveBundle(2, {"/test_init", "sleep", "30"});
  std::string id = NewId();
  b.Write();
  ASSERT_EQ(rt().Run({"create", "--bundle", b.dir, id}).exit_code, 0);
  json state = ParseJson(ReadFile(rt().root + "/" + id + "/state.json"));
  EXPECT_EQ(state["enclave"]["type"], "sim");
  EXPECT_EQ(state["enclave"]["runtimePath"], PalPath(2));
  EXPECT_EQ(state["enclave"]["logLevel"], "debug");
  EXPECT_TRUE(Exists(rt().root + "/" + id + "/runelet.sock"));
  EXPECT_EQ(rt().Run({"delete", id}).exit_code, 0);
}

struct BadSetting {
  const char* name;
  std::vector<std::string> env;
  const char* message;
};

TEST_F(EnclaveTest, BadSettingsFailClearlyAndLeaveNothing) {
  std::string empty_sim = NewDir("empty-sim");
  const BadSetting cases[] = {
      {"unknown type", {"ENCLAVE_TYPE=sgx2", "ENCLAVE_RUNTIME_PATH=" + PalPath(2)}, "unknown enclave type"},
      {"no runtime", {"ENCLAVE_TYPE=sim"}, "no enclave runtime"},
      {"runtime without type", {"ENCLAVE_RUNTIME_PATH=" + PalPath(2)}, "no enclave type"},
      {"missing PAL", {"ENCLAVE_TYPE=sim", "ENCLAVE_RUNTIME_PATH=/nonexistent/liberpal.so"}, "/nonexistent/liberpal.so"},
      {"relative PAL", {"ENCLAVE_TYPE=sim", "ENCLAVE_RUNTIME_PATH=liberpal.so"}, "absolute"},
      {"not a PAL", {"ENCLAVE_TYPE=sim", "ENCLAVE_RUNTIME_PATH=" + TestInitPath()}, "load enclave runtime"},
      {"bad log level",
       {"ENCLAVE_TYPE=sim", "ENCLAVE_RUNTIME_PATH=" + PalPath(2), "ENCLAVE_RUNTIME_LOGLEVEL=loud"},
       "unknown log level"},
      {"init fails",
       {"ENCLAVE_TYPE=sim", "ENCLAVE_RUNTIME_PATH=" + PalPath(3), "ENCLAVE_RUNTIME_ARGS=fail-init"},
       "pal_init failed: Invalid argument (-22)"},
      {"no SGX device", {"ENCLAVE_TYPE=intelSgx", "ENCLAVE_RUNTIME_PATH=" + PalPath(2)}, "needs an SGX device"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Bundle b = NewBundle();
    b.SetArgs({"/test_init", "exit", "0"});
    for (const auto& e : c.env) b.spec["process"]["env"].push_back(e);
    b.Write();
    std::string id = NewId();
    ProcResult r = rt().Run({"create", "--bundle", b.dir, id});
    EXPECT_NE(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.Describe();
    ExpectNothingLeft(b, id);
  }
  {
    SCOPED_TRACE("no sim platform");
    ::setenv("INCLAVARE_SIM_DIR", empty_sim.c_str(), 1);
    Bundle b = EnclaveBundle(2, {"/test_init", "exit", "0"});
    b.Write();
    std::string id = NewId();
    ProcResult r = rt().Run({"create", "--bundle", b.dir, id});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("sgx-tools sim init"), std::string::npos) << r.Describe();
    ExpectNothingLeft(b, id);
  }
}

TEST_F(EnclaveTest, CreateProcessFailureFailsStart) {
  Bundle b = EnclaveBundle(2, {"/test_init", "exit", "0"}, "fail-create");
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"create", "--bundle", b.dir, id}).exit_code, 0);
  ProcResult r = rt().Run({"start", id});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("pal_create_process failed: Exec format error (-8)"), std::string::npos) << r.Describe();
}

TEST_F(EnclaveTest, SignalsReachTheWorkloadThroughPalKill) {
  std::string log = NewDir("log") + "/pal.log";
  Bundle b = EnclaveBundle(2, {"/test_init", "wait-signal", "/ready"}, "log=" + log);
  b.Write();
  std::string id = NewId();
  Proc p = rt().Spawn({"run", "--bundle", b.dir, id});
  ASSERT_TRUE(WaitForFile(b.rootfs + "/ready"));
  ASSERT_EQ(rt().Run({"kill", id, "USR1"}).exit_code, 0);
  ProcResult r = p.Wait();
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("{\"signal\":10}"), std::string::npos) << r.Describe();
  // The PAL got the workload's pid and the signal, in that order.
  EXPECT_NE(ReadFile(log).find("kill pid 10"), std::string::npos) << ReadFile(log);
  EXPECT_NE(ReadFile(log).find("destroy"), std::string::npos);
}

TEST_F(EnclaveTest, KillWithTermEndsTheContainer) {
  Bundle b = EnclaveBundle(3, {"/test_init", "sleep", "60"});
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
  ASSERT_EQ(rt().Run({"kill", id, "TERM"}).exit_code, 0);
  EXPECT_TRUE(WaitStatus(rt(), id, "stopped"));
  EXPECT_EQ(rt().Run({"delete", id}).exit_code, 0);
  ExpectNothingLeft(b, id);
}

TEST_F(EnclaveTest, DeleteOfACreatedContainerDestroysThePal) {
  std::string log = NewDir("log") + "/pal.log";
  Bundle b = EnclaveBundle(3, {"/test_init", "exit", "0"}, "log=" + log);
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"create", "--bundle", b.dir, id}).exit_code, 0);
  EXPECT_NE(ReadFile(log).find("init fd=-1 addr=0"), std::string::npos) << ReadFile(log);
  ASSERT_EQ(rt().Run({"delete", id}).exit_code, 0);
  EXPECT_NE(ReadFile(log).find("destroy"), std::string::npos) << ReadFile(log);
  ExpectNothingLeft(b, id);
}

TEST_F(EnclaveTest, ExecRunsThroughTheRunelet) {
  std::string log = NewDir("log") + "/pal.log";
  Bundle b = EnclaveBundle(2, {"/test_init", "sleep", "60"}, "log=" + log);
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
  ProcResult r = rt().Run({"exec", id, "/test_init", "exit", "5"});
  EXPECT_EQ(r.exit_code, 5) << r.Describe();
  // Arguments stay intact (upstream joined them with spaces).
  r = rt().Run({"exec", id, "/bin/echo", "a  b", "c"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "a  b c\n");
  std::string pal_log = ReadFile(log);
  EXPECT_NE(pal_log.find("arg a  b\n"), std::string::npos) << pal_log;
  // --env reaches the process; the container's environment is the base.
  r = rt().Run({"exec", "--env", "EXTRA=1", id, "/test_init", "report"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json rep = ParseJson(r.out);
  bool found = false;
  for (const auto& e : rep["env"]) found |= e == "EXTRA=1";
  EXPECT_TRUE(found) << r.out;
  ASSERT_EQ(rt().Run({"kill", id, "KILL"}).exit_code, 0);
  EXPECT_TRUE(WaitStatus(rt(), id, "stopped"));
}

TEST_F(EnclaveTest, DetachedExecForwardsSignalsAndReportsTheExitCode) {
  Bundle b = EnclaveBundle(2, {"/test_init", "sleep", "60"});
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
  std::string pid_file = NewDir("exec") + "/pid";
  // As containerd's shim runs it: detached, with a pid file; the pid is the
  // process to wait for and to signal.
  std::string ready = "/exec-ready";
  Proc waiter = rt().Spawn({"exec", "-d", "--pid-file", pid_file, id, "/test_init", "wait-signal", ready});
  ProcResult started = waiter.Wait();
  ASSERT_EQ(started.exit_code, 0) << started.Describe();
  ASSERT_TRUE(WaitForFile(b.rootfs + ready));
  pid_t pid = std::stoi(ReadFile(pid_file));
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGUSR2), 0);
  // The proxy exits with the enclave process's code (0 after the signal).
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) ::usleep(50000);
  EXPECT_NE(::kill(pid, 0), 0) << "exec proxy still running";
  ASSERT_EQ(rt().Run({"kill", id, "KILL"}).exit_code, 0);
}

TEST_F(EnclaveTest, PalV1ExecIsRefusedClearly) {
  Bundle b = EnclaveBundle(1, {"/test_init", "sleep", "60"});
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
  ProcResult r = rt().Run({"exec", id, "/test_init", "exit", "0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("PAL API v2"), std::string::npos) << r.Describe();
  ASSERT_EQ(rt().Run({"kill", id, "KILL"}).exit_code, 0);
}

// CVE-2019-5736: the init-runelet lives as long as the container, so its
// /proc/<pid>/exe must not lead to the host's rune-runelet: rune runs it
// from a read-only overlayfs view of its directory (or, unprivileged, a
// sealed memfd copy). Even root cannot write through that link.
TEST_F(EnclaveTest, InitRuneletCannotBeWrittenThroughProcExe) {
  Bundle b = EnclaveBundle(2, {"/test_init", "sleep", "60"});
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
  json st = State(rt(), id);
  ASSERT_TRUE(st.is_object());
  const std::string exe = "/proc/" + std::to_string(st["pid"].get<int>()) + "/exe";
  const std::string host = rt().binary.substr(0, rt().binary.rfind('/') + 1) + "rune-runelet";
  struct stat host_st {}, exe_st {};
  ASSERT_EQ(::stat(host.c_str(), &host_st), 0) << host;
  ASSERT_EQ(::stat(exe.c_str(), &exe_st), 0) << exe;
  EXPECT_FALSE(exe_st.st_dev == host_st.st_dev && exe_st.st_ino == host_st.st_ino)
      << "the init-runelet runs from the host's binary";
  for (int flags : {O_WRONLY, O_RDWR, O_WRONLY | O_APPEND}) {
    int fd = ::open(exe.c_str(), flags | O_CLOEXEC);
    if (fd >= 0) {
      // A sealed memfd opens, but refuses the write.
      EXPECT_LT(::write(fd, "x", 1), 0) << "wrote through " << exe;
      ::close(fd);
    }
  }
  // The container still runs and the host binary is untouched.
  struct stat after {};
  ASSERT_EQ(::stat(host.c_str(), &after), 0);
  EXPECT_EQ(after.st_size, host_st.st_size);
  EXPECT_EQ(after.st_mtim.tv_sec, host_st.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, host_st.st_mtim.tv_nsec);
  ASSERT_EQ(rt().Run({"kill", id, "KILL"}).exit_code, 0);
}

// process.terminal: the init-runelet hands the pty to the enclave runtime;
// `exec -t` does the same through the exec proxy.
TEST_F(EnclaveTest, TerminalForTheContainerAndForExec) {
  for (int v = 1; v <= 3; ++v) {
    SCOPED_TRACE("v" + std::to_string(v));
    Bundle b = EnclaveBundle(v, {"/test_init", "isatty"});
    b.spec["process"]["terminal"] = true;
    b.Write();
    std::string sock = NewDir("console-" + std::to_string(v)) + "/console.sock";
    ConsoleServer server(sock);
    auto master_future = std::async(std::launch::async, [&] { return server.ReceiveFd(); });
    std::string id = NewId();
    ProcResult c = rt().Run({"create", "--console-socket", sock, "--bundle", b.dir, id});
    ASSERT_EQ(c.exit_code, 0) << c.Describe();
    int master = master_future.get();
    ASSERT_GE(master, 0) << "no pty master on the console socket";
    ASSERT_EQ(rt().Run({"start", id}).exit_code, 0);
    std::string out = DrainPty(master);
    ::close(master);
    EXPECT_EQ(ParseJson(out), json({{"stdin", true}, {"stdout", true}, {"stderr", true}})) << out;
    EXPECT_TRUE(WaitStatus(rt(), id, "stopped"));
  }

  Bundle b = EnclaveBundle(2, {"/test_init", "sleep", "60"});
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
  std::string sock = NewDir("exec-console") + "/console.sock";
  ConsoleServer server(sock);
  auto master_future = std::async(std::launch::async, [&] { return server.ReceiveFd(); });
  ProcResult e = rt().Run({"exec", "-t", "-d", "--console-socket", sock, id, "/test_init", "isatty"});
  ASSERT_EQ(e.exit_code, 0) << e.Describe();
  int master = master_future.get();
  ASSERT_GE(master, 0);
  std::string out = DrainPty(master);
  ::close(master);
  EXPECT_EQ(ParseJson(out), json({{"stdin", true}, {"stdout", true}, {"stderr", true}})) << out;
  ASSERT_EQ(rt().Run({"kill", id, "KILL"}).exit_code, 0);
}

}  // namespace
}  // namespace itest
