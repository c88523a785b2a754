// sgx_ecdsa and sgx_la on a private SIMULATED SGX platform: `sgx-tools sim
// init` into a temp dir, aesmd-sim on a temp socket, and the signed stub
// enclave from the build tree's plugin directory.
#include <gtest/gtest.h>
#include <rats-tls/plugin.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "common/fs.h"
#include "enclave/aesm/client.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/quote.h"
#include "enclave/sim/loader.h"
#include "enclave/sim/state.h"
#include "ratstls/plugins/common/dcap_endorsements.h"
#include "ratstls/plugins/common/sgx_stub_host.h"
#include "ratstls/plugins/sgx_stub/sgx_stub_abi.h"

extern "C" const rats_tls_plugin_t* rats_tls_plugin_attester_sgx_ecdsa(void);
extern "C" const rats_tls_plugin_t* rats_tls_plugin_attester_sgx_la(void);

namespace inclavare::ratstls::attesters {
namespace {

const rats_tls_attester_ops_t* Ops(const rats_tls_plugin_t* p) {
  return static_cast<const rats_tls_attester_ops_t*>(p->ops);
}

std::array<uint8_t, 64> Pattern(uint8_t seed) {
  std::array<uint8_t, 64> a;
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(seed * 3 + i);
  return a;
}

std::string StubFile(const std::string& name) { return std::string(ATT_PLUGIN_DIR) + "/sgx-stub/" + name; }

// The MRENCLAVE `sgx-tools measure` predicted at build time.
std::string ExpectedMrEnclave(bool debug) {
  auto text = fs::ReadFile(StubFile(debug ? "enclave-debug.mrenclave" : "enclave.mrenclave"));
  if (!text) return "(unreadable: " + text.error().ToString() + ")";
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class SimAttestersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/ratstls-att-sim-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      *setup_error_ = std::string("mkdtemp: ") + std::strerror(errno);
      return;
    }
    *root_ = tmpl;
    const std::string dir = *root_ + "/sim";
    const std::string cmd =
        std::string(ATT_SGX_TOOLS) + " sim init --dir " + dir + " >" + *root_ + "/init.log 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      *setup_error_ = "sgx-tools sim init --dir " + dir + " failed (see " + *root_ + "/init.log)";
      return;
    }
    const std::string sock = *root_ + "/aesm.socket";
    pid_ = ::fork();
    if (pid_ < 0) {
      *setup_error_ = std::string("fork: ") + std::strerror(errno);
      return;
    }
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed test
      const std::string log = *root_ + "/aesmd-sim.log";
      ::execl(ATT_AESMD_SIM, "aesmd-sim", "--socket", sock.c_str(), "--dir", dir.c_str(), "--log",
              log.c_str(), nullptr);
      ::_exit(127);
    }
    // Wait until it answers (bounded: gives up after ~10 s).
    sgx::aesm::Client client(sock);
    Result<sgx::aesm::QeTarget> qe = NotFound("not started");
    for (int i = 0; i < 200 && !qe; ++i) {
      qe = client.InitQuoteEx();
      if (!qe) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!qe) *setup_error_ = "aesmd-sim did not answer on " + sock + ": " + qe.error().ToString();
  }

  static void TearDownTestSuite() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (!root_->empty()) (void)fs::RemoveAll(*root_);
  }

  void SetUp() override {
    if (!fs::Exists(StubFile("enclave.so")))
      GTEST_SKIP() << "stub enclave not built: " << StubFile("enclave.so");
    ASSERT_TRUE(setup_error_->empty()) << *setup_error_;
  }

  static std::string sim_dir() { return *root_ + "/sim"; }
  static std::string socket() { return *root_ + "/aesm.socket"; }

  rats_tls_plugin_env_t Env(bool debug) {
    sim_dir_ = sim_dir();
    socket_ = socket();
    rats_tls_plugin_env_t env{};
    env.size = sizeof env;
    env.debug_enclave = debug;
    env.sim_dir = sim_dir_.c_str();
    env.aesm_socket = socket_.c_str();
    env.plugin_dir = ATT_PLUGIN_DIR;
    return env;
  }

  std::string sim_dir_, socket_;
  static inline std::string* root_ = new std::string;
  static inline std::string* setup_error_ = new std::string;
  static inline pid_t pid_ = -1;
};

// One sgx_ecdsa quote through the plugin's C ABI, checked field by field.
void CheckSgxEcdsaQuote(const rats_tls_plugin_env_t& env, bool debug, const std::string& work_dir) {
  const auto* ops = Ops(rats_tls_plugin_attester_sgx_ecdsa());
  rats_tls_error_t err{};
  ASSERT_EQ(ops->probe(&env, &err), 0) << err.msg;
  void* state = nullptr;
  ASSERT_EQ(ops->init(&env, &state, &err), 0) << err.msg;
  for (uint8_t seed : {1, 2}) {  // two quotes from one handle
    const auto rd = Pattern(seed);
    uint64_t tag = 0;
    rats_tls_bytes_t ev{};
    ASSERT_EQ(ops->collect_evidence(state, rd.data(), &tag, &ev, &err), 0) << err.msg;
    EXPECT_EQ(tag, RATS_TLS_TAG_INTEL_TEE_QUOTE);
    auto quote = sgx::ParseQuote({ev.data, ev.size});
    ASSERT_TRUE(quote) << quote.error().ToString();
    const sgx::ReportBody* body = quote->sgx_report();
    ASSERT_NE(body, nullptr);
    EXPECT_EQ(body->report_data, rd);
    EXPECT_EQ(sgx::HexEncode(body->mr_enclave), ExpectedMrEnclave(debug));
    EXPECT_EQ((body->attributes.flags & sgx::kAttrDebug) != 0, debug);
    // The quote verifies against the sim platform's root and collateral.
    const std::string qfile = work_dir + "/quote.bin";
    ASSERT_TRUE(
        fs::WriteFile(qfile, std::string_view(reinterpret_cast<const char*>(ev.data), ev.size), true));
    std::free(ev.data);
    const std::string d = env.sim_dir;
    const std::string cmd =
        std::string(ATT_SGX_TOOLS) + " verify-quote --quote " + qfile + " --root-ca " + d +
        "/root_ca.pem --tcb-info " + d + "/collateral/tcb_info.json --qe-identity " + d +
        "/collateral/qe_identity.json --pck-crl " + d + "/collateral/pck_platform_ca.crl.der --root-crl " +
        d + "/collateral/root_ca.crl.der --tcb-signing-cert " + d + "/tcb_signing.pem --sim " +
        (debug ? "--allow-debug " : "") + ">" + work_dir + "/verify.log 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << fs::ReadFile(work_dir + "/verify.log").value_or("");
    if (debug) {  // and a debug enclave's quote is refused by default
      const std::string strict = cmd.substr(0, cmd.find("--allow-debug")) + ">/dev/null 2>&1";
      EXPECT_NE(std::system(strict.c_str()), 0) << strict;
    }
  }
  ops->cleanup(state);
}

TEST_F(SimAttestersTest, SgxEcdsaProductionQuote) { CheckSgxEcdsaQuote(Env(false), false, *root_); }

TEST_F(SimAttestersTest, SgxEcdsaDebugQuote) { CheckSgxEcdsaQuote(Env(true), true, *root_); }

TEST_F(SimAttestersTest, DebugAndProductionStubsDiffer) {
  EXPECT_EQ(ExpectedMrEnclave(false).size(), 64u);
  EXPECT_EQ(ExpectedMrEnclave(true).size(), 64u);
  EXPECT_NE(ExpectedMrEnclave(false), ExpectedMrEnclave(true));
}

TEST_F(SimAttestersTest, SgxEcdsaEndorsementsFromSimCollateral) {
  const auto* ops = Ops(rats_tls_plugin_attester_sgx_ecdsa());
  rats_tls_plugin_env_t env = Env(false);
  rats_tls_error_t err{};
  void* state = nullptr;
  ASSERT_EQ(ops->init(&env, &state, &err), 0) << err.msg;
  rats_tls_bytes_t end{};
  ASSERT_EQ(ops->collect_endorsements(state, RATS_TLS_TAG_INTEL_TEE_QUOTE, nullptr, 0, &end, &err), 0)
      << err.msg;
  auto decoded = DecodeDcapEndorsements({end.data, end.size});
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  auto tcb_info = fs::ReadFile(sim_dir() + "/collateral/tcb_info.json");
  ASSERT_TRUE(tcb_info);
  EXPECT_EQ(decoded->tcb_info, *tcb_info);
  std::free(end.data);
  EXPECT_EQ(ops->collect_endorsements(state, RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT, nullptr, 0, &end, &err),
            -EINVAL);
  EXPECT_NE(std::string(err.msg).find("tag 60002"), std::string::npos) << err.msg;
  ops->cleanup(state);

  // conf.ext.collateral, when a directory, is preferred to the sim
  // platform's: a copy whose TCB info differs (trailing space).
  const std::string copy = *root_ + "/collateral-copy";
  ASSERT_TRUE(fs::MkdirAll(copy));
  for (const char* f : {"tcb_info.json", "qe_identity.json", "tcb_signing_chain.pem",
                        "pck_platform_ca.crl.der", "root_ca.crl.der"}) {
    auto bytes = fs::ReadFile(sim_dir() + "/collateral/" + f);
    ASSERT_TRUE(bytes) << f;
    if (std::string(f) == "tcb_info.json") *bytes += " ";
    ASSERT_TRUE(fs::WriteFile(copy + "/" + f, *bytes, true));
  }
  env.collateral = copy.c_str();
  ASSERT_EQ(ops->init(&env, &state, &err), 0) << err.msg;
  ASSERT_EQ(ops->collect_endorsements(state, RATS_TLS_TAG_INTEL_TEE_QUOTE, nullptr, 0, &end, &err), 0)
      << err.msg;
  decoded = DecodeDcapEndorsements({end.data, end.size});
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  EXPECT_EQ(decoded->tcb_info, *tcb_info + " ");
  std::free(end.data);
  ops->cleanup(state);
}

TEST_F(SimAttestersTest, SgxEcdsaAesmFailureNamesSocket) {
  const auto* ops = Ops(rats_tls_plugin_attester_sgx_ecdsa());
  rats_tls_plugin_env_t env = Env(false);
  // A socket path that exists but where nobody listens.
  const std::string dead = *root_ + "/dead.socket";
  ASSERT_TRUE(fs::WriteFile(dead, "", true));
  env.aesm_socket = dead.c_str();
  rats_tls_error_t err{};
  void* state = nullptr;
  EXPECT_LT(ops->init(&env, &state, &err), 0);
  EXPECT_EQ(state, nullptr);
  EXPECT_NE(std::string(err.msg).find(dead), std::string::npos) << err.msg;
}

TEST_F(SimAttestersTest, SgxEcdsaMissingStubIsNamed) {
  const auto* ops = Ops(rats_tls_plugin_attester_sgx_ecdsa());
  rats_tls_plugin_env_t env = Env(false);
  env.plugin_dir = "/nonexistent/plugins";
  rats_tls_error_t err{};
  void* state = nullptr;
  EXPECT_LT(ops->init(&env, &state, &err), 0);
  EXPECT_NE(std::string(err.msg).find("/nonexistent/plugins/sgx-stub/enclave.so"), std::string::npos)
      << err.msg;
}

TEST_F(SimAttestersTest, SgxLaReportVerifiesAndTamperingFails) {
  for (bool debug : {false, true}) {
    SCOPED_TRACE(debug ? "debug" : "production");
    const auto* ops = Ops(rats_tls_plugin_attester_sgx_la());
    rats_tls_plugin_env_t env = Env(debug);
    rats_tls_error_t err{};
    ASSERT_EQ(ops->probe(&env, &err), 0) << err.msg;
    void* state = nullptr;
    ASSERT_EQ(ops->init(&env, &state, &err), 0) << err.msg;
    const auto rd = Pattern(9);
    uint64_t tag = 0;
    rats_tls_bytes_t ev{};
    ASSERT_EQ(ops->collect_evidence(state, rd.data(), &tag, &ev, &err), 0) << err.msg;
    ops->cleanup(state);
    EXPECT_EQ(tag, RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT);
    ASSERT_EQ(ev.size, sizeof(sgx::Report));
    sgx::Report report;
    std::memcpy(&report, ev.data, sizeof report);
    std::free(ev.data);
    EXPECT_EQ(report.body.report_data, rd);
    EXPECT_EQ(sgx::HexEncode(report.body.mr_enclave), ExpectedMrEnclave(debug));
    EXPECT_EQ((report.body.attributes.flags & sgx::kAttrDebug) != 0, debug);

    // The verifier's side: the same stub on the same platform.
    auto verifier = SimStubEnclave::Load(sim_dir(), ATT_PLUGIN_DIR, debug);
    ASSERT_TRUE(verifier) << verifier.error().ToString();
    auto self = (*verifier)->SelfTarget();
    ASSERT_TRUE(self);
    EXPECT_EQ(self->mr_enclave, report.body.mr_enclave);
    auto ok = (*verifier)->VerifyReport(report);
    EXPECT_TRUE(ok) << ok.error().ToString();

    sgx::Report tampered = report;
    tampered.body.report_data[0] ^= 1;
    EXPECT_FALSE((*verifier)->VerifyReport(tampered));
    tampered = report;
    tampered.body.attributes.flags ^= sgx::kAttrDebug;
    EXPECT_FALSE((*verifier)->VerifyReport(tampered));
    tampered = report;
    tampered.mac[15] ^= 0x80;
    EXPECT_FALSE((*verifier)->VerifyReport(tampered));

    // A stub of the other kind (other MRENCLAVE) is not the target.
    auto other = SimStubEnclave::Load(sim_dir(), ATT_PLUGIN_DIR, !debug);
    ASSERT_TRUE(other) << other.error().ToString();
    EXPECT_FALSE((*other)->VerifyReport(report));
  }
}

TEST_F(SimAttestersTest, StubReportsCarryEachItsOwnData) {
  auto stub = SimStubEnclave::Load(sim_dir(), ATT_PLUGIN_DIR, false);
  ASSERT_TRUE(stub) << stub.error().ToString();
  auto self = (*stub)->SelfTarget();
  ASSERT_TRUE(self);
  auto a = (*stub)->CreateReport(*self, Pattern(20));
  auto b = (*stub)->CreateReport(*self, Pattern(21));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body.report_data, Pattern(20));
  EXPECT_EQ(b->body.report_data, Pattern(21));
}

TEST_F(SimAttestersTest, StubRefusesReportWithoutChosenData) {
  // The stub enclave itself, through the sim loader: an EREPORT without a
  // stored REPORTDATA is refused, and a stored value is used only once.
  auto keys = sgx::sim::State::LoadPlatformKeys(sim_dir());
  ASSERT_TRUE(keys) << keys.error().ToString();
  sgx::sim::LoadOptions o{StubFile("enclave.so"), StubFile("enclave.sig"), StubFile("enclave.json")};
  auto e = sgx::sim::LoadedEnclave::Load(*keys, o);
  ASSERT_TRUE(e) << e.error().ToString();
  auto target = (*e)->enclave().GetTargetInfo();
  ASSERT_TRUE(target);
  EXPECT_FALSE((*e)->CreateReport(*target));
  sgx_stub_report_data_args args{};
  std::memcpy(args.report_data, Pattern(30).data(), 64);
  ASSERT_EQ((*e)->Call(SGX_STUB_ECALL_SET_REPORT_DATA, &args), 0);
  auto r = (*e)->CreateReport(*target);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->body.report_data, Pattern(30));
  auto again = (*e)->CreateReport(*target);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().sys_errno(), SGX_STUB_ENODATA);
  EXPECT_EQ((*e)->Call(0x1234, &args), -ENOSYS);
}

TEST_F(SimAttestersTest, StubLoadErrorsNameTheProblem) {
  auto no_sim = SimStubEnclave::Load("/nonexistent/sim", ATT_PLUGIN_DIR, false);
  ASSERT_FALSE(no_sim);
  EXPECT_NE(no_sim.error().message().find("sim platform directory /nonexistent/sim"), std::string::npos)
      << no_sim.error().message();
  auto no_plugin = SimStubEnclave::Load(sim_dir(), "/nonexistent/plugins", true);
  ASSERT_FALSE(no_plugin);
  EXPECT_NE(no_plugin.error().message().find("/nonexistent/plugins/sgx-stub/enclave.so"), std::string::npos)
      << no_plugin.error().message();
}

}  // namespace
}  // namespace inclavare::ratstls::attesters
