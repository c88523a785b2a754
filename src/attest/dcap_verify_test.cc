// End-to-end DCAP verification against the MANIFEST's real evidence sets.
#include "attest/dcap_verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attest/attest_test_util.h"
#include "attest/roots.h"
#include "enclave/sgx/hex.h"

namespace inclavare::attest {
namespace {

using testing::E2eSet;
using testing::LoadSet;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Verdict MustVerify(const E2eSet& s) {
  auto v = VerifyQuote(s.quote, s.collateral, s.options);
  EXPECT_TRUE(v.has_value()) << s.name << ": " << (v ? "" : v.error().ToString());
  return v ? *v : Verdict{};
}

TEST(DcapE2e, SgxB) {
  IC_REQUIRE_EVIDENCE();
  Verdict v = MustVerify(LoadSet("SGX-B"));
  EXPECT_EQ(v.status, TcbStatus::kConfigurationAndSWHardeningNeeded);
  EXPECT_THAT(v.advisories, ElementsAre("INTEL-SA-00289", "INTEL-SA-00615"));
  EXPECT_EQ(v.qe.status, TcbStatus::kUpToDate);
  EXPECT_EQ(v.claims.tee, TeeKind::kSgx);
}

TEST(DcapE2e, SgxC) {
  IC_REQUIRE_EVIDENCE();
  Verdict v = MustVerify(LoadSet("SGX-C"));
  EXPECT_EQ(v.status, TcbStatus::kSWHardeningNeeded);
  EXPECT_THAT(v.advisories, ElementsAre("INTEL-SA-00615"));
  EXPECT_EQ(v.qe.status, TcbStatus::kUpToDate);
  EXPECT_THAT(v.warnings, IsEmpty());
}

TEST(DcapE2e, SgxF2020TcbInfoV2) {
  IC_REQUIRE_EVIDENCE();
  Verdict v = MustVerify(LoadSet("SGX-F2020"));
  EXPECT_EQ(v.status, TcbStatus::kSWHardeningNeeded);
  EXPECT_EQ(v.qe.status, TcbStatus::kUpToDate);
  EXPECT_THAT(v.warnings, ElementsAre(HasSubstr("no Root CA CRL")));
}

TEST(DcapE2e, SgxF2020StrictRootCrlFailsOnTheCrlAlone) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("SGX-F2020");
  s.collateral.root_ca_crl = testing::ReadText("sgx/fortanix-pcs/IntelSGXRootCA.crl");
  auto v = VerifyQuote(s.quote, s.collateral, s.options);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("Root CA CRL thisUpdate 2026-02-26T13:04:00Z"));
  s.collateral.root_ca_crl.clear();
  s.options.require_root_crl = true;
  EXPECT_FALSE(VerifyQuote(s.quote, s.collateral, s.options).has_value());
}

TEST(DcapE2e, TdxD) {
  IC_REQUIRE_EVIDENCE();
  Verdict v = MustVerify(LoadSet("TDX-D"));
  EXPECT_EQ(v.status, TcbStatus::kUpToDate);
  EXPECT_THAT(v.advisories, IsEmpty());
  ASSERT_TRUE(v.tdx_module.has_value());
  EXPECT_EQ(v.tdx_module->id, "TDX_01");
  EXPECT_EQ(v.tdx_module->status, TcbStatus::kUpToDate);
  EXPECT_EQ(v.qe.status, TcbStatus::kUpToDate);
  EXPECT_EQ(v.claims.tee, TeeKind::kTdx);
  EXPECT_EQ(sgx::HexEncode(v.claims.mr_td),
            "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7");
}

TEST(DcapE2e, TdxFQuoteV5) {
  IC_REQUIRE_EVIDENCE();
  Verdict v = MustVerify(LoadSet("TDX-F"));
  EXPECT_EQ(v.status, TcbStatus::kUpToDate);
  ASSERT_TRUE(v.tdx_module.has_value());
  EXPECT_EQ(v.tdx_module->status, TcbStatus::kUpToDate);
  EXPECT_EQ(v.qe.status, TcbStatus::kUpToDate);
  EXPECT_EQ(v.claims.evidence_version, 5);
}

TEST(DcapE2e, TdxGOutOfDate) {
  IC_REQUIRE_EVIDENCE();
  Verdict v = MustVerify(LoadSet("TDX-G"));
  EXPECT_EQ(v.status, TcbStatus::kOutOfDate);
  EXPECT_EQ(v.platform_status, TcbStatus::kOutOfDate);
  EXPECT_THAT(v.advisories, ElementsAre("INTEL-SA-00960", "INTEL-SA-00982", "INTEL-SA-00986"));
  ASSERT_TRUE(v.tdx_module.has_value());
  EXPECT_EQ(v.tdx_module->status, TcbStatus::kUpToDate);
  EXPECT_EQ(v.qe.status, TcbStatus::kUpToDate);
  EXPECT_EQ(sgx::HexEncode(v.claims.mr_td),
            "935be7742dd89c6a4df6dba8353d89041ae0f052beef993b1e7f4524d3bc57650df20e5582158352e1240b3f1fed55d8");
}

TEST(DcapE2e, TdxN2NoMatchingTcbLevel) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("TDX-N2");
  auto v = VerifyQuote(s.quote, s.collateral, s.options);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("no matching TCB level"));
}

TEST(DcapE2e, TimePastNextUpdateFails) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("SGX-B");
  *s.options.time += 2;  // window ends 2025-07-19T10:01:18Z
  auto v = VerifyQuote(s.quote, s.collateral, s.options);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("collateral expired"));
  EXPECT_THAT(v.error().message(), HasSubstr("< verification time 2025-07-19T10:01:19Z"));
  s.options.time = *ParseRfc3339("2025-07-19T10:57:00Z");
  v = VerifyQuote(s.quote, s.collateral, s.options);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("collateral expired"));
}

TEST(DcapE2e, TimeBeforeIssueFails) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("SGX-C");
  s.options.time = *ParseRfc3339("2025-08-01T00:00:00Z");
  auto v = VerifyQuote(s.quote, s.collateral, s.options);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("not yet valid"));
}

TEST(DcapE2e, WrongTrustAnchorFails) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("SGX-C");
  // A P-256 self-signed CA that is not Intel's.
  s.options.root_ca_pem = testing::ReadText("sgx/automata/intel_sgx_tcb_signing.der");
  EXPECT_FALSE(VerifyQuote(s.quote, s.collateral, s.options).has_value());
}

TEST(DcapE2e, CachedVerifierRepeats) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("SGX-C");
  auto v = DcapVerifier::Create(s.collateral, s.options);
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  for (int i = 0; i < 3; ++i) {
    auto r = v->Verify(s.quote);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->status, TcbStatus::kSWHardeningNeeded);
  }
  auto bad = s.quote;
  bad[100] ^= 1;  // body byte: quote signature
  EXPECT_FALSE(v->Verify(bad).has_value());
}

TEST(DcapE2e, BuiltInRootIsTheEvidenceRoot) {
  IC_REQUIRE_EVIDENCE();
  auto roots = IntelSgxRootCas();
  ASSERT_EQ(roots.size(), 1u);
  unsigned char* der = nullptr;
  int len = i2d_X509(roots[0].get(), &der);
  ASSERT_GT(len, 0);
  std::vector<uint8_t> got(der, der + len);
  OPENSSL_free(der);
  EXPECT_EQ(got, testing::ReadBytes("sgx/automata/intel_sgx_root_ca.der"));
}

TEST(DcapE2e, VerdictJson) {
  IC_REQUIRE_EVIDENCE();
  Verdict v = MustVerify(LoadSet("TDX-G"));
  std::string j = VerdictToJson(v);
  EXPECT_THAT(j, HasSubstr("\"status\": \"OutOfDate\""));
  EXPECT_THAT(j, HasSubstr("\"mr_td\": \"935be774"));
}

}  // namespace
}  // namespace inclavare::attest
