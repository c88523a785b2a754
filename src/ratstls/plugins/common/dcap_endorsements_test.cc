// DCAP endorsements (Interoperable RA-TLS endorsements CBOR array): strict
// decoding, round trip, conversion to collateral that verifies a real quote,
// and the collateral directory layout.
#include "ratstls/plugins/common/dcap_endorsements.h"

#include <cbor.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <stdlib.h>

#include "attest/attest_test_util.h"
#include "attest/dcap_verify.h"
#include "attest/x509.h"
#include "common/fs.h"

namespace inclavare::ratstls {
namespace {

using ::testing::HasSubstr;
namespace at = attest::testing;

DcapEndorsements Sample(bool with_time) {
  DcapEndorsements e;
  e.version = 1;
  const std::string sig(128, '0');  // 64 bytes r || s, hex
  e.tcb_info = R"({"tcbInfo":{"id":"SGX"},"signature":")" + sig + "\"}";
  e.tcb_issuer_chain = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  e.pck_crl = std::string("\x30\x82\x01\x00\x00", 5);  // "DER" ending in a zero byte: kept
  e.root_ca_crl = "-----BEGIN X509 CRL-----\nBBBB\n-----END X509 CRL-----\n";
  e.pck_crl_issuer_chain = "-----BEGIN CERTIFICATE-----\nCCCC\n-----END CERTIFICATE-----\n";
  e.qe_identity = R"({"enclaveIdentity":{"id":"QE"},"signature":")" + sig + "\"}";
  e.qe_identity_issuer_chain = e.tcb_issuer_chain;
  if (with_time) e.creation_datetime = "2025-08-15T05:45:00Z";
  return e;
}

void ExpectEqual(const DcapEndorsements& a, const DcapEndorsements& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.tcb_info, b.tcb_info);
  EXPECT_EQ(a.tcb_issuer_chain, b.tcb_issuer_chain);
  EXPECT_EQ(a.pck_crl, b.pck_crl);
  EXPECT_EQ(a.root_ca_crl, b.root_ca_crl);
  EXPECT_EQ(a.pck_crl_issuer_chain, b.pck_crl_issuer_chain);
  EXPECT_EQ(a.qe_identity, b.qe_identity);
  EXPECT_EQ(a.qe_identity_issuer_chain, b.qe_identity_issuer_chain);
  EXPECT_EQ(a.creation_datetime, b.creation_datetime);
}

// CBOR built by hand with libcbor, to feed the decoder what our encoder
// would never write.
struct Cbor {
  cbor_item_t* item;
  ~Cbor() {
    if (item) cbor_decref(&item);
  }
  std::vector<uint8_t> Bytes() const {
    unsigned char* buf = nullptr;
    size_t cap = 0;
    size_t n = cbor_serialize_alloc(item, &buf, &cap);
    std::vector<uint8_t> out(buf, buf + n);
    free(buf);
    return out;
  }
};

cbor_item_t* Bstr(std::string_view s) {
  return cbor_build_bytestring(reinterpret_cast<cbor_data>(s.data()), s.size());
}

// An array of `n` entries: uint version, then byte strings.
Cbor Array(size_t n, cbor_item_t* version = nullptr) {
  Cbor c{cbor_new_definite_array(n)};
  for (size_t i = 0; i < n; ++i) {
    cbor_item_t* e = i == 0 ? (version ? version : cbor_build_uint8(1)) : Bstr("x");
    cbor_array_push(c.item, cbor_move(e));
  }
  return c;
}

TEST(DcapEndorsements, RoundTripEightAndNineEntries) {
  for (bool with_time : {false, true}) {
    DcapEndorsements e = Sample(with_time);
    auto enc = EncodeDcapEndorsements(e);
    ASSERT_TRUE(enc.has_value()) << enc.error().ToString();
    auto dec = DecodeDcapEndorsements(*enc);
    ASSERT_TRUE(dec.has_value()) << dec.error().ToString();
    ExpectEqual(*dec, e);
  }
}

TEST(DcapEndorsements, TextEntriesCarryATrailingNulAsOpenEnclaveWritesThem) {
  auto enc = EncodeDcapEndorsements(Sample(true));
  ASSERT_TRUE(enc.has_value());
  cbor_load_result res{};
  Cbor c{cbor_load(enc->data(), enc->size(), &res)};
  ASSERT_NE(c.item, nullptr);
  ASSERT_EQ(cbor_array_size(c.item), 9u);
  cbor_item_t** v = cbor_array_handle(c.item);
  auto last = [&](size_t i) {
    size_t n = cbor_bytestring_length(v[i]);
    return n ? cbor_bytestring_handle(v[i])[n - 1] : 0xff;
  };
  for (size_t i : {1, 2, 4, 5, 6, 7, 8}) EXPECT_EQ(last(i), 0) << "entry " << i;
  // The DER CRL is binary: written as is (its own last byte happens to be 0).
  EXPECT_EQ(cbor_bytestring_length(v[3]), 5u);
}

TEST(DcapEndorsements, DecodesEntriesWithoutNul) {
  Cbor c = Array(8);
  auto d = DecodeDcapEndorsements(c.Bytes());
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_EQ(d->tcb_info, "x");
  EXPECT_FALSE(d->creation_datetime.has_value());
}

TEST(DcapEndorsements, StrictEntryCount) {
  for (size_t n : {0, 1, 7, 10}) {
    Cbor c = Array(n);
    auto d = DecodeDcapEndorsements(c.Bytes());
    ASSERT_FALSE(d.has_value()) << n;
    EXPECT_THAT(d.error().message(), HasSubstr("has " + std::to_string(n) + " entries, expected 8 or 9"));
  }
}

TEST(DcapEndorsements, StrictTypes) {
  {
    Cbor c = Array(8, Bstr("1"));
    auto d = DecodeDcapEndorsements(c.Bytes());
    ASSERT_FALSE(d.has_value());
    EXPECT_THAT(d.error().message(), HasSubstr("entry 0 (VERSION) is not an unsigned integer"));
  }
  {
    Cbor c = Array(8, cbor_build_uint64(1ull << 33));
    auto d = DecodeDcapEndorsements(c.Bytes());
    ASSERT_FALSE(d.has_value());
    EXPECT_THAT(d.error().message(), HasSubstr("VERSION 8589934592 is too large"));
  }
  {
    Cbor c{cbor_new_definite_array(8)};
    cbor_array_push(c.item, cbor_move(cbor_build_uint8(1)));
    for (int i = 1; i < 8; ++i) {
      cbor_array_push(c.item, cbor_move(i == 6 ? cbor_build_string("{}") : Bstr("x")));
    }
    auto d = DecodeDcapEndorsements(c.Bytes());
    ASSERT_FALSE(d.has_value());
    EXPECT_THAT(d.error().message(), HasSubstr("entry 6 (QE_ID_INFO) is not a byte string"));
  }
  {
    Cbor c = Array(8);
    Cbor tagged{cbor_build_tag(60000, c.item)};
    auto d = DecodeDcapEndorsements(tagged.Bytes());
    ASSERT_FALSE(d.has_value());
    EXPECT_THAT(d.error().message(), HasSubstr("expected a CBOR array, got a tag"));
  }
  {
    Cbor m{cbor_new_definite_map(0)};
    auto d = DecodeDcapEndorsements(m.Bytes());
    ASSERT_FALSE(d.has_value());
    EXPECT_THAT(d.error().message(), HasSubstr("expected a CBOR array"));
  }
}

TEST(DcapEndorsements, MalformedTruncatedTrailing) {
  EXPECT_THAT(DecodeDcapEndorsements({}).error().message(), HasSubstr("empty"));
  auto enc = *EncodeDcapEndorsements(Sample(false));
  auto truncated = enc;
  truncated.resize(enc.size() - 3);
  auto d = DecodeDcapEndorsements(truncated);
  ASSERT_FALSE(d.has_value());
  EXPECT_THAT(d.error().message(), HasSubstr("malformed CBOR"));
  auto trailing = enc;
  trailing.push_back(0x00);
  d = DecodeDcapEndorsements(trailing);
  ASSERT_FALSE(d.has_value());
  EXPECT_THAT(d.error().message(), HasSubstr("1 trailing bytes after the CBOR array"));
}

TEST(DcapEndorsements, ToCollateralNamesMissingAndBrokenEntries) {
  DcapEndorsements e = Sample(false);
  e.tcb_info.clear();
  EXPECT_THAT(ToCollateral(e).error().message(), HasSubstr("TCB_INFO is empty"));
  e = Sample(false);
  e.pck_crl.clear();
  EXPECT_THAT(ToCollateral(e).error().message(), HasSubstr("CRL_PCK_CERT"));
  e = Sample(false);
  ASSERT_TRUE(ToCollateral(e).has_value()) << ToCollateral(e).error().ToString();
  e.qe_identity = "not json";
  auto c = ToCollateral(e);
  ASSERT_FALSE(c.has_value());
  EXPECT_THAT(c.error().message(), HasSubstr("QE_ID_INFO"));
}

std::string DerToPem(const std::string& der) {
  auto cert = attest::ParseCert(der);
  EXPECT_TRUE(cert.has_value());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert->get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

// The MANIFEST's SGX-C set as endorsements.
DcapEndorsements SgxCEndorsements() {
  DcapEndorsements e;
  e.tcb_info = at::ReadText("sgx/automata/0825/sgx_tcbinfov3_00606a000000.json");
  e.qe_identity = at::ReadText("sgx/automata/0825/sgx_qeidentity_v4.json");
  const std::string root = DerToPem(at::ReadText("sgx/automata/intel_sgx_root_ca.der"));
  e.tcb_issuer_chain = DerToPem(at::ReadText("sgx/automata/intel_sgx_tcb_signing.der")) + root;
  e.qe_identity_issuer_chain = e.tcb_issuer_chain;
  e.pck_crl = at::ReadText("sgx/automata/0825/platform_crl.der");
  e.root_ca_crl = at::ReadText("sgx/automata/intel_sgx_root_ca.crl.der");
  e.pck_crl_issuer_chain = DerToPem(at::ReadText("sgx/automata/intel_sgx_pck_platform_ca.der")) + root;
  e.creation_datetime = "2025-08-15T05:45:00Z";
  return e;
}

TEST(DcapEndorsements, RealCollateralThroughCborVerifiesQuoteV3) {
  IC_REQUIRE_EVIDENCE();
  auto enc = EncodeDcapEndorsements(SgxCEndorsements());
  ASSERT_TRUE(enc.has_value());
  auto dec = DecodeDcapEndorsements(*enc);
  ASSERT_TRUE(dec.has_value()) << dec.error().ToString();
  auto c = ToCollateral(*dec);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  attest::VerifyOptions o;
  o.time = *attest::ParseRfc3339("2025-08-15T05:45:00Z");
  o.require_root_crl = true;
  auto v = attest::VerifyQuote(at::ReadBytes("sgx/automata/quote_v3.bin"), *c, o);
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  EXPECT_EQ(v->status, attest::TcbStatus::kSWHardeningNeeded);
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ratstls_endorsements_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { (void)fs::RemoveAll(path_); }
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& data) const {
    ASSERT_TRUE(fs::WriteFile(fs::Join(path_, name), data, /*create=*/true).has_value()) << name;
  }

 private:
  std::string path_;
};

TEST(DcapEndorsements, LoadDirLayoutAndDerSigningCert) {
  IC_REQUIRE_EVIDENCE();
  TempDir d;
  d.Write("tcb_info.json", at::ReadText("sgx/automata/0825/sgx_tcbinfov3_00606a000000.json"));
  d.Write("qe_identity.json", at::ReadText("sgx/automata/0825/sgx_qeidentity_v4.json"));
  d.Write("pck_platform_ca.crl.der", at::ReadText("sgx/automata/0825/platform_crl.der"));
  d.Write("root_ca.crl.der", at::ReadText("sgx/automata/intel_sgx_root_ca.crl.der"));
  // A single DER certificate in the .pem file is accepted and turned into PEM.
  d.Write("tcb_signing_chain.pem", at::ReadText("sgx/automata/intel_sgx_tcb_signing.der"));
  auto e = LoadDcapEndorsementsDir(d.path());
  ASSERT_TRUE(e.has_value()) << e.error().ToString();
  EXPECT_THAT(e->tcb_issuer_chain, HasSubstr("-----BEGIN CERTIFICATE-----"));
  EXPECT_EQ(e->qe_identity_issuer_chain, e->tcb_issuer_chain);
  EXPECT_TRUE(e->pck_crl_issuer_chain.empty());  // no root part in a one-cert chain
  auto c = ToCollateral(*e);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  attest::VerifyOptions o;
  o.time = *attest::ParseRfc3339("2025-08-15T05:45:00Z");
  EXPECT_TRUE(attest::VerifyQuote(at::ReadBytes("sgx/automata/quote_v3.bin"), *c, o).has_value());

  // PEM chain signing cert || root: the root part becomes the CRL issuer chain.
  const std::string root = DerToPem(at::ReadText("sgx/automata/intel_sgx_root_ca.der"));
  d.Write("tcb_signing_chain.pem", DerToPem(at::ReadText("sgx/automata/intel_sgx_tcb_signing.der")) + root);
  e = LoadDcapEndorsementsDir(d.path());
  ASSERT_TRUE(e.has_value()) << e.error().ToString();
  EXPECT_EQ(e->pck_crl_issuer_chain, root);
}

TEST(DcapEndorsements, LoadDirNamesWhatIsMissing) {
  TempDir d;
  auto e = LoadDcapEndorsementsDir(d.path());
  ASSERT_FALSE(e.has_value());
  EXPECT_THAT(e.error().message(), HasSubstr("tcb_info.json"));
  d.Write("tcb_info.json", "{}");
  d.Write("qe_identity.json", "{}");
  e = LoadDcapEndorsementsDir(d.path());
  ASSERT_FALSE(e.has_value());
  EXPECT_THAT(e.error().message(), HasSubstr("pck_platform_ca.crl.der"));
  EXPECT_THAT(LoadDcapEndorsementsDir(d.path() + "/nope").error().message(), HasSubstr("does not exist"));
}

}  // namespace
}  // namespace inclavare::ratstls
