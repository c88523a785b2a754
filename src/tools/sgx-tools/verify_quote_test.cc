#include "tools/sgx-tools/verify_quote.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/fs.h"

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

}  // namespace
}  // namespace inclavare::sgx::tools
