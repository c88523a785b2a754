// podman as a real OCI-runtime client: `podman --runtime <binary> run` on an
// image imported from the busybox test rootfs (no network here). Storage,
// run root and tmp dir are private to the test, so runs are independent.
//
// This sandbox lacks CAP_SYS_RESOURCE and podman asks for RLIMIT_NPROC at
// the current hard limit by default, which the runtime cannot set from
// inside the new process (runc fails the same way), so nproc is given
// explicitly next to the nofile limit podman needs here.
#include <unistd.h>

#include <cstdlib>

#include "tests/integration/harness.h"

namespace itest {
namespace {

std::string FindPodman() {
  for (const char* p : {"/usr/bin/podman", "/usr/local/bin/podman", "/bin/podman"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

class PodmanTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped()) return;
    podman_ = FindPodman();
    if (podman_.empty()) GTEST_SKIP() << "podman is not installed";
    std::string dir = NewDir("podman");
    base_ = {podman_,        "--root",         dir + "/storage", "--runroot",
             dir + "/run",   "--tmpdir",       dir + "/tmp",     "--storage-driver",
             "vfs",          "--cgroup-manager", "cgroupfs",     "--events-backend",
             "file"};
    Bundle b = NewBundle();
    std::string tar = dir + "/rootfs.tar";
    ProcResult t = rt().RunRaw({"/bin/tar", "-C", b.rootfs, "-cf", tar, "."}, 60s);
    ASSERT_EQ(t.exit_code, 0) << t.Describe();
    ProcResult imp = Podman({"import", tar, image_}, 120s);
    ASSERT_EQ(imp.exit_code, 0) << imp.Describe();
  }

  ProcResult Podman(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = 60s) {
    std::vector<std::string> argv = base_;
    argv.insert(argv.end(), args.begin(), args.end());
    return rt().RunRaw(argv, timeout);
  }

  ProcResult PodmanRun(const std::vector<std::string>& cmd) {
    std::vector<std::string> args = {"--runtime", rt().binary, "run", "--rm",
                                     "--network", "none",
                                     "--ulimit", "nofile=1024:1024",
                                     "--ulimit", "nproc=1024:1024", image_};
    args.insert(args.end(), cmd.begin(), cmd.end());
    return Podman(args, 120s);
  }

  // podman run with extra flags before the image.
  ProcResult PodmanRunWith(const std::vector<std::string>& flags, const std::vector<std::string>& cmd) {
    std::vector<std::string> args = {"--runtime", rt().binary, "run", "--rm", "--network", "none",
                                     "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(image_);
    args.insert(args.end(), cmd.begin(), cmd.end());
    return Podman(args, 120s);
  }

  std::string podman_;
  std::vector<std::string> base_;
  const std::string image_ = "localhost/ic-itest-busybox:latest";
};

TEST_F(PodmanTest, RunTrue) {
  ProcResult r = PodmanRun({"/bin/true"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
}

TEST_F(PodmanTest, RunEcho) {
  ProcResult r = PodmanRun({"/bin/echo", "hello from podman"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "hello from podman\n");
}

TEST_F(PodmanTest, RunExitCode) {
  ProcResult r = PodmanRun({"/bin/sh", "-c", "exit 5"});
  EXPECT_EQ(r.exit_code, 5) << r.Describe();
}

TEST_F(PodmanTest, RunReport) {
  ProcResult r = PodmanRun({"/test_init", "report"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json j = ParseJson(r.out);
  EXPECT_EQ(j["pid"], 1);
  EXPECT_EQ(j["rlimits"]["RLIMIT_NOFILE"], json::array({1024, 1024}));
}

// An enclave container through podman: the settings come as -e flags, the
// runtime is rune (the test-double PAL exec-pal; skeleton_test.cc runs the
// skeleton enclave runtime the same way).
class PodmanEnclaveTest : public PodmanTest {
 protected:
  void SetUp() override {
    PodmanTest::SetUp();
    if (IsSkipped()) return;
    if (UnderTestIsRunc()) GTEST_SKIP() << "enclave containers are rune's";
    // conmon does not pass podman's environment on to the runtime, so rune
    // finds the sim platform where it is by default; created here if
    // missing (and kept: it is the host's sim platform, as after
    // `sgx-tools sim init`).
    if (::access("/var/lib/inclavare/sim/VERSION", F_OK) != 0) {
      std::string cmd = std::string(IT_SGX_TOOLS) + " sim init --dir /var/lib/inclavare/sim >/dev/null 2>&1";
      ASSERT_EQ(std::system(cmd.c_str()), 0);
    }
  }
  std::vector<std::string> EnclaveFlags() const {
    return {"-e", "ENCLAVE_TYPE=sim", "-e", std::string("ENCLAVE_RUNTIME_PATH=") + IT_EXEC_PAL_DIR + "/libexec-pal-v3.so"};
  }
};

TEST_F(PodmanEnclaveTest, RunsAndPropagatesTheExitCode) {
  ProcResult r = PodmanRunWith(EnclaveFlags(), {"/bin/echo", "from the enclave runtime"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "from the enclave runtime\n");
  r = PodmanRunWith(EnclaveFlags(), {"/bin/sh", "-c", "exit 6"});
  EXPECT_EQ(r.exit_code, 6) << r.Describe();
}

TEST_F(PodmanEnclaveTest, ExecIntoARunningEnclaveContainer) {
  std::string name = "ic-enclave-" + std::to_string(::getpid());
  std::vector<std::string> args = {"--runtime", rt().binary, "run", "-d", "--name", name, "--network", "none",
                                   "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"};
  for (const auto& f : EnclaveFlags()) args.push_back(f);
  args.push_back(image_);
  args.push_back("/bin/sleep");
  args.push_back("60");
  ProcResult r = Podman(args, 120s);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Podman({"--runtime", rt().binary, "exec", name, "/bin/echo", "a  b", "c"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "a  b c\n");
  r = Podman({"--runtime", rt().binary, "exec", name, "/bin/sh", "-c", "exit 4"});
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  (void)Podman({"--runtime", rt().binary, "rm", "-f", "-t", "0", name}, 120s);
}

}  // namespace
}  // namespace itest
