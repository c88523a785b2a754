// RA-TLS certificates from the evidence folder: extract the quote (legacy
// OIDs, including Gramine's malformed encoding, and the TCG DICE tagged
// evidence 2.23.133.5.4.9), check the key binding, verify where collateral
// exists, and refuse the debug enclaves under a production policy.
#include <cbor.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "attest/attest_test_util.h"
#include "attest/dcap_verify.h"
#include "attest/policy.h"
#include "attest/x509.h"
#include "enclave/sgx/crypto.h"
#include "enclave/sgx/quote.h"

namespace inclavare::attest {
namespace {

// OID content octets.
const std::vector<uint8_t> kTcgTaggedEvidence = {0x67, 0x81, 0x05, 0x05, 0x04, 0x09};               // 2.23.133.5.4.9
const std::vector<uint8_t> kLegacyQuote = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x8a, 0x39, 0x06};   // 1.2.840.113741.1337.6
const std::vector<uint8_t> kGramineMalformed = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                                0xf8, 0x4d, 0x8a, 0x39, 0x06};  // "0.6.9.42.840.113741.1337.6"

X509Ptr LoadPem(const std::string& rel) {
  auto c = ParseCert(testing::ReadText(rel));
  EXPECT_TRUE(c.has_value());
  return c ? std::move(*c) : X509Ptr();
}

std::optional<std::vector<uint8_t>> ExtensionByOid(X509* cert, const std::vector<uint8_t>& oid) {
  for (int i = 0; i < X509_get_ext_count(cert); ++i) {
    X509_EXTENSION* e = X509_get_ext(cert, i);
    const ASN1_OBJECT* o = X509_EXTENSION_get_object(e);
    const unsigned char* d = OBJ_get0_data(o);
    size_t n = OBJ_length(o);
    if (n == oid.size() && std::memcmp(d, oid.data(), n) == 0) {
      const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(e);
      const uint8_t* p = ASN1_STRING_get0_data(v);
      return std::vector<uint8_t>(p, p + ASN1_STRING_length(v));
    }
  }
  return std::nullopt;
}

std::vector<uint8_t> Sha256(std::span<const uint8_t> b) {
  auto d = sgx::Sha256(b);
  return {d->begin(), d->end()};
}

std::vector<uint8_t> SpkiDer(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::vector<uint8_t> Pkcs1RsaPublicKey(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_PublicKey(X509_get0_pubkey(cert), &der);  // RSA: RSAPublicKey (PKCS#1)
  std::vector<uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

struct TaggedEvidence {
  uint64_t tag = 0;
  std::vector<uint8_t> evidence, claims;
  std::vector<uint8_t> pubkey_hash;
  uint64_t hash_alg = 0;
};

std::vector<uint8_t> Bytes(cbor_item_t* item) {
  if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) return {};
  const uint8_t* p = cbor_bytestring_handle(item);
  return std::vector<uint8_t>(p, p + cbor_bytestring_length(item));
}

// Decodes CBOR tag(N) [evidence bstr, claims bstr] and the claims map's
// "pubkey-hash": [alg, hash] - with libcbor.
std::optional<TaggedEvidence> DecodeTagged(const std::vector<uint8_t>& der_octets) {
  TaggedEvidence out;
  cbor_load_result res;
  cbor_item_t* root = cbor_load(der_octets.data(), der_octets.size(), &res);
  if (!root) return std::nullopt;
  std::optional<TaggedEvidence> ret;
  if (cbor_isa_tag(root)) {
    out.tag = cbor_tag_value(root);
    cbor_item_t* arr = cbor_tag_item(root);
    if (cbor_isa_array(arr) && cbor_array_size(arr) == 2) {
      cbor_item_t* ev = cbor_array_get(arr, 0);
      cbor_item_t* cl = cbor_array_get(arr, 1);
      out.evidence = Bytes(ev);
      out.claims = Bytes(cl);
      cbor_decref(&ev);
      cbor_decref(&cl);
      cbor_load_result r2;
      cbor_item_t* map = cbor_load(out.claims.data(), out.claims.size(), &r2);
      if (map && cbor_isa_map(map)) {
        cbor_pair* pairs = cbor_map_handle(map);
        for (size_t i = 0; i < cbor_map_size(map); ++i) {
          cbor_item_t* k = pairs[i].key;
          if (!cbor_isa_string(k)) continue;
          std::string key(reinterpret_cast<const char*>(cbor_string_handle(k)), cbor_string_length(k));
          cbor_item_t* v = pairs[i].value;
          // The value is the CBOR array [alg, hash], itself wrapped in a bstr.
          std::vector<uint8_t> inner = Bytes(v);
          cbor_load_result r3;
          cbor_item_t* unwrapped = inner.empty() ? nullptr : cbor_load(inner.data(), inner.size(), &r3);
          if (unwrapped) v = unwrapped;
          if (key == "pubkey-hash" && cbor_isa_array(v) && cbor_array_size(v) == 2) {
            cbor_item_t* alg = cbor_array_get(v, 0);
            cbor_item_t* h = cbor_array_get(v, 1);
            if (cbor_isa_uint(alg)) out.hash_alg = cbor_get_int(alg);
            out.pubkey_hash = Bytes(h);
            cbor_decref(&alg);
            cbor_decref(&h);
          }
          if (unwrapped) cbor_decref(&unwrapped);
        }
      }
      if (map) cbor_decref(&map);
      ret = out;
    }
    cbor_decref(&arr);
  }
  cbor_decref(&root);
  return ret;
}

std::vector<uint8_t> ReportData32(const sgx::QuoteView& q) {
  const auto& rd = q.sgx_report()->report_data;
  return {rd.begin(), rd.begin() + 32};
}

void CheckInteroperable(const std::string& rel, bool sgx_c_collateral) {
  X509Ptr cert = LoadPem(rel);
  ASSERT_TRUE(cert);
  auto ext = ExtensionByOid(cert.get(), kTcgTaggedEvidence);
  ASSERT_TRUE(ext.has_value()) << rel;
  auto tagged = DecodeTagged(*ext);
  ASSERT_TRUE(tagged.has_value()) << rel;
  EXPECT_EQ(tagged->tag, 60000u) << rel;
  auto q = sgx::ParseQuote(tagged->evidence);
  ASSERT_TRUE(q.has_value()) << rel << ": " << q.error().ToString();
  ASSERT_NE(q->sgx_report(), nullptr);
  // report_data[0..32] = SHA-256(claims); claims pubkey-hash = [1, SHA-256(SPKI)].
  EXPECT_EQ(ReportData32(*q), Sha256(tagged->claims)) << rel;
  EXPECT_EQ(tagged->hash_alg, 1u) << rel;
  EXPECT_EQ(tagged->pubkey_hash, Sha256(SpkiDer(cert.get()))) << rel;
  // All three are debug enclaves: a production policy refuses them.
  Claims claims = UnverifiedQuoteClaims(*q);
  EXPECT_TRUE(claims.debug) << rel;
  auto r = CheckPolicy(Policy{}, claims, TcbStatus::kUpToDate);
  ASSERT_FALSE(r.has_value()) << rel;
  EXPECT_THAT(r.error().message(), ::testing::HasSubstr("debug"));

  // Full verification where collateral exists: FMSPC 00606a000000 with a PCK
  // Platform CA chain matches the SGX-C collateral. The platform TCB of
  // these older captures is OutOfDate at that time; the QE is UpToDate.
  testing::E2eSet s = testing::LoadSet("SGX-C");
  auto v = VerifyQuote(tagged->evidence, s.collateral, s.options);
  if (sgx_c_collateral) {
    ASSERT_TRUE(v.has_value()) << rel << ": " << v.error().ToString();
    EXPECT_EQ(v->status, TcbStatus::kOutOfDate) << rel;
    EXPECT_EQ(v->qe.status, TcbStatus::kUpToDate) << rel;
    EXPECT_TRUE(v->claims.debug);
    EXPECT_FALSE(CheckPolicy(Policy{}, v->claims, v->status).has_value()) << rel;
    Policy debug_ok;
    debug_ok.allow_debug = true;
    EXPECT_TRUE(CheckPolicy(debug_ok, v->claims, v->status).has_value()) << rel;
  } else {
    ASSERT_FALSE(v.has_value()) << rel;  // other FMSPC / PCK CA: no matching collateral here
  }
}

TEST(RaTls, InteroperableGramine) {
  IC_REQUIRE_EVIDENCE();
  CheckInteroperable("ratls/interoperable-ra-tls/gramine-cert.pem", true);
  // Gramine's legacy extension with the malformed OID: raw quote bound to
  // SHA-256(SPKI).
  X509Ptr cert = LoadPem("ratls/interoperable-ra-tls/gramine-cert.pem");
  auto raw = ExtensionByOid(cert.get(), kGramineMalformed);
  ASSERT_TRUE(raw.has_value());
  auto q = sgx::ParseQuote(*raw);
  ASSERT_TRUE(q.has_value()) << q.error().ToString();
  EXPECT_EQ(ReportData32(*q), Sha256(SpkiDer(cert.get())));
}

TEST(RaTls, InteroperableIntelSgxSdk) {
  IC_REQUIRE_EVIDENCE();
  CheckInteroperable("ratls/interoperable-ra-tls/intel-sgxsdk-cert.pem", false);
}

TEST(RaTls, InteroperableRatsTlsOcclum) {
  IC_REQUIRE_EVIDENCE();
  CheckInteroperable("ratls/interoperable-ra-tls/rats-tls-cert.pem", true);
}

void CheckLegacyRatsTls(const std::string& rel, bool expect_debug) {
  X509Ptr cert = LoadPem(rel);
  ASSERT_TRUE(cert);
  auto raw = ExtensionByOid(cert.get(), kLegacyQuote);
  ASSERT_TRUE(raw.has_value()) << rel;
  auto q = sgx::ParseQuote(*raw);
  ASSERT_TRUE(q.has_value()) << rel << ": " << q.error().ToString();
  EXPECT_EQ(ReportData32(*q), Sha256(Pkcs1RsaPublicKey(cert.get()))) << rel;
  EXPECT_EQ(UnverifiedQuoteClaims(*q).debug, expect_debug) << rel;

  // The PCK chain these samples carry has no line break between its PEM
  // blocks, which OpenSSL's PEM reader alone refuses ("bad end line");
  // ParseCertChain repairs that, so the quote verifies fully with the
  // collateral of its FMSPC (SGX-C), at that collateral's time.
  testing::E2eSet s = testing::LoadSet("SGX-C");
  auto v = VerifyQuote(*raw, s.collateral, s.options);
  ASSERT_TRUE(v.has_value()) << rel << ": " << v.error().ToString();
  EXPECT_EQ(v->claims.debug, expect_debug) << rel;
}

TEST(RaTls, LegacyRatsTlsSample) {
  IC_REQUIRE_EVIDENCE();
  CheckLegacyRatsTls("ratls/rats-tls/rats-tls-cert-sample.pem", false);
}

TEST(RaTls, LegacyRatsTlsOpensslSample) {
  IC_REQUIRE_EVIDENCE();
  CheckLegacyRatsTls("ratls/rats-tls/rats-tls-cert-openssl-sample.pem", false);
}

}  // namespace
}  // namespace inclavare::attest
