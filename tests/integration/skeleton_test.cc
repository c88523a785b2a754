// The skeleton enclave runtime (pal/skeleton) under rune on the SIMULATED SGX
// platform: each PAL version through run, exec, kill and delete with stdio
// and exit codes, and `rune attest` of the v3 enclave, whose quote verifies
// against the sim root with the MRENCLAVE `sgx-tools measure` predicted at
// build time.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "tests/integration/sim_platform.h"

namespace itest {
namespace {

std::string Pal(int v) { return std::string(IT_SKELETON_DIR) + "/liberpal-skeleton-v" + std::to_string(v) + ".so"; }
std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class SkeletonTest : public SimPlatformTest {
 protected:
  Bundle SkeletonBundle(int v, const std::vector<std::string>& args) {
    return EnclaveBundle(Pal(v), args, "", "error");
  }
};

TEST_F(SkeletonTest, EveryVersionRunsTheEnclave) {
  for (int v = 1; v <= 3; ++v) {
    SCOPED_TRACE("v" + std::to_string(v));
    Bundle b = SkeletonBundle(v, {"skeleton", "hello"});
    ProcResult r = RunContainer(rt(), b);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.out.find("Hello from the skeleton enclave (SIMULATED SGX)"), std::string::npos) << r.Describe();
    Bundle e = SkeletonBundle(v, {"skeleton", "echo", "two  spaces", "x"});
    r = RunContainer(rt(), e);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(r.out, "two  spaces\nx\n");
    Bundle x = SkeletonBundle(v, {"skeleton", "exit", "42"});
    EXPECT_EQ(RunContainer(rt(), x).exit_code, 42);
  }
}

TEST_F(SkeletonTest, TheEnclaveSeesTheContainerEnvironment) {
  for (int v : {1, 3}) {
    Bundle b = SkeletonBundle(v, {"skeleton", "env"});
    b.spec["process"]["env"].push_back("GREETING=hi there");
    ProcResult r = RunContainer(rt(), b);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.out.find("GREETING=hi there\n"), std::string::npos) << "v" << v << ": " << r.out;
    EXPECT_EQ(r.out.find("ENCLAVE_"), std::string::npos) << r.out;
  }
}

TEST_F(SkeletonTest, SignalsReachTheEnclave) {
  for (int v = 2; v <= 3; ++v) {
    SCOPED_TRACE("v" + std::to_string(v));
    Bundle b = SkeletonBundle(v, {"skeleton", "wait-signal"});
    b.Write();
    std::string id = NewId();
    Proc p = rt().Spawn({"run", "--bundle", b.dir, id});
    for (int i = 0; i < 200 && p.Stdout().find("waiting for signals") == std::string::npos; ++i)
      std::this_thread::sleep_for(25ms);
    ASSERT_NE(p.Stdout().find("waiting for signals"), std::string::npos);
    ASSERT_EQ(rt().Run({"kill", id, "USR1"}).exit_code, 0);
    for (int i = 0; i < 200 && p.Stdout().find("signal 10") == std::string::npos; ++i)
      std::this_thread::sleep_for(25ms);
    ASSERT_EQ(rt().Run({"kill", id, "TERM"}).exit_code, 0);
    ProcResult r = p.Wait();
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.out.find("signal 10\n"), std::string::npos) << r.Describe();
    EXPECT_NE(r.out.find("signal 15\n"), std::string::npos) << r.Describe();
  }
}

TEST_F(SkeletonTest, ExecAndDelete) {
  for (int v = 2; v <= 3; ++v) {
    SCOPED_TRACE("v" + std::to_string(v));
    Bundle b = SkeletonBundle(v, {"skeleton", "wait-signal"});
    b.Write();
    std::string id = NewId();
    ASSERT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
    ProcResult r = rt().Run({"exec", id, "skeleton", "echo", "a  b"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(r.out, "a  b\n");
    EXPECT_EQ(rt().Run({"exec", id, "skeleton", "exit", "7"}).exit_code, 7);
    EXPECT_EQ(rt().Run({"delete", "-f", id}).exit_code, 0);
    EXPECT_TRUE(PidsRootedUnder(b.rootfs).empty());
    EXPECT_FALSE(Exists(rt().root + "/" + id));
  }
}

TEST_F(SkeletonTest, TamperedEnclaveImageDoesNotStart) {
  std::string dir = NewDir("pal");
  std::filesystem::copy(IT_SKELETON_DIR, dir, std::filesystem::copy_options::recursive);
  // One byte of the enclave image changed: its measurement no longer
  // matches the SIGSTRUCT, EINIT refuses it, and so does rune create.
  std::string image = dir + "/liberpal-skeleton/enclave.so";
  std::string bytes = ReadFile(image);
  ASSERT_GT(bytes.size(), 0x1100u);
  bytes[0x1080] ^= 1;
  WriteFile(image, bytes, 0755);
  Bundle b = SkeletonBundle(3, {"skeleton", "hello"});
  for (auto& e : b.spec["process"]["env"])
    if (e.get<std::string>().rfind("ENCLAVE_RUNTIME_PATH=", 0) == 0) e = "ENCLAVE_RUNTIME_PATH=" + dir + "/liberpal-skeleton-v3.so";
  b.Write();
  std::string id = NewId();
  ProcResult r = rt().Run({"create", "--bundle", b.dir, id});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("pal_init failed"), std::string::npos) << r.Describe();
  EXPECT_FALSE(Exists(rt().root + "/" + id));
}

TEST_F(SkeletonTest, AttestQuoteVerifiesWithThePredictedMeasurement) {
  std::string work = NewDir("attest");
  std::string sock = work + "/aesm.socket";
  pid_t aesmd = ::fork();
  if (aesmd == 0) {
    ::execl(IT_AESMD_SIM, "aesmd-sim", "--dir", sim_dir().c_str(), "--socket", sock.c_str(), nullptr);
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

  Bundle b = SkeletonBundle(3, {"skeleton", "wait-signal"});
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
  std::string quote = work + "/quote.bin", report = work + "/report.bin";
  ProcResult r = rt().Run({"attest", "--aesm-socket", sock, "--quote-file", quote, "--report-file", report, id});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  json out = ParseJson(r.out);
  std::string predicted = Trim(ReadFile(std::string(IT_SKELETON_DIR) + "/liberpal-skeleton/enclave.mrenclave"));
  ASSERT_EQ(predicted.size(), 64u);
  EXPECT_EQ(out["report"]["mr_enclave"], predicted) << r.out;
  EXPECT_EQ(ReadFile(report).size(), 432u);

  std::string d = sim_dir();
  ProcResult v = rt().RunRaw({IT_SGX_TOOLS, "verify-quote", "--quote", quote, "--root-ca", d + "/root_ca.pem",
                              "--tcb-info", d + "/collateral/tcb_info.json", "--qe-identity",
                              d + "/collateral/qe_identity.json", "--pck-crl",
                              d + "/collateral/pck_platform_ca.crl.der", "--root-crl", d + "/collateral/root_ca.crl.der",
                              "--tcb-signing-cert", d + "/tcb_signing.pem", "--sim"});
  ASSERT_EQ(v.exit_code, 0) << v.Describe();
  json verdict = ParseJson(v.out);
  EXPECT_EQ(verdict["claims"]["mr_enclave"], predicted) << v.out;
  // Without the sim root the same quote does not verify.
  ProcResult no_sim = rt().RunRaw({IT_SGX_TOOLS, "verify-quote", "--quote", quote, "--tcb-info",
                                   d + "/collateral/tcb_info.json", "--qe-identity", d + "/collateral/qe_identity.json",
                                   "--pck-crl", d + "/collateral/pck_platform_ca.crl.der", "--root-crl",
                                   d + "/collateral/root_ca.crl.der", "--tcb-signing-cert", d + "/tcb_signing.pem"});
  EXPECT_NE(no_sim.exit_code, 0) << no_sim.Describe();
  EXPECT_EQ(no_sim.err.find("give --collateral-json"), std::string::npos) << no_sim.Describe();

  // A plain container cannot be attested; a missing AESM is a clear error.
  EXPECT_NE(rt().Run({"attest", "--aesm-socket", work + "/none.socket", id}).err.find("AESM"), std::string::npos);
  ASSERT_EQ(rt().Run({"delete", "-f", id}).exit_code, 0);
}

TEST_F(SkeletonTest, AttestNeedsPalV3) {
  Bundle b = SkeletonBundle(2, {"skeleton", "wait-signal"});
  b.Write();
  std::string id = NewId();
  ASSERT_EQ(rt().Run({"run", "-d", "--bundle", b.dir, id}).exit_code, 0);
  std::string work = NewDir("attest2");
  std::string sock = work + "/aesm.socket";
  pid_t aesmd = ::fork();
  if (aesmd == 0) {
    ::execl(IT_AESMD_SIM, "aesmd-sim", "--dir", sim_dir().c_str(), "--socket", sock.c_str(), nullptr);
    ::_exit(127);
  }
  ASSERT_TRUE(WaitForFile(sock));
  ProcResult r = rt().Run({"attest", "--aesm-socket", sock, id});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("need v3"), std::string::npos) << r.Describe();
  ::kill(aesmd, SIGTERM);
  ::waitpid(aesmd, nullptr, 0);
  ASSERT_EQ(rt().Run({"delete", "-f", id}).exit_code, 0);
}

}  // namespace
}  // namespace itest
