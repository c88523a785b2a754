#include "tools/sgx-tools/verify_quote.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdlib.h>

#include "common/fs.h"
#include "enclave/sgx/crypto.h"
#include "enclave/sim/qe.h"
#include "enclave/sim/sample.h"
#include "enclave/sim/state.h"
#include "tools/pccs-sim/server.h"

namespace inclavare::sgx::tools {
namespace {

using ::testing::HasSubstr;

std::string Ev(const std::string& rel) { return std::string(IC_EVIDENCE_DIR) + "/" + rel; }

TEST(VerifyQuoteCommand, DcapQvlCollateral) {
  if (!fs::Exists(Ev("MANIFEST.md"))) GTEST_SKIP() << "evidence folder " << IC_EVIDENCE_DIR << " absent";
  VerifyQuoteOptions o;
  o.quote = Ev("tdx/dcap-qvl/tdx_quote");
  o.collateral_json = Ev("tdx/dcap-qvl/tdx_quote_collateral.json");
  o.at = "2025-07-19T10:00:34Z";
  auto r = VerifyQuoteCommand(o);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_THAT(*r, HasSubstr("\"status\": \"UpToDate\""));
  EXPECT_THAT(*r, HasSubstr("\"policy\": \"accepted\""));
  o.accept_status = {"SWHardeningNeeded"};
  r = VerifyQuoteCommand(o);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), HasSubstr("TCB status UpToDate is not accepted"));
}

TEST(VerifyQuoteCommand, PcsFilesAndExpiry) {
  if (!fs::Exists(Ev("MANIFEST.md"))) GTEST_SKIP() << "evidence folder " << IC_EVIDENCE_DIR << " absent";
  VerifyQuoteOptions o;
  o.quote = Ev("sgx/automata/quote_v3.bin");
  o.tcb_info = Ev("sgx/automata/0825/sgx_tcbinfov3_00606a000000.json");
  o.qe_identity = Ev("sgx/automata/0825/sgx_qeidentity_v4.json");
  o.pck_crl = Ev("sgx/automata/0825/platform_crl.der");
  o.root_crl = Ev("sgx/automata/intel_sgx_root_ca.crl.der");
  o.tcb_signing_cert = Ev("sgx/automata/intel_sgx_tcb_signing.der");
  o.root_ca = Ev("sgx/automata/intel_sgx_root_ca.der");
  o.at = "2025-08-15T05:45:00Z";
  auto r = VerifyQuoteCommand(o);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_THAT(*r, HasSubstr("\"status\": \"SWHardeningNeeded\""));
  EXPECT_THAT(*r, HasSubstr("INTEL-SA-00615"));
  o.at = "2025-10-01T00:00:00Z";
  r = VerifyQuoteCommand(o);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), HasSubstr("collateral expired"));
}

TEST(VerifyQuoteCommand, OneCollateralSourceOnly) {
  VerifyQuoteOptions o;
  o.quote = "/dev/null";
  o.pccs_url = "http://127.0.0.1:1";
  o.collateral_json = "c.json";
  auto r = VerifyQuoteCommand(o);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), HasSubstr("one collateral source"));
}

// --pccs-url: a sim quote verified with collateral from pccs-sim, as a
// verifier on SGX hardware fetches it from a PCCS.
TEST(VerifyQuoteCommand, CollateralFromAPccs) {
  char tmpl[] = "/tmp/verify_pccs.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string root = tmpl, dir = root + "/sim";
  ASSERT_TRUE(sim::State::Init(dir, {}));
  auto state = sim::State::Load(dir);
  ASSERT_TRUE(state) << state.error().ToString();
  auto signer = RsaKey::Generate();
  ASSERT_TRUE(signer);
  auto app = sim::BuildSampleEnclave((*state)->keys(), *signer, {});
  ASSERT_TRUE(app);
  auto qe = sim::QuotingEnclave::Create(*state);
  ASSERT_TRUE(qe);
  auto report = app->CreateReport(*qe->GetTargetInfo(), ReportData{});
  ASSERT_TRUE(report);
  auto quote = qe->GetQuote(*report);
  ASSERT_TRUE(quote);
  ASSERT_TRUE(fs::WriteFile(root + "/quote.bin", std::string(quote->begin(), quote->end()), true));
  auto server = pccs_sim::PccsSim::Start({.dir = dir});
  ASSERT_TRUE(server) << server.error().ToString();

  VerifyQuoteOptions o;
  o.quote = root + "/quote.bin";
  o.pccs_url = "http://127.0.0.1:" + std::to_string((*server)->port());
  o.pccs_cache = root + "/cache";
  o.root_ca = dir + "/root_ca.pem";
  o.accept_sim_qe = true;
  auto r = VerifyQuoteCommand(o);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_THAT(*r, HasSubstr("\"status\": \"UpToDate\""));
  EXPECT_TRUE(fs::Exists(o.pccs_cache));
  // Still refused without the sim root.
  o.root_ca.clear();
  o.accept_sim_qe = false;
  EXPECT_FALSE(VerifyQuoteCommand(o).has_value());
  // The PCCS's API version is checked.
  o.pccs_api_version = 5;
  r = VerifyQuoteCommand(o);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), HasSubstr("must be 3 or 4"));

  // --qcnl-conf: the PCCS named by an Intel QCNL configuration (legacy form).
  o.pccs_url.clear();
  o.pccs_api_version = 4;
  o.root_ca = dir + "/root_ca.pem";
  o.accept_sim_qe = true;
  o.qcnl_conf = root + "/qcnl.conf";
  ASSERT_TRUE(fs::WriteFile(o.qcnl_conf,
                            "# the sim PCCS\nPCCS_URL=http://127.0.0.1:" + std::to_string((*server)->port()) +
                                "/sgx/certification/v3/\nUSE_SECURE_CERT=TRUE\n",
                            true));
  r = VerifyQuoteCommand(o);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_THAT(*r, HasSubstr("\"status\": \"UpToDate\""));
  ASSERT_TRUE(fs::WriteFile(o.qcnl_conf, "PCCS_URL=http://127.0.0.1:1/\n", false));
  r = VerifyQuoteCommand(o);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), HasSubstr("--qcnl-conf"));
  EXPECT_THAT(r.error().message(), HasSubstr("PCCS_URL"));
  (void)fs::RemoveAll(root);
}

}  // namespace
}  // namespace inclavare::sgx::tools
