// The nullverifier and sgx_la verifier plugins through their C ops.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "common/fs.h"
#include "ratstls/plugins/common/sgx_stub_host.h"
#include "ratstls/plugins/verifiers/tests/verifier_test_util.h"

namespace inclavare::ratstls::testing {
namespace {

using ::testing::HasSubstr;

const rats_tls_plugin_t* Null() { return rats_tls_plugin_verifier_nullverifier(); }
const rats_tls_plugin_t* La() { return rats_tls_plugin_verifier_sgx_la(); }

TEST(VerifierDescriptors, NamesTypesPriorities) {
  struct Want {
    const rats_tls_plugin_t* p;
    const char* name;
    const char* type;
    int priority;
  } want[] = {
      {rats_tls_plugin_verifier_nullverifier(), "nullverifier", "nullverifier", 0},
      {rats_tls_plugin_verifier_sgx_la(), "sgx_la", "sgx_la", 15},
      {rats_tls_plugin_verifier_tdx_ecdsa(), "tdx_ecdsa", "tdx_ecdsa", 42},
      {rats_tls_plugin_verifier_sev_snp(), "sev_snp", "sev_snp", 42},
      {rats_tls_plugin_verifier_sgx_ecdsa(), "sgx_ecdsa", "sgx_ecdsa", 52},
  };
  for (const auto& w : want) {
    EXPECT_EQ(w.p->abi_version, RATS_TLS_PLUGIN_ABI_VERSION) << w.name;
    EXPECT_EQ(w.p->kind, RATS_TLS_PLUGIN_VERIFIER) << w.name;
    EXPECT_STREQ(w.p->name, w.name);
    EXPECT_STREQ(w.p->type, w.type);
    EXPECT_EQ(w.p->priority, w.priority) << w.name;
    const auto* ops = static_cast<const rats_tls_verifier_ops_t*>(w.p->ops);
    ASSERT_NE(ops, nullptr);
    EXPECT_TRUE(ops->init && ops->verify_evidence && ops->cleanup) << w.name;
  }
}

TEST(NullVerifier, AcceptsAnythingWithoutPolicy) {
  Verifier v(Null(), Settings{});
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  for (const auto& ev : {std::vector<uint8_t>{}, std::vector<uint8_t>{1, 2, 3}}) {
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, ev);
    ASSERT_EQ(o.rc, 0) << o.error;
    EXPECT_STREQ(o.out.evidence_type, "nullverifier");
    EXPECT_FALSE(o.out.debug);
    EXPECT_STREQ(o.out.tcb_status, "");
    EXPECT_EQ(o.out.valid_until, 0);
    EXPECT_THAT(o.claims_json, HasSubstr("nullverifier"));
  }
}

TEST(NullVerifier, RefusesWhenAPolicyIsConfigured) {
  Settings s;
  s.policy_json = R"({"allow_debug": true})";
  Verifier v(Null(), s);
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, {});
  EXPECT_NE(o.rc, 0);
  EXPECT_EQ(o.error, "a policy is configured but nullverifier checks no evidence");
}

// ---- sgx_la -------------------------------------------------------------------

std::string PluginDir() { return RATSTLS_PLUGIN_OUT; }

bool HaveStub() { return fs::Exists(PluginDir() + "/sgx-stub/enclave.sig"); }

#define REQUIRE_STUB()                                                       \
  do {                                                                       \
    if (!HaveStub())                                                         \
      GTEST_SKIP() << "the sgx stub enclave is not built in " << PluginDir() \
                   << "/sgx-stub (build target ratstls_sgx_stub_signed)";    \
  } while (0)

struct LaFixture {
  std::unique_ptr<TempDir> dir;
  std::string sim_dir;
  std::unique_ptr<SimStubEnclave> verifier_stub;  // production signature: the verifier's target
};

LaFixture MakeLa() {
  LaFixture f;
  SimQuote q = MakeSimQuote(false);  // a sim platform state (the quote is not used)
  f.dir = std::move(q.dir);
  f.sim_dir = f.dir->path() + "/sim";
  auto stub = SimStubEnclave::Load(f.sim_dir, PluginDir(), /*debug=*/false);
  EXPECT_TRUE(stub.has_value()) << stub.error().ToString();
  if (stub) f.verifier_stub = std::move(*stub);
  return f;
}

std::vector<uint8_t> ReportFrom(const LaFixture& f, bool debug, const sgx::TargetInfo* target = nullptr) {
  auto attester = SimStubEnclave::Load(f.sim_dir, PluginDir(), debug);
  EXPECT_TRUE(attester.has_value()) << attester.error().ToString();
  if (!attester || !f.verifier_stub) return {};
  auto ti = f.verifier_stub->SelfTarget();
  EXPECT_TRUE(ti.has_value());
  std::array<uint8_t, 64> rd{};
  rd[0] = 0x42;
  auto r = (*attester)->CreateReport(target ? *target : *ti, rd);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  if (!r) return {};
  std::vector<uint8_t> out(sizeof(sgx::Report));
  std::memcpy(out.data(), &*r, out.size());
  return out;
}

TEST(SgxLaVerifier, WithoutSimDirFailsClearly) {
  Settings s;
  s.plugin_dir = PluginDir();
  Verifier v(La(), s);
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT, std::vector<uint8_t>(432, 0));
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("conf.ext.sim_dir is not set"));
  o = v.Verify(RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT, std::vector<uint8_t>(100, 0));
  EXPECT_THAT(o.error, HasSubstr("evidence of 100 bytes, expected a 432-byte SGX REPORT"));
  o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, std::vector<uint8_t>(432, 0));
  EXPECT_THAT(o.error, HasSubstr("expected 60002"));
}

TEST(SgxLaVerifier, MissingStubIsNamed) {
  SimQuote q = MakeSimQuote(false);
  Settings s;
  s.sim_dir = q.dir->path() + "/sim";
  s.plugin_dir = q.dir->path();  // no sgx-stub/ here
  Verifier v(La(), s);
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT, std::vector<uint8_t>(432, 0));
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("sgx-stub"));
}

TEST(SgxLaVerifier, ReportForTheVerifierStubVerifies) {
  REQUIRE_STUB();
  LaFixture f = MakeLa();
  ASSERT_TRUE(f.verifier_stub);
  Settings s;
  s.sim_dir = f.sim_dir;
  s.plugin_dir = PluginDir();
  Verifier v(La(), s);
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  const auto report = ReportFrom(f, /*debug=*/false);
  ASSERT_EQ(report.size(), 432u);
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT, report);
  ASSERT_EQ(o.rc, 0) << o.error;
  EXPECT_STREQ(o.out.evidence_type, "sgx_la");
  EXPECT_STREQ(o.out.tcb_status, "");
  EXPECT_FALSE(o.out.debug);
  sgx::Report r;
  std::memcpy(&r, report.data(), sizeof r);
  EXPECT_EQ(0, std::memcmp(o.out.mr_enclave, r.body.mr_enclave.data(), 32));
  EXPECT_EQ(0, std::memcmp(o.out.mr_signer, r.body.mr_signer.data(), 32));
  EXPECT_EQ(0, std::memcmp(o.out.attributes, &r.body.attributes, 16));
  EXPECT_EQ(o.out.report_data[0], 0x42);
  EXPECT_THAT(o.claims_json, HasSubstr("\"mr_enclave\":\"" + Hex(r.body.mr_enclave.data(), 32)));

  // Tampered body: the MAC no longer matches.
  auto bad = report;
  bad[320] ^= 1;  // report_data
  o = v.Verify(RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT, bad);
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("REPORT MAC"));

  // A REPORT targeted at another enclave.
  sgx::TargetInfo other{};
  other.attributes = {sgx::kAttrMode64Bit, sgx::kXfrmLegacy};
  other.mr_enclave[0] = 1;
  o = v.Verify(RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT, ReportFrom(f, false, &other));
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("REPORT MAC"));

  // Policy on mr_enclave.
  s.policy_json = R"({"mr_enclave": ")" + std::string(64, '1') + "\"}";
  Verifier pv(La(), s);
  o = pv.Verify(RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT, report);
  EXPECT_EQ(o.rc, -EPERM);
  EXPECT_THAT(o.error, HasSubstr("policy: MRENCLAVE is " + Hex(r.body.mr_enclave.data(), 32)));
}

TEST(SgxLaVerifier, DebugStubRefusedByDefaultPolicy) {
  REQUIRE_STUB();
  LaFixture f = MakeLa();
  ASSERT_TRUE(f.verifier_stub);
  Settings s;
  s.sim_dir = f.sim_dir;
  s.plugin_dir = PluginDir();
  const auto report = ReportFrom(f, /*debug=*/true);
  ASSERT_EQ(report.size(), 432u);
  {
    Verifier v(La(), s);
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT, report);
    EXPECT_EQ(o.rc, -EPERM);
    EXPECT_THAT(o.error, HasSubstr("debug"));
  }
  s.policy_json = R"({"allow_debug": true})";
  Verifier v(La(), s);
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_SGX_LEGACY_REPORT, report);
  ASSERT_EQ(o.rc, 0) << o.error;
  EXPECT_TRUE(o.out.debug);
}

}  // namespace
}  // namespace inclavare::ratstls::testing
