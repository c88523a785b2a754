// Single-byte corruption: flipping a byte of a quote, its signature
// structures, a certificate, a CRL or the collateral makes verification fail.
// Every byte of the signature structures and of the collateral signatures is
// tested; the PEM certification data and the large documents densely.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "attest/attest_test_util.h"
#include "attest/dcap_verify.h"
#include "enclave/sgx/quote.h"

namespace inclavare::attest {
namespace {

using testing::E2eSet;
using testing::LoadSet;

// Runs `accepts` for each offset with that byte flipped; returns the offsets
// that were (wrongly) still accepted.
std::vector<size_t> Survivors(size_t begin, size_t end, size_t step, const std::function<bool(size_t)>& accepts) {
  std::vector<size_t> out;
  for (size_t off = begin; off < end; off += step) {
    if (accepts(off)) out.push_back(off);
  }
  return out;
}

void FlipQuote(const std::string& set) {
  E2eSet s = LoadSet(set);
  auto v = DcapVerifier::Create(s.collateral, s.options);
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  ASSERT_TRUE(v->Verify(s.quote).has_value());
  auto q = sgx::ParseQuote(s.quote);
  ASSERT_TRUE(q.has_value());
  const size_t cert_begin = static_cast<size_t>(q->cert_data.data() - s.quote.data());
  std::string_view pem(reinterpret_cast<const char*>(q->cert_data.data()), q->cert_data.size());
  const size_t last_end = pem.rfind("-----END CERTIFICATE-----");
  ASSERT_NE(last_end, std::string_view::npos);
  const size_t pem_end = cert_begin + last_end + std::strlen("-----END CERTIFICATE-----");
  auto accepts = [&](size_t off) {
    std::vector<uint8_t> b = s.quote;
    b[off] ^= 0x01;
    return v->Verify(b).has_value();
  };
  // Header, body, signature data up to the certification data: every byte.
  EXPECT_THAT(Survivors(0, cert_begin, 1, accepts), ::testing::IsEmpty()) << set;
  // The PEM chain (PCK cert, CA, root): every 3rd byte.
  EXPECT_THAT(Survivors(cert_begin, pem_end, 3, accepts), ::testing::IsEmpty()) << set;
}

TEST(Flip, SgxQuoteV3EveryByte) {
  IC_REQUIRE_EVIDENCE();
  FlipQuote("SGX-C");
}

TEST(Flip, TdxQuoteV4EveryByte) {
  IC_REQUIRE_EVIDENCE();
  FlipQuote("TDX-D");
}

bool Accepts(const E2eSet& s, const Collateral& c) {
  auto v = VerifyQuote(s.quote, c, s.options);
  return v.has_value();
}

TEST(Flip, CollateralSignaturesEveryByte) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("SGX-C");
  ASSERT_TRUE(Accepts(s, s.collateral));
  auto tcb = Survivors(0, s.collateral.tcb_info.signature.size(), 1, [&](size_t off) {
    Collateral c = s.collateral;
    c.tcb_info.signature[off] ^= 0x01;
    return Accepts(s, c);
  });
  EXPECT_THAT(tcb, ::testing::IsEmpty());
  auto qe = Survivors(0, s.collateral.qe_identity.signature.size(), 1, [&](size_t off) {
    Collateral c = s.collateral;
    c.qe_identity.signature[off] ^= 0x01;
    return Accepts(s, c);
  });
  EXPECT_THAT(qe, ::testing::IsEmpty());
}

TEST(Flip, CollateralDocuments) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("SGX-C");
  // Dense samples of the signed documents (their signatures: every byte, above).
  auto tcb = Survivors(0, s.collateral.tcb_info.body.size(), 3, [&](size_t off) {
    Collateral c = s.collateral;
    c.tcb_info.body[off] ^= 0x01;
    return Accepts(s, c);
  });
  EXPECT_THAT(tcb, ::testing::IsEmpty());
  auto qe = Survivors(0, s.collateral.qe_identity.body.size(), 2, [&](size_t off) {
    Collateral c = s.collateral;
    c.qe_identity.body[off] ^= 0x01;
    return Accepts(s, c);
  });
  EXPECT_THAT(qe, ::testing::IsEmpty());
}

TEST(Flip, CrlsAndSigningCertificate) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("SGX-C");
  // Every byte of the Root CA CRL and the TCB signing certificate; every
  // other byte of the (larger) PCK CRL.
  for (auto [field, step] : {std::pair{&Collateral::pck_crl, size_t{2}}, std::pair{&Collateral::root_ca_crl, size_t{1}},
                             std::pair{&Collateral::tcb_signing_chain, size_t{1}}}) {
    auto survivors = Survivors(0, (s.collateral.*field).size(), step, [&](size_t off) {
      Collateral c = s.collateral;
      (c.*field)[off] ^= 0x01;
      return Accepts(s, c);
    });
    EXPECT_THAT(survivors, ::testing::IsEmpty());
  }
}

TEST(Flip, DcapQvlCollateralSignaturesEveryByte) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("TDX-D");
  for (SignedDocument Collateral::*doc : {&Collateral::tcb_info, &Collateral::qe_identity}) {
    auto survivors = Survivors(0, 64, 1, [&](size_t off) {
      Collateral c = s.collateral;
      (c.*doc).signature[off] ^= 0x01;
      return Accepts(s, c);
    });
    EXPECT_THAT(survivors, ::testing::IsEmpty());
  }
}

TEST(Flip, FortanixCorruptedCollateralFailsSignature) {
  IC_REQUIRE_EVIDENCE();
  E2eSet s = LoadSet("SGX-F2020");
  for (const char* which : {"tcb", "qe"}) {
    CollateralFiles f;
    f.tcb_info = testing::Ev(std::string("sgx/fortanix-pcs/") + (which[0] == 't' ? "corrupted/" : "") + "00906ea10000.tcb");
    f.qe_identity = testing::Ev(std::string("sgx/fortanix-pcs/") + (which[0] == 'q' ? "corrupted/" : "") + "qe3_identity.id");
    f.pck_crl = testing::Ev("sgx/fortanix-pcs/processor.crl");
    auto c = LoadCollateralFiles(f);
    ASSERT_TRUE(c.has_value()) << c.error().ToString();
    auto v = VerifyQuote(s.quote, *c, s.options);
    ASSERT_FALSE(v.has_value()) << which;
    EXPECT_THAT(v.error().message(), ::testing::HasSubstr("signature does not verify")) << which;
  }
}

}  // namespace
}  // namespace inclavare::attest
