// containerd as a real OCI-runtime client: a private containerd (its own
// root, state and socket; the CRI plugin off) runs containers through its
// stock runc shim (io.containerd.runc.v2) with `ctr run --runc-binary
// <runtime>`, so the shim drives the runtime exactly as it drives runc:
// create with a pid file and log, start, exec --process --detach, kill,
// delete. Enclave containers get their settings as `--env` flags, as a
// Kubernetes pod spec would give them (upstream's exec broke here: IC#1123).
//
// The shim keeps the runtime's state under /run/containerd/runc/<namespace>;
// each test uses its own namespace and removes it (and the namespace's
// parent cgroups) afterwards.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "tests/integration/harness.h"

extern char** environ;

namespace itest {
namespace {

namespace fs = std::filesystem;

constexpr const char* kContainerd = "/usr/bin/containerd";
constexpr const char* kCtr = "/usr/bin/ctr";

class ContainerdTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (::access(kContainerd, X_OK) != 0 || ::access(kCtr, X_OK) != 0)
      GTEST_SKIP() << "containerd is not installed (" << kContainerd << ", " << kCtr << ")";
    if (::access("/usr/bin/containerd-shim-runc-v2", X_OK) != 0) GTEST_SKIP() << "containerd-shim-runc-v2 is missing";
    dir_ = NewDir("containerd");
    ns_ = "ic-itest-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_);
    socket_ = dir_ + "/c.sock";
    WriteFile(dir_ + "/config.toml", "version = 2\nroot = \"" + dir_ + "/root\"\nstate = \"" + dir_ +
                                         "/state\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n"
                                         "  address = \"" + socket_ + "\"\n[ttrpc]\n  address = \"" + socket_ +
                                         ".ttrpc\"\n");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const std::string log = dir_ + "/containerd.log";
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const std::string config = dir_ + "/config.toml";
    std::vector<char*> argv = {const_cast<char*>(kContainerd), const_cast<char*>("--config"),
                               const_cast<char*>(config.c_str()), nullptr};
    int rc = ::posix_spawn(&daemon_, kContainerd, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ASSERT_EQ(rc, 0) << "spawn containerd: " << strerror(rc);
    ASSERT_TRUE(WaitForFile(socket_, 20s)) << "containerd did not start: " << ReadFile(log);
  }

  void TearDown() override {
    if (daemon_ > 0) {
      for (const std::string& id : containers_) {
        (void)Ctr({"task", "rm", "-f", id});
        (void)Ctr({"container", "rm", id});
      }
      ::kill(daemon_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 200 && ::waitpid(daemon_, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(50ms);
      if (::waitpid(daemon_, &status, WNOHANG) == 0) {
        ::kill(daemon_, SIGKILL);
        ::waitpid(daemon_, &status, 0);
      }
      std::error_code ec;
      fs::remove_all("/run/containerd/runc/" + ns_, ec);
      for (const auto& e : fs::directory_iterator("/sys/fs/cgroup", ec)) {
        ::rmdir((e.path().string() + "/" + ns_).c_str());
      }
      ::rmdir(("/sys/fs/cgroup/unified/" + ns_).c_str());
    }
    IntegrationTest::TearDown();
  }

  ProcResult Ctr(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 60s) {
    std::vector<std::string> argv = {kCtr, "--address", socket_, "--namespace", ns_};
    argv.insert(argv.end(), args.begin(), args.end());
    return rt().RunRaw(argv, timeout);
  }

  // `ctr run` of the busybox test rootfs with the runtime under test.
  ProcResult CtrRun(const std::vector<std::string>& flags, const std::string& id,
                    const std::vector<std::string>& cmd) {
    if (rootfs_.empty()) rootfs_ = NewBundle().rootfs;
    std::vector<std::string> args = {"run", "--rootfs", "--runc-binary", rt().binary};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(rootfs_);
    args.push_back(id);
    args.insert(args.end(), cmd.begin(), cmd.end());
    containers_.push_back(id);
    return Ctr(args);
  }

  ProcResult Exec(const std::string& id, const std::string& exec_id, const std::vector<std::string>& cmd) {
    std::vector<std::string> args = {"task", "exec", "--exec-id", exec_id, id};
    args.insert(args.end(), cmd.begin(), cmd.end());
    return Ctr(args);
  }

  // Polls `ctr task ls` until the task's status is want.
  bool WaitTask(const std::string& id, const std::string& want) {
    for (int i = 0; i < 200; ++i) {
      ProcResult r = Ctr({"task", "ls"});
      std::istringstream in(r.out);
      for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::string task, pid, status;
        f >> task >> pid >> status;
        if (task == id && status == want) return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::string dir_, ns_, socket_, rootfs_;
  pid_t daemon_ = -1;
  std::vector<std::string> containers_;
  static inline int counter_ = 0;
};

TEST_F(ContainerdTest, RunPropagatesOutputAndExitCode) {
  ProcResult r = CtrRun({"--rm"}, "c1", {"/bin/sh", "-c", "echo hello from containerd; exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_EQ(r.out, "hello from containerd\n");
}

TEST_F(ContainerdTest, ExecKillAndDelete) {
  ProcResult r = CtrRun({"-d"}, "c2", {"/test_init", "sleep", "60"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_TRUE(WaitTask("c2", "RUNNING"));
  r = Exec("c2", "e1", {"/bin/sh", "-c", "printf '%s|' \"$@\"", "x", "a  b", " c "});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "a  b| c |");
  r = Exec("c2", "e2", {"/bin/sh", "-c", "exit 4"});
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  // The container is the runtime's: its state is where the shim keeps it.
  ProcResult s = rt().RunRaw({rt().binary, "--root", "/run/containerd/runc/" + ns_, "state", "c2"});
  ASSERT_EQ(s.exit_code, 0) << s.Describe();
  EXPECT_EQ(ParseJson(s.out).value("status", ""), "running") << s.out;
  r = Ctr({"task", "kill", "-s", "SIGKILL", "c2"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(WaitTask("c2", "STOPPED"));
  r = Ctr({"task", "rm", "c2"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  r = Ctr({"container", "rm", "c2"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_FALSE(fs::exists("/run/containerd/runc/" + ns_ + "/c2")) << "the runtime's state was left behind";
}

// An enclave container under containerd: the settings come as --env, the
// runtime is rune (the test-double PAL exec-pal v3).
class ContainerdEnclaveTest : public ContainerdTest {
 protected:
  void SetUp() override {
    ContainerdTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (UnderTestIsRunc()) GTEST_SKIP() << "enclave containers are rune's";
    // The shim does not pass the test's environment on to the runtime, so
    // rune finds the sim platform where it is by default (as in
    // podman_test.cc).
    if (::access("/var/lib/inclavare/sim/VERSION", F_OK) != 0) {
      std::string cmd = std::string(IT_SGX_TOOLS) + " sim init --dir /var/lib/inclavare/sim >/dev/null 2>&1";
      ASSERT_EQ(std::system(cmd.c_str()), 0);
    }
  }
  static std::vector<std::string> EnclaveEnv() {
    return {"--env", "ENCLAVE_TYPE=sim", "--env",
            std::string("ENCLAVE_RUNTIME_PATH=") + IT_EXEC_PAL_DIR + "/libexec-pal-v3.so"};
  }
};

TEST_F(ContainerdEnclaveTest, RunThroughThePal) {
  std::vector<std::string> flags = {"--rm"};
  for (const auto& f : EnclaveEnv()) flags.push_back(f);
  ProcResult r = CtrRun(flags, "e1", {"/bin/sh", "-c", "echo \"settings left: [$ENCLAVE_TYPE]\"; exit 6"});
  EXPECT_EQ(r.exit_code, 6) << r.Describe();
  EXPECT_EQ(r.out, "settings left: []\n");
}

TEST_F(ContainerdEnclaveTest, ExecIntoARunningEnclaveContainer) {
  std::vector<std::string> flags = {"-d"};
  for (const auto& f : EnclaveEnv()) flags.push_back(f);
  ProcResult r = CtrRun(flags, "e2", {"/test_init", "sleep", "60"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_TRUE(WaitTask("e2", "RUNNING"));
  const std::string root = "/run/containerd/runc/" + ns_;
  ProcResult s = rt().RunRaw({rt().binary, "--root", root, "state", "e2"});
  ASSERT_EQ(s.exit_code, 0) << s.Describe();
  EXPECT_EQ(ParseJson(s.out).value("status", ""), "running");
  // It is an enclave container: rune recorded the settings from --env.
  json record = ParseJson(ReadFile(root + "/e2/state.json"));
  EXPECT_EQ(record["enclave"]["type"], "sim") << record.dump();
  r = Exec("e2", "x1", {"/bin/echo", "a  b", "c"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "a  b c\n");
  r = Exec("e2", "x2", {"/bin/sh", "-c", "exit 4"});
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  r = Ctr({"task", "kill", "-s", "SIGTERM", "e2"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(WaitTask("e2", "STOPPED"));
}

// The skeleton enclave runtime under containerd, quoted with `rune attest`
// from the state the shim keeps: the flow of a Kubernetes pod on an SGX node.
TEST_F(ContainerdEnclaveTest, SkeletonEnclaveIsAttestedFromTheShimsState) {
  const std::string sim = "/var/lib/inclavare/sim";
  const std::string work = NewDir("attest"), sock = work + "/aesm.socket";
  pid_t aesmd = ::fork();
  if (aesmd == 0) {
    ::execl(IT_AESMD_SIM, "aesmd-sim", "--dir", sim.c_str(), "--socket", sock.c_str(), nullptr);
    ::_exit(127);
  }
  ASSERT_GT(aesmd, 0);
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{aesmd};
  ASSERT_TRUE(WaitForFile(sock));

  const std::string pal = std::string(IT_SKELETON_DIR) + "/liberpal-skeleton-v3.so";
  ProcResult r = CtrRun({"-d", "--env", "ENCLAVE_TYPE=sim", "--env", "ENCLAVE_RUNTIME_PATH=" + pal,
                         "--env", "ENCLAVE_RUNTIME_LOGLEVEL=error"},
                        "sk", {"skeleton", "wait-signal"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_TRUE(WaitTask("sk", "RUNNING"));
  r = Exec("sk", "x1", {"skeleton", "echo", "two  spaces"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "two  spaces\n");

  const std::string quote = work + "/quote.bin";
  r = rt().RunRaw({rt().binary, "--root", "/run/containerd/runc/" + ns_, "attest", "--aesm-socket", sock,
                   "--quote-file", quote, "sk"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::string predicted = ReadFile(std::string(IT_SKELETON_DIR) + "/liberpal-skeleton/enclave.mrenclave");
  while (!predicted.empty() && (predicted.back() == '\n' || predicted.back() == ' ')) predicted.pop_back();
  ASSERT_EQ(predicted.size(), 64u);
  EXPECT_EQ(ParseJson(r.out)["report"]["mr_enclave"], predicted) << r.out;
  ProcResult v = rt().RunRaw({IT_SGX_TOOLS, "verify-quote", "--quote", quote, "--root-ca", sim + "/root_ca.pem",
                              "--tcb-info", sim + "/collateral/tcb_info.json", "--qe-identity",
                              sim + "/collateral/qe_identity.json", "--pck-crl",
                              sim + "/collateral/pck_platform_ca.crl.der", "--root-crl",
                              sim + "/collateral/root_ca.crl.der", "--tcb-signing-cert", sim + "/tcb_signing.pem",
                              "--sim"});
  ASSERT_EQ(v.exit_code, 0) << v.Describe();
  EXPECT_EQ(ParseJson(v.out)["claims"]["mr_enclave"], predicted) << v.out;

  r = Ctr({"task", "kill", "-s", "SIGTERM", "sk"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(WaitTask("sk", "STOPPED"));
}

}  // namespace
}  // namespace itest
