#include "attest/collateral.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attest/attest_test_util.h"
#include "attest/dcap_verify.h"
#include "attest/pck.h"
#include "attest/tcb.h"
#include "attest/x509.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/quote.h"

namespace inclavare::attest {
namespace {

using ::testing::HasSubstr;

TEST(RawJsonMember, KeepsTheTextExactly) {
  std::string doc = R"({"a" : 1, "tcbInfo" : {"x": "}\"{", "y":[1, {"z":2}]} , "signature":"00"})";
  auto r = RawJsonMember(doc, "tcbInfo");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, R"({"x": "}\"{", "y":[1, {"z":2}]})");
  EXPECT_FALSE(RawJsonMember(doc, "enclaveIdentity").has_value());
  EXPECT_FALSE(RawJsonMember("[1]", "tcbInfo").has_value());
  EXPECT_FALSE(RawJsonMember(R"({"tcbInfo": {"a": )", "tcbInfo").has_value());
}

TEST(Rfc3339, ParsesAndFormats) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339("2020-06-05T12:00Z"), *ParseRfc3339("2020-06-05T12:00:00Z"));
  EXPECT_EQ(*ParseRfc3339("2025-07-19T12:01:17+02:00"), *ParseRfc3339("2025-07-19T10:01:17Z"));
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2025-07-19T10:01:17.5Z")), "2025-07-19T10:01:17Z");
  EXPECT_FALSE(ParseRfc3339("2025-07-19").has_value());
  EXPECT_FALSE(ParseRfc3339("2025-07-19T10:01:17").has_value());
}

TEST(Collateral, PcsAndFortanixAndQvlEncodings) {
  IC_REQUIRE_EVIDENCE();
  auto pcs = ParseSignedDocument(testing::ReadText("sgx/automata/0825/sgx_tcbinfov3_00606a000000.json"), "tcbInfo");
  ASSERT_TRUE(pcs.has_value()) << pcs.error().ToString();
  EXPECT_EQ(pcs->signature.size(), 64u);
  EXPECT_EQ(pcs->body.rfind("{\"id\":\"SGX\"", 0), 0u);
  auto info = ParseTcbInfo(pcs->body);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->version, 3);
  EXPECT_EQ(sgx::HexEncode(info->fmspc), "00606a000000");

  auto fx = ParseSignedDocument(testing::ReadText("sgx/fortanix-pcs/00906ea10000.tcb"), "tcbInfo");
  ASSERT_TRUE(fx.has_value()) << fx.error().ToString();
  EXPECT_EQ(fx->signature.size(), 64u);  // DER converted to r||s
  EXPECT_FALSE(fx->issuer_chain.empty());
  auto v2 = ParseTcbInfo(fx->body);
  ASSERT_TRUE(v2.has_value()) << v2.error().ToString();
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(v2->id, "SGX");

  auto qe = ParseSignedDocument(testing::ReadText("tdx/automata/0625/qe_td.json"), "enclaveIdentity");
  ASSERT_TRUE(qe.has_value());
  auto id = ParseEnclaveIdentity(qe->body);
  ASSERT_TRUE(id.has_value()) << id.error().ToString();
  EXPECT_EQ(id->id, "TD_QE");

  auto crl = UnwrapCrl(testing::ReadText("sgx/fortanix-pcs/processor.crl"));
  ASSERT_TRUE(crl.has_value());
  EXPECT_TRUE(ParseCrl(*crl).has_value());
  EXPECT_TRUE(ParseCrl(testing::ReadText("sgx/fortanix-pcs/IntelSGXRootCA.der")).has_value());

  auto qvl = ParseDcapQvlCollateral(testing::ReadText("tdx/dcap-qvl/tdx_quote_collateral.json"));
  ASSERT_TRUE(qvl.has_value()) << qvl.error().ToString();
  EXPECT_TRUE(ParseCrl(qvl->pck_crl).has_value());
  EXPECT_TRUE(ParseCrl(qvl->root_ca_crl).has_value());
}

TEST(Collateral, MalformedInputsAreErrors) {
  EXPECT_FALSE(ParseSignedDocument("", "tcbInfo").has_value());
  EXPECT_FALSE(ParseSignedDocument(R"({"tcbInfo":{}})", "tcbInfo").has_value());
  EXPECT_FALSE(ParseSignedDocument(R"({"tcbInfo":{},"signature":"zz"})", "tcbInfo").has_value());
  EXPECT_FALSE(ParseSignedDocument(R"({"tcbInfo":1,"signature":"00"})", "tcbInfo").has_value());
  EXPECT_FALSE(ParseDcapQvlCollateral("{}").has_value());
  EXPECT_FALSE(ParseTcbInfo(R"({"version":3})").has_value());
  EXPECT_FALSE(ParseEnclaveIdentity("[]").has_value());
}

TEST(Pck, ExtensionsFromAQuote) {
  IC_REQUIRE_EVIDENCE();
  auto bytes = testing::ReadBytes("sgx/automata/quote_v3.bin");
  auto q = sgx::ParseQuote(bytes);
  ASSERT_TRUE(q.has_value());
  auto pem = q->PckChainPem();
  ASSERT_TRUE(pem.has_value());
  auto leaf = ParseCert(*pem);
  ASSERT_TRUE(leaf.has_value());
  auto pck = ParsePckExtensions(leaf->get());
  ASSERT_TRUE(pck.has_value()) << pck.error().ToString();
  EXPECT_EQ(sgx::HexEncode(pck->fmspc), "00606a000000");
  EXPECT_EQ(sgx::HexEncode(pck->pce_id), "0000");
  EXPECT_GT(pck->pce_svn, 0);
}

TEST(Policy, JsonAndChecks) {
  auto p = ParsePolicyJson(R"({"mr_signer":")" + std::string(64, 'a') +
                           R"(","isv_prod_id":1,"accepted_statuses":["UpToDate"]})");
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  Claims c;
  c.mr_signer.assign(32, 0xaa);
  c.isv_prod_id = 1;
  EXPECT_TRUE(CheckPolicy(*p, c, TcbStatus::kUpToDate).has_value());
  EXPECT_FALSE(CheckPolicy(*p, c, TcbStatus::kOutOfDate).has_value());
  c.debug = true;
  auto r = CheckPolicy(*p, c, TcbStatus::kUpToDate);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), HasSubstr("debug"));
  EXPECT_FALSE(ParsePolicyJson(R"({"mr_enclav":"00"})").has_value());
  EXPECT_TRUE(CheckPolicy(Policy{}, Claims{}, TcbStatus::kOutOfDate).has_value());
  EXPECT_FALSE(CheckPolicy(Policy{}, Claims{}, TcbStatus::kRevoked).has_value());
}

}  // namespace
}  // namespace inclavare::attest
