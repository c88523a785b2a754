// The built-in AMD SEV-SNP roots (roots.h) and VerifySnpReport's choice of
// trust anchor and product.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include <ctime>

#include "attest/attest_test_util.h"
#include "attest/roots.h"
#include "attest/snp.h"
#include "attest/x509.h"
#include "enclave/sgx/hex.h"

namespace inclavare::attest {
namespace {

using ::testing::HasSubstr;

struct Expected {
  const char* product;
  const char* which;  // "ark", "ask", "asvk"
  const char* cn;
  const char* issuer_cn;
  const char* not_before;
  const char* not_after;
  const char* sha256;
};

// Facts checked against the certificates as AMD's KDS serves them (the
// evidence copies from go-sev-guest and virtee/sev are compared below).
const Expected kExpected[] = {
    {"Milan", "ark", "ARK-Milan", "ARK-Milan", "2020-10-22T17:23:05Z", "2045-10-22T17:23:05Z",
     "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"},
    {"Milan", "ask", "SEV-Milan", "ARK-Milan", "2020-10-22T18:24:20Z", "2045-10-22T18:24:20Z",
     "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b"},
    {"Milan", "asvk", "SEV-VLEK-Milan", "ARK-Milan", "2022-11-16T22:45:24Z", "2047-11-16T22:45:24Z",
     "c5e081f59b7efab1fe2f8b505e159704e72f29cab7ef7cf628a05a42439082f5"},
    {"Genoa", "ark", "ARK-Genoa", "ARK-Genoa", "2022-01-26T15:34:37Z", "2047-01-26T15:34:37Z",
     "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1"},
    {"Genoa", "ask", "SEV-Genoa", "ARK-Genoa", "2022-10-31T13:33:48Z", "2047-10-31T13:33:48Z",
     "5464738c1546aed5f2cecf1dc98c5c960a92e8913238a61711bc90ec6e828521"},
    {"Genoa", "asvk", "SEV-VLEK-Genoa", "ARK-Genoa", "2022-11-18T20:48:34Z", "2047-11-18T20:48:34Z",
     "197e610743a917d6b9bb982a5a9226ccc0a15b611be0619e626aca9151457372"},
    {"Turin", "ark", "ARK-Turin", "ARK-Turin", "2023-05-15T20:03:12Z", "2048-05-15T20:03:12Z",
     "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a"},
    {"Turin", "ask", "SEV-Turin", "ARK-Turin", "2023-05-15T20:25:21Z", "2048-05-15T20:25:21Z",
     "5b77ef5fe7a7a004fd9032668fba9d0fda22f88c4442069a479636a6ae3b3185"},
    {"Turin", "asvk", "SEV-VLEK-Turin", "ARK-Turin", "2023-05-15T21:09:41Z", "2048-05-15T21:09:41Z",
     "104e10a8bd060a3c20a434261a57d0588fd65a88915b4f65b08bdecaf8df1a3c"},
};

const char* PemOf(const AmdSevRoots& r, std::string_view which) {
  if (which == "ark") return r.ark_pem;
  if (which == "ask") return r.ask_pem;
  return r.asvk_pem;
}

std::string Sha256Hex(X509* c) {
  unsigned char* der = nullptr;
  int n = i2d_X509(c, &der);
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(der, static_cast<size_t>(n), md, &len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return sgx::HexEncode(std::span<const uint8_t>(md, len));
}

int64_t AsnTime(const ASN1_TIME* t) {
  struct tm tm {};
  ASN1_TIME_to_tm(t, &tm);
  return static_cast<int64_t>(timegm(&tm));
}

std::string SignatureText(X509* c) {
  BIO* b = BIO_new(BIO_s_mem());
  const X509_ALGOR* alg = nullptr;
  const ASN1_BIT_STRING* sig = nullptr;
  X509_get0_signature(&sig, &alg, c);
  X509_signature_print(b, alg, nullptr);
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  std::string s(p, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

std::string IssuerCn(X509* c) {
  char buf[256];
  int n = X509_NAME_get_text_by_NID(X509_get_issuer_name(c), NID_commonName, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

TEST(AmdRoots, BuiltinCertificatesAreTheAmdProductRoots) {
  ASSERT_EQ(BuiltinAmdSevRoots().size(), 3u);
  for (const auto& e : kExpected) {
    SCOPED_TRACE(std::string(e.product) + " " + e.which);
    const AmdSevRoots* r = FindAmdSevRoots(e.product);
    ASSERT_NE(r, nullptr);
    auto cert = ParseCert(PemOf(*r, e.which));
    ASSERT_TRUE(cert.has_value()) << cert.error().ToString();
    auto ark = ParseCert(r->ark_pem);
    ASSERT_TRUE(ark.has_value());
    X509* c = cert->get();
    EXPECT_EQ(Sha256Hex(c), e.sha256);
    EXPECT_EQ(SubjectName(c), e.cn);
    EXPECT_EQ(IssuerCn(c), e.issuer_cn);
    char org[128];
    ASSERT_GT(X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_organizationName, org, sizeof org), 0);
    EXPECT_STREQ(org, "Advanced Micro Devices");
    // Signed by the product's ARK (the ARK by itself), RSA-PSS SHA-384.
    EXPECT_EQ(X509_verify(c, X509_get0_pubkey(ark->get())), 1);
    EXPECT_EQ(X509_check_issued(ark->get(), c), X509_V_OK);
    EXPECT_EQ(X509_get_signature_nid(c), NID_rsassaPss);
    std::string sig = SignatureText(c);
    EXPECT_THAT(sig, HasSubstr("Hash Algorithm: sha384"));
    EXPECT_THAT(sig, HasSubstr("Mask Algorithm: mgf1 with sha384"));
    EXPECT_THAT(sig, HasSubstr("Salt Length: 0x30"));
    EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(c)), 4096);
    EXPECT_EQ(AsnTime(X509_get0_notBefore(c)), *ParseRfc3339(e.not_before));
    EXPECT_EQ(AsnTime(X509_get0_notAfter(c)), *ParseRfc3339(e.not_after));
  }
  EXPECT_EQ(FindAmdSevRoots("Naples"), nullptr);
}

TEST(AmdRoots, BuiltinMatchesTheEvidenceCopies) {
  IC_REQUIRE_EVIDENCE();
  struct Pair {
    const char* product;
    const char* file;  // ASK or ASVK first, then ARK
    const char* first;
  };
  const Pair pairs[] = {
      {"Milan", "snp/go-sev-guest/trust/ask_ark_milan.pem", "ask"},
      {"Milan", "snp/go-sev-guest/trust/ask_ark_milan_vlek.pem", "asvk"},
      {"Genoa", "snp/go-sev-guest/trust/ask_ark_genoa.pem", "ask"},
      {"Genoa", "snp/go-sev-guest/trust/ask_ark_genoa_vlek.pem", "asvk"},
      {"Turin", "snp/go-sev-guest/trust/ask_ark_turin_vcek.pem", "ask"},
      {"Turin", "snp/go-sev-guest/trust/ask_ark_turin_vlek.pem", "asvk"},
      {"Milan", "snp/virtee-sev/cert_chain_milan", "ask"},
      {"Turin", "snp/virtee-sev/cert_chain_turin", "ask"},
  };
  for (const auto& p : pairs) {
    SCOPED_TRACE(p.file);
    auto chain = ParseCertChain(testing::ReadText(p.file));
    ASSERT_TRUE(chain.has_value());
    ASSERT_EQ(chain->size(), 2u);
    const AmdSevRoots* r = FindAmdSevRoots(p.product);
    auto first = ParseCert(PemOf(*r, p.first));
    auto ark = ParseCert(r->ark_pem);
    EXPECT_EQ(X509_cmp((*chain)[0].get(), first->get()), 0);
    EXPECT_EQ(X509_cmp((*chain)[1].get(), ark->get()), 0);
  }
  for (const char* product : {"milan", "genoa", "turin"}) {
    SCOPED_TRACE(product);
    std::string dir = std::string("snp/virtee-sev/builtin/") + product + "/";
    std::string name = product;
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
    const AmdSevRoots* r = FindAmdSevRoots(name);
    EXPECT_EQ(X509_cmp(ParseCert(testing::ReadText(dir + "ark.pem"))->get(), ParseCert(r->ark_pem)->get()), 0);
    EXPECT_EQ(X509_cmp(ParseCert(testing::ReadText(dir + "ask.pem"))->get(), ParseCert(r->ask_pem)->get()), 0);
  }
}

TEST(SnpProduct, FromCpuid) {
  EXPECT_EQ(SnpProductFromCpuid(0x19, 0x01), "Milan");
  EXPECT_EQ(SnpProductFromCpuid(0x19, 0x11), "Genoa");
  EXPECT_EQ(SnpProductFromCpuid(0x19, 0xA0), "Genoa");
  EXPECT_EQ(SnpProductFromCpuid(0x1A, 0x02), "Turin");
  EXPECT_EQ(SnpProductFromCpuid(0x1A, 0x11), "Turin");
  EXPECT_EQ(SnpProductFromCpuid(0x17, 0x31), std::nullopt);  // Rome: no SNP
  EXPECT_EQ(SnpProductFromCpuid(0x19, 0x21), std::nullopt);  // client Zen 3
}

SnpVerifyOptions At(const char* t) {
  SnpVerifyOptions o;
  o.time = *ParseRfc3339(t);
  return o;
}

constexpr const char* kTime = "2025-01-01T00:00:00Z";

struct Sample {
  std::vector<uint8_t> report;
  std::string vcek;
};

Sample GoSevGuest() {
  return {testing::ReadBytes("snp/go-sev-guest/attestation.bin"), testing::ReadText("snp/go-sev-guest/vcek.der")};
}

TEST(SnpBuiltinRoots, VerifiesWithOnlyTheVcek) {
  IC_REQUIRE_EVIDENCE();
  auto s = GoSevGuest();
  auto v = VerifySnpReport(s.report, s.vcek, "", At(kTime));
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  EXPECT_EQ(v->product, "Milan");

  auto virtee = sgx::HexDecode(testing::ReadText("snp/virtee-sev/report_milan.hex"));
  ASSERT_TRUE(virtee.has_value());
  auto w = VerifySnpReport(*virtee, testing::ReadText("snp/virtee-sev/vcek_milan.der"), "", At(kTime));
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  EXPECT_EQ(w->product, "Milan");
}

TEST(SnpBuiltinRoots, AskOnlyOrArkOnlyGiven) {
  IC_REQUIRE_EVIDENCE();
  auto s = GoSevGuest();
  const AmdSevRoots* milan = FindAmdSevRoots("Milan");
  auto ask_only = VerifySnpReport(s.report, s.vcek, milan->ask_pem, At(kTime));
  EXPECT_TRUE(ask_only.has_value()) << ask_only.error().ToString();
  auto ark_only = VerifySnpReport(s.report, s.vcek, milan->ark_pem, At(kTime));
  EXPECT_TRUE(ark_only.has_value()) << ark_only.error().ToString();
  // The Genoa ARK given selects Genoa: the Milan VCEK does not chain to it.
  auto genoa = VerifySnpReport(s.report, s.vcek, testing::ReadText("snp/go-sev-guest/trust/ask_ark_genoa.pem"),
                               At(kTime));
  ASSERT_FALSE(genoa.has_value());
  EXPECT_THAT(genoa.error().message(), HasSubstr("VCEK (by ASK SEV-Genoa) signature does not verify"));
}

TEST(SnpBuiltinRoots, ForeignArkRefusedUnlessItReplacesTheRoots) {
  IC_REQUIRE_EVIDENCE();
  auto s = GoSevGuest();
  // A self-signed root that is not AMD's (Intel's SGX root), given as the ARK.
  std::string foreign = kIntelSgxRootCa2049Pem;
  std::string chain = std::string(FindAmdSevRoots("Milan")->ask_pem) + foreign;
  auto v = VerifySnpReport(s.report, s.vcek, chain, At(kTime));
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("Intel SGX Root CA is not a trusted AMD root"));

  // Replacing the roots with it: accepted as a root, but nothing chains to it.
  auto o = At(kTime);
  o.ark_pem = foreign;
  v = VerifySnpReport(s.report, s.vcek, chain, o);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("signature does not verify"));

  // Replacing the roots with Milan's alone works; with Genoa's alone it does not.
  o.ark_pem = testing::ReadText("snp/virtee-sev/builtin/milan/ark.pem");
  v = VerifySnpReport(s.report, s.vcek, "", o);
  EXPECT_TRUE(v.has_value()) << v.error().ToString();
  o.ark_pem = testing::ReadText("snp/virtee-sev/builtin/genoa/ark.pem");
  v = VerifySnpReport(s.report, s.vcek, "", o);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("SEV-Genoa"));
  // A replacement that is not self-signed is refused.
  o.ark_pem = FindAmdSevRoots("Milan")->ask_pem;
  v = VerifySnpReport(s.report, s.vcek, "", o);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("SEV-Milan is not self-signed"));
}

TEST(SnpBuiltinRoots, ExplicitProduct) {
  IC_REQUIRE_EVIDENCE();
  auto s = GoSevGuest();
  auto o = At(kTime);
  o.product = "Milan";
  EXPECT_TRUE(VerifySnpReport(s.report, s.vcek, "", o).has_value());
  o.product = "Genoa";
  auto v = VerifySnpReport(s.report, s.vcek, "", o);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("SEV-Genoa"));
  o.product = "Naples";
  v = VerifySnpReport(s.report, s.vcek, "", o);
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("no trusted AMD root for product Naples"));
}

TEST(SnpBuiltinRoots, NoProductGivenTriesEveryRoot) {
  IC_REQUIRE_EVIDENCE();
  // The Turin VCEK from virtee/sev chains to the Turin roots only; with a
  // report that is not its own, the chain is found and the report then fails
  // on its signature (or TCB), never on the chain.
  auto s = GoSevGuest();
  auto v = VerifySnpReport(s.report, testing::ReadText("snp/virtee-sev/vcek_turin.der"), "", At(kTime));
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), ::testing::Not(HasSubstr("does not chain")));
  // A certificate no root issued: every product is tried and named.
  auto w = VerifySnpReport(s.report, FindAmdSevRoots("Milan")->ask_pem, "", At(kTime));
  ASSERT_FALSE(w.has_value());
  EXPECT_THAT(w.error().message(), HasSubstr("VCEK does not chain to a trusted AMD root"));
  EXPECT_THAT(w.error().message(), HasSubstr("SEV-Genoa"));
  EXPECT_THAT(w.error().message(), HasSubstr("SEV-Turin"));
}

TEST(SnpBuiltinRoots, ReportV3CpuidSelectsTheProduct) {
  IC_REQUIRE_EVIDENCE();
  auto s = GoSevGuest();
  auto v3 = s.report;
  v3[0] = 3;
  v3[0x188] = 0x19;
  v3[0x189] = 0x11;  // Genoa
  v3[0x18A] = 0x01;
  auto parsed = ParseSnpReport(v3);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->cpuid_fam_id, 0x19);
  EXPECT_EQ(parsed->cpuid_mod_id, 0x11);
  EXPECT_EQ(parsed->cpuid_step, 0x01);
  auto v = VerifySnpReport(v3, s.vcek, "", At(kTime));
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("SEV-Genoa"));
  // Milan's CPUID: the chain is found; the edited report then fails its signature.
  v3[0x189] = 0x01;
  v = VerifySnpReport(v3, s.vcek, "", At(kTime));
  ASSERT_FALSE(v.has_value());
  EXPECT_THAT(v.error().message(), HasSubstr("SNP report"));
  // Version 2 carries no CPUID: the same bytes are ignored.
  auto v2 = s.report;
  v2[0x189] = 0x11;
  auto p2 = ParseSnpReport(v2);
  ASSERT_TRUE(p2.has_value());
  EXPECT_EQ(p2->cpuid_mod_id, 0);
}

}  // namespace
}  // namespace inclavare::attest
