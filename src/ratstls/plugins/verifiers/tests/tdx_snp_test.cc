// The tdx_ecdsa and sev_snp verifier plugins through their C ops, with the
// MANIFEST's TDX sets (TDX-D, TDX-F, TDX-G) and the go-sev-guest SNP report.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "ratstls/plugins/verifiers/tests/verifier_test_util.h"

namespace inclavare::ratstls::testing {
namespace {

using ::testing::HasSubstr;

const rats_tls_plugin_t* Tdx() { return rats_tls_plugin_verifier_tdx_ecdsa(); }
const rats_tls_plugin_t* Snp() { return rats_tls_plugin_verifier_sev_snp(); }

// TD quote body (TDX 1.0 part) offsets after the 48-byte v4 header.
constexpr size_t kTdBody = 48;
constexpr size_t kTeeTcbSvn = 0, kMrSeam = 16, kMrSignerSeam = 64, kMrTd = 136, kRtmr0 = 328,
                 kReportData = 520;

void ExpectTdFields(const Outcome& o, const std::vector<uint8_t>& quote, size_t body) {
  EXPECT_EQ(0, std::memcmp(o.out.tee_tcb_svn, quote.data() + body + kTeeTcbSvn, 16));
  EXPECT_EQ(0, std::memcmp(o.out.mr_seam, quote.data() + body + kMrSeam, 48));
  EXPECT_EQ(0, std::memcmp(o.out.mr_signer_seam, quote.data() + body + kMrSignerSeam, 48));
  EXPECT_EQ(0, std::memcmp(o.out.mr_td, quote.data() + body + kMrTd, 48));
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(0, std::memcmp(o.out.rtmr[i], quote.data() + body + kRtmr0 + 48 * i, 48)) << "rtmr" << i;
  }
  EXPECT_EQ(0, std::memcmp(o.out.report_data, quote.data() + body + kReportData, 64));
}

TEST(TdxEcdsaVerifier, Descriptor) {
  EXPECT_STREQ(Tdx()->name, "tdx_ecdsa");
  EXPECT_STREQ(Tdx()->type, "tdx_ecdsa");
  EXPECT_EQ(Tdx()->priority, 42);
  EXPECT_EQ(Tdx()->kind, RATS_TLS_PLUGIN_VERIFIER);
}

TEST(TdxEcdsaVerifier, TdxDQuoteV4WithDcapQvlCollateral) {
  IC_REQUIRE_EVIDENCE();
  Settings s;
  s.verify_time = T("2025-07-19T10:00:34Z");
  s.collateral = at::Ev("tdx/dcap-qvl/tdx_quote_collateral.json");
  Verifier v(Tdx(), s);
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  const auto quote = at::ReadBytes("tdx/dcap-qvl/tdx_quote");
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote);
  ASSERT_EQ(o.rc, 0) << o.error;
  EXPECT_STREQ(o.out.evidence_type, "tdx_ecdsa");
  EXPECT_STREQ(o.out.tcb_status, "UpToDate");
  EXPECT_FALSE(o.out.debug);
  EXPECT_EQ(
      Hex(o.out.mr_td, 48),
      "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7");
  ExpectTdFields(o, quote, kTdBody);
  // Window 2025-06-19T10:32:27Z..2025-07-19T10:00:35Z: the PCK CRL ends first.
  EXPECT_EQ(o.out.valid_until, T("2025-07-19T10:00:35Z"));
  EXPECT_THAT(o.claims_json, HasSubstr("\"tdx_module_status\":\"UpToDate\""));
  EXPECT_THAT(o.claims_json, HasSubstr("\"mr_td\":\"91eb2b44"));
  EXPECT_THAT(o.claims_json, HasSubstr("\"evidence_type\":\"tdx_ecdsa\""));
}

TEST(TdxEcdsaVerifier, TdxGOutOfDateFromDirectoryAndPolicy) {
  IC_REQUIRE_EVIDENCE();
  TempDir d;
  d.Write("tcb_info.json", at::ReadText("tdx/automata/0625/tcbinfov3_00806f050000.json"));
  d.Write("qe_identity.json", at::ReadText("tdx/automata/0625/qe_td.json"));
  d.Write("pck_platform_ca.crl.der", at::ReadText("sgx/automata/platform_crl_0625.der"));
  d.Write("root_ca.crl.der", at::ReadText("sgx/automata/intel_sgx_root_ca.crl.der"));
  d.Write("tcb_signing_chain.pem", DerToPem(at::ReadText("sgx/automata/intel_sgx_tcb_signing.der")));
  Settings s;
  s.verify_time = T("2025-06-05T03:45:00Z");
  s.collateral = d.path();
  const auto quote = at::ReadBytes("tdx/automata/quote_v4.bin");  // 3065 bytes of padding
  {
    Verifier v(Tdx(), s);
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote);
    ASSERT_EQ(o.rc, 0) << o.error;
    EXPECT_STREQ(o.out.tcb_status, "OutOfDate");  // the default policy accepts it
    EXPECT_EQ(
        Hex(o.out.mr_td, 48),
        "935be7742dd89c6a4df6dba8353d89041ae0f052beef993b1e7f4524d3bc57650df20e5582158352e1240b3f1fed55d8");
    ExpectTdFields(o, quote, kTdBody);
    EXPECT_THAT(o.claims_json, HasSubstr("INTEL-SA-00960"));
  }
  {
    s.policy_json = R"({"accepted_statuses": ["UpToDate", "SWHardeningNeeded"]})";
    Verifier v(Tdx(), s);
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote);
    EXPECT_EQ(o.rc, -EPERM);
    EXPECT_THAT(o.error, HasSubstr("OutOfDate"));
  }
  {
    s.policy_json = R"({"mr_td": ")" + std::string(96, 'a') + "\"}";
    Verifier v(Tdx(), s);
    Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote);
    EXPECT_EQ(o.rc, -EPERM);
    EXPECT_THAT(o.error, HasSubstr("policy: MRTD is 935be774"));
  }
}

TEST(TdxEcdsaVerifier, TdxFQuoteV5WithEndorsements) {
  IC_REQUIRE_EVIDENCE();
  Settings s;
  s.verify_time = T("2025-06-15T00:00:00Z");
  Verifier v(Tdx(), s);
  auto enc = EncodeDcapEndorsements(TdxEndorsements("tdx/automata/0625/tcbinfov3_90C06F000000.json"));
  ASSERT_TRUE(enc.has_value());
  const auto quote = at::ReadBytes("tdx/automata/quotes/alibaba_quote_5.dat");
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, quote, *enc);
  ASSERT_EQ(o.rc, 0) << o.error;
  EXPECT_STREQ(o.out.tcb_status, "UpToDate");
  ExpectTdFields(o, quote, kTdBody + 6);  // v5: 2-byte body type + 4-byte size first
  EXPECT_THAT(o.claims_json, HasSubstr("\"evidence_version\":5"));
}

TEST(TdxEcdsaVerifier, SgxQuoteAndNoCollateralAreNamed) {
  IC_REQUIRE_EVIDENCE();
  Settings s;
  s.verify_time = T("2025-08-15T05:45:00Z");
  Verifier v(Tdx(), s);
  Outcome o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, at::ReadBytes("sgx/automata/quote_v3.bin"));
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("SGX quote; the sgx_ecdsa verifier handles it"));
  o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, at::ReadBytes("tdx/dcap-qvl/tdx_quote"));
  EXPECT_THAT(o.error, HasSubstr("no collateral for the quote"));
}

// ---- SEV-SNP -----------------------------------------------------------------

constexpr size_t kSnpPolicy = 0x08, kSnpReportData = 0x50, kSnpMeasurement = 0x90;

Settings SnpSettings() {
  Settings s;
  s.verify_time = T("2025-01-01T00:00:00Z");
  s.snp_vcek_file = at::Ev("snp/go-sev-guest/vcek.der");
  s.snp_ask_ark_file = at::Ev("snp/go-sev-guest/trust/ask_ark_milan.pem");
  return s;
}

TEST(SevSnpVerifier, Descriptor) {
  EXPECT_STREQ(Snp()->name, "sev_snp");
  EXPECT_STREQ(Snp()->type, "sev_snp");
  EXPECT_EQ(Snp()->priority, 42);
}

TEST(SevSnpVerifier, GoSevGuestMilanReport) {
  IC_REQUIRE_EVIDENCE();
  Verifier v(Snp(), SnpSettings());
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  const auto report = at::ReadBytes("snp/go-sev-guest/attestation.bin");
  Outcome o = v.Verify(RATS_TLS_TAG_SEV_SNP, report);
  uint64_t policy = 0;
  std::memcpy(&policy, report.data() + kSnpPolicy, 8);
  const bool debug = (policy >> 19) & 1;
  if (debug) {
    // The default policy refuses a debug guest; allow it to see the fields.
    EXPECT_EQ(o.rc, -EPERM);
    EXPECT_THAT(o.error, HasSubstr("debug"));
    Settings s = SnpSettings();
    s.policy_json = R"({"allow_debug": true})";
    Verifier dv(Snp(), s);
    o = dv.Verify(RATS_TLS_TAG_SEV_SNP, report);
  }
  ASSERT_EQ(o.rc, 0) << o.error;
  EXPECT_STREQ(o.out.evidence_type, "sev_snp");
  EXPECT_STREQ(o.out.tcb_status, "");
  EXPECT_EQ(o.out.debug, debug);
  EXPECT_EQ(o.out.valid_until, 0);
  EXPECT_EQ(0, std::memcmp(o.out.measurement, report.data() + kSnpMeasurement, 48));
  EXPECT_EQ(0, std::memcmp(o.out.report_data, report.data() + kSnpReportData, 64));
  EXPECT_THAT(o.claims_json, HasSubstr("\"product\":\"Milan\""));
  EXPECT_THAT(o.claims_json, HasSubstr("\"measurement\":\"" + Hex(report.data() + kSnpMeasurement, 48)));

  // A policy on the measurement.
  Settings s = SnpSettings();
  s.policy_json = R"({"allow_debug": true, "snp_measurement": ")" + std::string(96, '0') + "\"}";
  Verifier pv(Snp(), s);
  o = pv.Verify(RATS_TLS_TAG_SEV_SNP, report);
  EXPECT_EQ(o.rc, -EPERM);
  EXPECT_THAT(o.error, HasSubstr("measurement"));
}

TEST(SevSnpVerifier, TamperedReportFails) {
  IC_REQUIRE_EVIDENCE();
  Settings s = SnpSettings();
  s.policy_json = R"({"allow_debug": true})";
  Verifier v(Snp(), s);
  auto report = at::ReadBytes("snp/go-sev-guest/attestation.bin");
  report[kSnpReportData] ^= 1;
  Outcome o = v.Verify(RATS_TLS_TAG_SEV_SNP, report);
  EXPECT_NE(o.rc, 0);
  EXPECT_THAT(o.error, HasSubstr("signature"));
}

TEST(SevSnpVerifier, ConfigurationErrorsAreClear) {
  {
    Verifier v(Snp(), Settings{});
    ASSERT_EQ(v.init_rc(), 0) << v.init_error();
    Outcome o = v.Verify(RATS_TLS_TAG_SEV_SNP, std::vector<uint8_t>(0x4A0, 0));
    EXPECT_NE(o.rc, 0);
    EXPECT_THAT(o.error, HasSubstr("set conf.ext.snp_vcek_file"));
    o = v.Verify(RATS_TLS_TAG_INTEL_TEE_QUOTE, std::vector<uint8_t>(0x4A0, 0));
    EXPECT_THAT(o.error, HasSubstr("is not an SEV-SNP report"));
  }
  {
    Settings s;
    s.snp_ask_ark_file = "/nonexistent/ask_ark.pem";
    Verifier v(Snp(), s);
    EXPECT_NE(v.init_rc(), 0);
    EXPECT_THAT(v.init_error(), HasSubstr("snp_vcek_file is not"));
    s.snp_vcek_file = "/nonexistent/vcek.der";
    Verifier v2(Snp(), s);
    EXPECT_NE(v2.init_rc(), 0);
    EXPECT_THAT(v2.init_error(), HasSubstr("/nonexistent/vcek.der"));
  }
}

TEST(SevSnpVerifier, VcekAloneVerifiesWithTheBuiltInAmdRoots) {
  IC_REQUIRE_EVIDENCE();
  Settings s = SnpSettings();
  s.snp_ask_ark_file.clear();
  Verifier v(Snp(), s);
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  const auto report = at::ReadBytes("snp/go-sev-guest/attestation.bin");
  Outcome o = v.Verify(RATS_TLS_TAG_SEV_SNP, report);
  // The signature chain verified; only the default policy may still refuse
  // a debug guest.
  if (o.rc != 0) {
    EXPECT_THAT(o.error, HasSubstr("debug"));
  }
}

}  // namespace
}  // namespace inclavare::ratstls::testing
