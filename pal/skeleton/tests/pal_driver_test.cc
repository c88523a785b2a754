// Drives liberpal-skeleton-v1/-v2/-v3.so through dlopen as rune's
// init-runelet does: get_version, init (good and bad arguments), create_process
// + exec with stdio pipes, kill, get_local_report (v3), destroy. The sim
// platform state is created in a temporary directory.
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <inclavare/pal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/fs.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/measurement.h"
#include "enclave/sim/qe.h"
#include "enclave/sim/state.h"

namespace inclavare {
namespace {

namespace sim = sgx::sim;

std::string PalPath(int version) {
  return std::string(IC_PAL_DIR) + "/liberpal-skeleton-v" + std::to_string(version) + ".so";
}
std::string SkelFile(const std::string& name) {
  return std::string(IC_PAL_DIR) + "/liberpal-skeleton/" + name;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// One loaded PAL and its entry points.
struct Pal {
  explicit Pal(int v) : version(v) {
    handle = dlopen(PalPath(v).c_str(), RTLD_NOW | RTLD_LOCAL);
    EXPECT_NE(handle, nullptr) << dlerror();
  }
  ~Pal() {
    if (handle != nullptr) {
      if (auto destroy = Sym<pal_destroy_fn>("pal_destroy")) destroy();
      dlclose(handle);
    }
  }
  template <class F>
  F Sym(const char* name) const {
    return reinterpret_cast<F>(dlsym(handle, name));
  }

  int Init(const std::string& args, const char* log_level = "off") const {
    pal_attr_v3_t attr{};
    attr.attr_v1.args = args.c_str();
    attr.attr_v1.log_level = log_level;
    attr.fd = -1;
    attr.addr = 0;
    if (version == 3) return Sym<pal_init_v3_fn>("pal_init")(&attr);
    return Sym<pal_init_v1_fn>("pal_init")(&attr.attr_v1);
  }
  int Destroy() const { return Sym<pal_destroy_fn>("pal_destroy")(); }

  int version;
  void* handle = nullptr;
};

struct RunResult {
  int rc = 0;
  int exit_value = -1;
  std::string out, err;
};

class Pipe {
 public:
  Pipe() { EXPECT_EQ(pipe2(fds_, O_CLOEXEC), 0); }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  int r() const { return fds_[0]; }
  int w() const { return fds_[1]; }
  void CloseRead() {
    if (fds_[0] >= 0) close(std::exchange(fds_[0], -1));
  }
  void CloseWrite() {
    if (fds_[1] >= 0) close(std::exchange(fds_[1], -1));
  }
  std::string ReadAll() {
    auto s = fs::ReadFd(fds_[0]);
    return s ? *s : std::string("<read error>");
  }
  // Reads up to and including the next newline.
  std::string ReadLine() {
    std::string line;
    char c;
    while (read(fds_[0], &c, 1) == 1) {
      line += c;
      if (c == '\n') break;
    }
    return line;
  }

 private:
  int fds_[2] = {-1, -1};
};

std::vector<char*> CArgs(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

class PalTest : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/ic-pal-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    ASSERT_TRUE(sim::State::Init(*dir_ + "/sim", {}));
  }
  static void TearDownTestSuite() {
    (void)fs::RemoveAll(*dir_);
    delete dir_;
  }
  static std::string SimArgs() { return "sim_dir=" + *dir_ + "/sim"; }
  static std::string Write(const std::string& name, const std::string& data) {
    EXPECT_TRUE(fs::WriteFileAtomic(*dir_ + "/" + name, data));
    return *dir_ + "/" + name;
  }

  // Runs argv (v1: pal_exec; v2/v3: pal_create_process + pal_exec) with
  // stdin `in` and pipes capturing stdout and stderr.
  RunResult Run(const Pal& pal, std::vector<std::string> argv, std::vector<std::string> env = {},
                const std::string& in = "") {
    Pipe i, o, e;
    EXPECT_EQ(write(i.w(), in.data(), in.size()), static_cast<ssize_t>(in.size()));
    i.CloseWrite();
    pal_stdio_fds stdio{i.r(), o.w(), e.w()};
    auto args = CArgs(argv);
    auto envp = CArgs(env);
    RunResult r;
    if (pal.version == 1) {
      r.rc = pal.Sym<pal_exec_v1_fn>("pal_exec")(args[0], args.data(), &stdio, &r.exit_value);
    } else {
      int pid = -1;
      pal_create_process_args cp{args[0], args.data(), envp.data(), &stdio, &pid};
      r.rc = pal.Sym<pal_create_process_fn>("pal_create_process")(&cp);
      if (r.rc == 0) {
        pal_exec_args ex{pid, &r.exit_value};
        r.rc = pal.Sym<pal_exec_v2_fn>("pal_exec")(&ex);
      }
    }
    o.CloseWrite();
    e.CloseWrite();
    r.out = o.ReadAll();
    r.err = e.ReadAll();
    return r;
  }

  static std::string* dir_;
};
std::string* PalTest::dir_;

TEST_P(PalTest, VersionAndSymbols) {
  Pal pal(GetParam());
  ASSERT_NE(pal.handle, nullptr);
  auto get_version = pal.Sym<pal_get_version_fn>("pal_get_version");
  if (GetParam() == 1) {
    EXPECT_EQ(get_version, nullptr);  // absent in v1: rune assumes 1
    EXPECT_EQ(pal.Sym<void*>("pal_create_process"), nullptr);
  } else {
    ASSERT_NE(get_version, nullptr);
    EXPECT_EQ(get_version(), GetParam());
    EXPECT_NE(pal.Sym<void*>("pal_create_process"), nullptr);
    EXPECT_NE(pal.Sym<void*>("pal_kill"), nullptr);
  }
  EXPECT_EQ(pal.Sym<void*>("pal_get_local_report") != nullptr, GetParam() == 3);
  // Only the PAL API is exported.
  EXPECT_EQ(pal.Sym<void*>("skeleton_init"), nullptr);
  EXPECT_EQ(pal.Sym<void*>("skel_enclave_load"), nullptr);
}

TEST_P(PalTest, InitRefusesBadArguments) {
  Pal pal(GetParam());
  // Calls before a successful init.
  if (GetParam() > 1) {
    EXPECT_EQ(pal.Sym<pal_kill_fn>("pal_kill")(1, 0), -EINVAL);
  }
  EXPECT_EQ(pal.Init(SimArgs() + " image=/nonexistent/enclave.so"), -ENOENT);
  EXPECT_EQ(pal.Init("sim_dir=" + *dir_ + "/no-such-sim"), -ENOENT);
  EXPECT_EQ(pal.Init(SimArgs() + " colour=blue"), -EINVAL);
  EXPECT_EQ(pal.Init(SimArgs() + " image"), -EINVAL);
  EXPECT_EQ(pal.Init(SimArgs(), "verbose"), -EINVAL);
  // A tampered image: one byte of its code.
  auto elf = fs::ReadFile(SkelFile("enclave.so"));
  ASSERT_TRUE(elf);
  std::string tampered = *elf;
  tampered[0x1000 + 16] ^= 0x01;
  EXPECT_EQ(pal.Init(SimArgs() + " image=" + Write("tampered.so", tampered)), -EACCES);
  // Not an ELF at all.
  EXPECT_EQ(pal.Init(SimArgs() + " image=" + Write("garbage.so", "garbage")), -EINVAL);
  // A config the SIGSTRUCT was not made for (the layout changes).
  EXPECT_EQ(pal.Init(SimArgs() + " config=" +
                     Write("big.json", R"({"isv_prod_id": 1, "isv_svn": 1, "heap_size": "0x20000"})")),
            -EACCES);
  // A SIGSTRUCT of another enclave (the sim QE's signing key signs... nothing
  // of ours): a truncated file, then a SIGSTRUCT with one signed byte changed.
  auto sig = fs::ReadFile(SkelFile("enclave.sig"));
  ASSERT_TRUE(sig);
  EXPECT_EQ(pal.Init(SimArgs() + " sigstruct=" + Write("short.sig", sig->substr(0, 100))), -EINVAL);
  std::string bad_sig = *sig;
  bad_sig[960] ^= 0x01;  // inside ENCLAVEHASH
  EXPECT_EQ(pal.Init(SimArgs() + " sigstruct=" + Write("bad.sig", bad_sig)), -EACCES);
  // And then a good init; a second one is refused.
  EXPECT_EQ(pal.Init(SimArgs()), 0);
  EXPECT_EQ(pal.Init(SimArgs()), -EBUSY);
  EXPECT_EQ(pal.Destroy(), 0);
}

TEST_P(PalTest, DefaultArgumentsFindTheInstalledEnclave) {
  Pal pal(GetParam());
  const char* old = getenv("INCLAVARE_SIM_DIR");
  std::string saved = old ? old : "";
  setenv("INCLAVARE_SIM_DIR", (*dir_ + "/sim").c_str(), 1);
  EXPECT_EQ(pal.Init(""), 0);
  if (old) {
    setenv("INCLAVARE_SIM_DIR", saved.c_str(), 1);
  } else {
    unsetenv("INCLAVARE_SIM_DIR");
  }
  RunResult r = Run(pal, {"skeleton", "hello"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, "Hello from the skeleton enclave (SIMULATED SGX)\n");
}

TEST_P(PalTest, RunsCommandsWithStdio) {
  Pal pal(GetParam());
  ASSERT_EQ(pal.Init(SimArgs()), 0);
  RunResult r = Run(pal, {"skeleton", "echo", "a b", "  two  spaces ", "", "last"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.exit_value, 0);
  EXPECT_EQ(r.out, "a b\n  two  spaces \n\nlast\n");
  EXPECT_EQ(r.err, "");
  for (int code : {0, 3, 255}) {
    r = Run(pal, {"skeleton", "exit", std::to_string(code)});
    EXPECT_EQ(r.rc, 0);
    EXPECT_EQ(r.exit_value, code);
  }
  r = Run(pal, {"skeleton", "exit", "256"});
  EXPECT_EQ(r.exit_value, 2);
  EXPECT_EQ(r.err, "skeleton: exit: expected a code 0..255: '256'\n");
  r = Run(pal, {"skeleton", "frobnicate"});
  EXPECT_EQ(r.exit_value, 2);
  EXPECT_EQ(r.err, "skeleton: unknown command: 'frobnicate'\n");
  const std::string data("line one\nbinary \x01\x02 and more\n", 28);
  r = Run(pal, {"skeleton", "cat"}, {}, data);
  EXPECT_EQ(r.exit_value, 0);
  EXPECT_EQ(r.out, data);
  r = Run(pal, {"skeleton", "pid"});
  EXPECT_EQ(r.out.rfind("pid ", 0), 0u);
  EXPECT_NE(r.out, "pid " + std::to_string(getpid()) + "\n");  // a process of its own
  if (GetParam() > 1) {
    r = Run(pal, {"skeleton", "env"}, {"A=1", "B=with space", "EMPTY="});
    EXPECT_EQ(r.out, "A=1\nB=with space\nEMPTY=\n");
  } else {
    setenv("IC_PAL_V1_ENV", "x y", 1);  // v1 passes the caller's environment
    r = Run(pal, {"skeleton", "env"});
    EXPECT_NE(r.out.find("\nIC_PAL_V1_ENV=x y\n"), std::string::npos);
    unsetenv("IC_PAL_V1_ENV");
  }
  EXPECT_EQ(pal.Destroy(), 0);
}

// pal_kill exists from version 2 on; pal_get_local_report and fd/addr in 3.
class PalV2Test : public PalTest {};
class PalV3Test : public PalTest {};

TEST_P(PalV2Test, KillDeliversSignals) {
  Pal pal(GetParam());
  ASSERT_EQ(pal.Init(SimArgs()), 0);
  auto create = pal.Sym<pal_create_process_fn>("pal_create_process");
  auto exec = pal.Sym<pal_exec_v2_fn>("pal_exec");
  auto kill = pal.Sym<pal_kill_fn>("pal_kill");

  Pipe o;
  pal_stdio_fds stdio{0, o.w(), 2};
  std::vector<std::string> argv = {"skeleton", "wait-signal"};
  auto args = CArgs(argv);
  int pid = -1;
  pal_create_process_args cp{args[0], args.data(), nullptr, &stdio, &pid};
  ASSERT_EQ(create(&cp), 0);
  o.CloseWrite();
  int exit_value = -1, exec_rc = -1;
  std::thread waiter([&] {
    pal_exec_args ex{pid, &exit_value};
    exec_rc = exec(&ex);
  });
  EXPECT_EQ(o.ReadLine(), "waiting for signals\n");
  EXPECT_EQ(kill(pid, SIGUSR1), 0);
  EXPECT_EQ(o.ReadLine(), "signal 10\n");
  EXPECT_EQ(kill(0, SIGUSR2), 0);  // 0: the newest process
  EXPECT_EQ(o.ReadLine(), "signal 12\n");
  EXPECT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_EQ(o.ReadLine(), "signal 15\n");
  waiter.join();
  EXPECT_EQ(exec_rc, 0);
  EXPECT_EQ(exit_value, 0);
  EXPECT_EQ(o.ReadAll(), "");
  // Waited for: gone from the PAL.
  EXPECT_EQ(kill(pid, SIGTERM), -ESRCH);
  EXPECT_EQ(kill(999999, 0), -ESRCH);
  EXPECT_EQ(kill(-1, SIGTERM), -ESRCH);  // no process at all
  EXPECT_EQ(kill(pid, -1), -EINVAL);
  EXPECT_EQ(kill(pid, 65), -EINVAL);

  // Without subscribing, signals take their default action; pid -1 reaches
  // every process, also one not started yet.
  std::vector<std::string> sleep_argv = {"skeleton", "sleep", "1000"};
  auto sleep_args = CArgs(sleep_argv);
  int p1 = -1, p2 = -1;
  pal_create_process_args c1{sleep_args[0], sleep_args.data(), nullptr, nullptr, &p1};
  pal_create_process_args c2{sleep_args[0], sleep_args.data(), nullptr, nullptr, &p2};
  ASSERT_EQ(create(&c1), 0);
  ASSERT_EQ(create(&c2), 0);
  EXPECT_NE(p1, p2);
  EXPECT_EQ(kill(-1, SIGKILL), 0);
  int e1 = -1, e2 = -1;
  pal_exec_args x1{p1, &e1}, x2{p2, &e2};
  EXPECT_EQ(exec(&x1), 0);
  EXPECT_EQ(exec(&x2), 0);
  EXPECT_EQ(e1, 128 + SIGKILL);
  EXPECT_EQ(e2, 128 + SIGKILL);
  pal_exec_args again{p1, &e1};
  EXPECT_EQ(exec(&again), -ESRCH);

  // pal_destroy ends processes that were never run.
  int p3 = -1;
  pal_create_process_args c3{sleep_args[0], sleep_args.data(), nullptr, nullptr, &p3};
  ASSERT_EQ(create(&c3), 0);
  EXPECT_EQ(pal.Destroy(), 0);
  EXPECT_EQ(::kill(p3, 0), -1);     // reaped
  EXPECT_EQ(create(&c3), -EINVAL);  // no longer initialised
}

TEST_P(PalV3Test, LocalReportForTheQuotingEnclave) {
  Pal pal(GetParam());
  ASSERT_EQ(pal.Init(SimArgs()), 0);
  auto report_fn = pal.Sym<pal_get_local_report_fn>("pal_get_local_report");
  ASSERT_NE(report_fn, nullptr);
  auto state = sim::State::Load(*dir_ + "/sim");
  ASSERT_TRUE(state);
  auto qe = sim::QuotingEnclave::Create(*state);
  ASSERT_TRUE(qe);
  auto ti = qe->GetTargetInfo();
  ASSERT_TRUE(ti);

  sgx::Report report{};
  int len = sizeof report;
  ASSERT_EQ(report_fn(&*ti, sizeof *ti, &report, &len), 0);
  EXPECT_EQ(len, PAL_SGX_REPORT_SIZE);
  EXPECT_TRUE(qe->enclave().VerifyReport(report));  // MACed for the QE
  auto expected_mr = fs::ReadFile(SkelFile("enclave.mrenclave"));
  ASSERT_TRUE(expected_mr);
  EXPECT_EQ(sgx::HexEncode(report.body.mr_enclave), Trim(*expected_mr));
  auto key_pem = fs::ReadFile(IC_SKELETON_KEY);
  ASSERT_TRUE(key_pem);
  auto key = sgx::RsaKey::FromPublicPem(*key_pem);
  ASSERT_TRUE(key);
  auto mrsigner = sgx::ComputeMrSigner(*key->ModulusLe());
  ASSERT_TRUE(mrsigner);
  EXPECT_EQ(report.body.mr_signer, *mrsigner);
  EXPECT_EQ(report.body.isv_prod_id, 1);  // enclave.json
  EXPECT_EQ(report.body.isv_svn, 1);
  const std::string tag = "inclavare-skeleton-enclave";
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(report.body.report_data.data()), tag.size()), tag);
  EXPECT_TRUE(qe->GetQuote(report));

  // Lengths.
  len = sizeof report;
  EXPECT_EQ(report_fn(&*ti, sizeof *ti - 1, &report, &len), -EINVAL);
  EXPECT_EQ(report_fn(nullptr, sizeof *ti, &report, &len), -EINVAL);
  len = PAL_SGX_REPORT_SIZE - 1;
  EXPECT_EQ(report_fn(&*ti, sizeof *ti, &report, &len), -EINVAL);
  EXPECT_EQ(report_fn(&*ti, sizeof *ti, &report, nullptr), -EINVAL);
  len = sizeof report;
  EXPECT_EQ(report_fn(&*ti, sizeof *ti, nullptr, &len), -EINVAL);
  EXPECT_EQ(pal.Destroy(), 0);
  EXPECT_EQ(report_fn(&*ti, sizeof *ti, &report, &len), -EINVAL);  // destroyed
}

// rune attest asks for a REPORT while init-runelet waits in pal_exec.
TEST_P(PalV3Test, ReportWhileAProcessRuns) {
  Pal pal(GetParam());
  ASSERT_EQ(pal.Init(SimArgs()), 0);
  auto state = sim::State::Load(*dir_ + "/sim");
  ASSERT_TRUE(state);
  auto qe = sim::QuotingEnclave::Create(*state);
  ASSERT_TRUE(qe);
  auto ti = qe->GetTargetInfo();
  ASSERT_TRUE(ti);
  Pipe o;
  pal_stdio_fds stdio{0, o.w(), 2};
  std::vector<std::string> argv = {"skeleton", "wait-signal"};
  auto args = CArgs(argv);
  int pid = -1;
  pal_create_process_args cp{args[0], args.data(), nullptr, &stdio, &pid};
  ASSERT_EQ(pal.Sym<pal_create_process_fn>("pal_create_process")(&cp), 0);
  o.CloseWrite();
  int exit_value = -1;
  std::thread waiter([&] {
    pal_exec_args ex{pid, &exit_value};
    EXPECT_EQ(pal.Sym<pal_exec_v2_fn>("pal_exec")(&ex), 0);
  });
  EXPECT_EQ(o.ReadLine(), "waiting for signals\n");
  sgx::Report report{};
  int len = sizeof report;
  EXPECT_EQ(pal.Sym<pal_get_local_report_fn>("pal_get_local_report")(&*ti, sizeof *ti, &report, &len), 0);
  EXPECT_TRUE(qe->enclave().VerifyReport(report));
  EXPECT_EQ(pal.Sym<pal_kill_fn>("pal_kill")(pid, SIGTERM), 0);
  waiter.join();
  EXPECT_EQ(exit_value, 0);
  EXPECT_EQ(o.ReadAll(), "signal 15\n");
}

TEST_P(PalV3Test, RefusesAPreCreatedEnclave) {
  Pal pal(GetParam());
  const std::string args = SimArgs();
  pal_attr_v3_t attr{{args.c_str(), "off"}, 5, 0x7f0000000000};
  EXPECT_EQ(pal.Sym<pal_init_v3_fn>("pal_init")(&attr), -EOPNOTSUPP);
  EXPECT_EQ(pal.Init(args), 0);  // and nothing stayed half-initialised
}

TEST_P(PalTest, LogsHonourTheLevel) {
  Pal pal(GetParam());
  // Capture our own stderr around an init that fails.
  auto capture = [&](const char* level) {
    Pipe p;
    int saved = dup(2);
    dup2(p.w(), 2);
    int rc = pal.Init(SimArgs() + " image=/nonexistent/enclave.so", level);
    dup2(saved, 2);
    close(saved);
    p.CloseWrite();
    EXPECT_EQ(rc, -ENOENT);
    return p.ReadAll();
  };
  EXPECT_EQ(capture("off"), "");
  const std::string err = capture("error");
  const std::string prefix = "liberpal-skeleton-v" + std::to_string(GetParam()) + ": error: pal_init: ";
  EXPECT_EQ(err.rfind(prefix, 0), 0u) << err;
  EXPECT_NE(err.find("/nonexistent/enclave.so"), std::string::npos) << err;
  const std::string debug = capture("debug");
  EXPECT_NE(debug.find(": debug: image=/nonexistent/enclave.so"), std::string::npos) << debug;
}

std::string VersionName(const ::testing::TestParamInfo<int>& info) {
  return "v" + std::to_string(info.param);
}
INSTANTIATE_TEST_SUITE_P(Versions, PalTest, ::testing::Values(1, 2, 3), VersionName);
INSTANTIATE_TEST_SUITE_P(Versions, PalV2Test, ::testing::Values(2, 3), VersionName);
INSTANTIATE_TEST_SUITE_P(Versions, PalV3Test, ::testing::Values(3), VersionName);

}  // namespace
}  // namespace inclavare
