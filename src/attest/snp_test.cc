#include "attest/snp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attest/attest_test_util.h"
#include "attest/x509.h"
#include "enclave/sgx/hex.h"

namespace inclavare::attest {
namespace {

using ::testing::HasSubstr;

SnpVerifyOptions At(const char* t) {
  SnpVerifyOptions o;
  o.time = *ParseRfc3339(t);
  return o;
}

TEST(Snp, GoSevGuestMilanVerifies) {
  IC_REQUIRE_EVIDENCE();
  auto report = testing::ReadBytes("snp/go-sev-guest/attestation.bin");
  auto v = VerifySnpReport(report, testing::ReadText("snp/go-sev-guest/vcek.der"),
                           testing::ReadText("snp/go-sev-guest/trust/ask_ark_milan.pem"), At("2025-01-01T00:00:00Z"));
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  EXPECT_EQ(v->product, "Milan");
  EXPECT_EQ(v->stepping, 0);
  EXPECT_FALSE(v->vlek);
  EXPECT_EQ(v->report.version, 2u);
  EXPECT_EQ(v->claims.tee, TeeKind::kSevSnp);
  EXPECT_EQ(v->claims.measurement.size(), 48u);
}

TEST(Snp, RequiredSteppingTwelve) {
  IC_REQUIRE_EVIDENCE();
  auto o = At("2025-01-01T00:00:00Z");
  o.required_stepping = 12;
  auto v = VerifySnpReport(testing::ReadBytes("snp/go-sev-guest/attestation.bin"),
                           testing::ReadText("snp/go-sev-guest/vcek.der"),
                           testing::ReadText("snp/go-sev-guest/trust/ask_ark_milan.pem"), o);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("expected product stepping 12, got 0"));
}

TEST(Snp, WrongProductChainFails) {
  IC_REQUIRE_EVIDENCE();
  auto v = VerifySnpReport(testing::ReadBytes("snp/go-sev-guest/attestation.bin"),
                           testing::ReadText("snp/go-sev-guest/vcek.der"),
                           testing::ReadText("snp/virtee-sev/cert_chain_turin"), At("2025-01-01T00:00:00Z"));
  EXPECT_FALSE(v.has_value());
}

TEST(Snp, VcekExpiredFails) {
  IC_REQUIRE_EVIDENCE();
  auto v = VerifySnpReport(testing::ReadBytes("snp/go-sev-guest/attestation.bin"),
                           testing::ReadText("snp/go-sev-guest/vcek.der"),
                           testing::ReadText("snp/go-sev-guest/trust/ask_ark_milan.pem"), At("2030-01-01T00:00:00Z"));
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("VCEK expired"));
}

TEST(Snp, EverySignedAndSignatureByteMatters) {
  IC_REQUIRE_EVIDENCE();
  auto report = testing::ReadBytes("snp/go-sev-guest/attestation.bin");
  std::string vcek = testing::ReadText("snp/go-sev-guest/vcek.der");
  std::string chain = testing::ReadText("snp/go-sev-guest/trust/ask_ark_milan.pem");
  auto o = At("2025-01-01T00:00:00Z");
  std::vector<size_t> survivors;
  for (size_t off = 0; off < kSnpSignedSize + 144; ++off) {
    auto b = report;
    b[off] ^= 0x01;
    if (VerifySnpReport(b, vcek, chain, o).has_value()) survivors.push_back(off);
  }
  EXPECT_THAT(survivors, ::testing::IsEmpty());
}

TEST(Snp, VcekCertificateBytesMatter) {
  IC_REQUIRE_EVIDENCE();
  auto report = testing::ReadBytes("snp/go-sev-guest/attestation.bin");
  std::string vcek = testing::ReadText("snp/go-sev-guest/vcek.der");
  std::string chain = testing::ReadText("snp/go-sev-guest/trust/ask_ark_milan.pem");
  auto o = At("2025-01-01T00:00:00Z");
  std::vector<size_t> survivors;
  for (size_t off = 0; off < vcek.size(); off += 3) {
    std::string c = vcek;
    c[off] ^= 0x01;
    if (VerifySnpReport(report, c, chain, o).has_value()) survivors.push_back(off);
  }
  EXPECT_THAT(survivors, ::testing::IsEmpty());
}

TEST(Snp, VirteeMilanReportAndByte21) {
  IC_REQUIRE_EVIDENCE();
  auto bytes = sgx::HexDecode(testing::ReadText("snp/virtee-sev/report_milan.hex"));
  ASSERT_TRUE(bytes.has_value());
  std::string vcek = testing::ReadText("snp/virtee-sev/vcek_milan.der");
  std::string chain = testing::ReadText("snp/virtee-sev/builtin/milan/ask.pem") +
                      testing::ReadText("snp/virtee-sev/builtin/milan/ark.pem");
  auto o = At("2025-01-01T00:00:00Z");
  auto v = VerifySnpReport(*bytes, vcek, chain, o);
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  EXPECT_EQ(v->product, "Milan");
  auto bad = *bytes;
  bad[21] ^= 0x01;
  EXPECT_FALSE(VerifySnpReport(bad, vcek, chain, o).has_value());
}

TEST(Snp, ParserRejectsShortAndOldReports) {
  std::vector<uint8_t> b(kSnpReportSize - 1);
  EXPECT_FALSE(ParseSnpReport(b).has_value());
  b.resize(kSnpReportSize);
  b[0] = 1;
  EXPECT_FALSE(ParseSnpReport(b).has_value());
}

}  // namespace
}  // namespace inclavare::attest
