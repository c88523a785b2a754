// Quotes from published RA-TLS certificates (MANIFEST "ratls/"), extracted
// with OpenSSL and libcbor, through the sgx_ecdsa verifier with the
// FMSPC 00606a000000 collateral of 2025-08 (SGX-C). The interoperable
// certificates are DEBUG enclaves: the default policy must refuse them,
// naming debug.
#include <cbor.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "enclave/sgx/quote.h"
#include "ratstls/plugins/verifiers/tests/verifier_test_util.h"

namespace inclavare::ratstls::testing {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr char kLegacyQuoteOid[] = "1.2.840.113741.1337.6";
constexpr char kTcgDiceEvidenceOid[] = "2.23.133.5.4.9";

// The extension's OCTET STRING contents, "" when absent.
std::string Extension(const std::string& pem, const char* oid) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EXPECT_NE(cert, nullptr);
  if (!cert) return {};
  std::string out;
  for (int i = 0; i < X509_get_ext_count(cert); ++i) {
    X509_EXTENSION* ext = X509_get_ext(cert, i);
    char name[128];
    OBJ_obj2txt(name, sizeof name, X509_EXTENSION_get_object(ext), 1);
    if (std::strcmp(name, oid) != 0) continue;
    const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(ext);
    out.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)), ASN1_STRING_length(v));
    break;
  }
  X509_free(cert);
  return out;
}

// tag 60000 [ quote bstr, claims ] -> the quote.
std::vector<uint8_t> QuoteFromTaggedEvidence(const std::string& ext) {
  cbor_load_result res{};
  cbor_item_t* item = cbor_load(reinterpret_cast<cbor_data>(ext.data()), ext.size(), &res);
  EXPECT_NE(item, nullptr);
  if (!item) return {};
  std::vector<uint8_t> out;
  if (cbor_isa_tag(item) && cbor_tag_value(item) == RATS_TLS_TAG_INTEL_TEE_QUOTE) {
    cbor_item_t* arr = cbor_tag_item(item);
    if (cbor_isa_array(arr) && cbor_array_size(arr) >= 1 && cbor_isa_bytestring(cbor_array_handle(arr)[0]) &&
        cbor_bytestring_is_definite(cbor_array_handle(arr)[0])) {
      cbor_item_t* q = cbor_array_handle(arr)[0];
      out.assign(cbor_bytestring_handle(q), cbor_bytestring_handle(q) + cbor_bytestring_length(q));
    }
    cbor_decref(&arr);
  }
  cbor_decref(&item);
  EXPECT_FALSE(out.empty()) << "no tag 60000 [quote, claims] in the extension";
  return out;
}

struct CertQuote {
  const char* file;
  uint64_t tag;
  bool debug;  // per the MANIFEST
};

const CertQuote kCerts[] = {
    {"ratls/rats-tls/rats-tls-cert-sample.pem", RATS_TLS_TAG_LEGACY_QUOTE, false},
    {"ratls/rats-tls/rats-tls-cert-openssl-sample.pem", RATS_TLS_TAG_LEGACY_QUOTE, false},
    {"ratls/interoperable-ra-tls/gramine-cert.pem", RATS_TLS_TAG_INTEL_TEE_QUOTE, true},
    {"ratls/interoperable-ra-tls/intel-sgxsdk-cert.pem", RATS_TLS_TAG_INTEL_TEE_QUOTE, true},
    {"ratls/interoperable-ra-tls/rats-tls-cert.pem", RATS_TLS_TAG_INTEL_TEE_QUOTE, true},
};

std::vector<uint8_t> QuoteOf(const CertQuote& c) {
  const std::string pem = at::ReadText(c.file);
  if (c.tag == RATS_TLS_TAG_LEGACY_QUOTE) {
    std::string q = Extension(pem, kLegacyQuoteOid);
    return {q.begin(), q.end()};
  }
  return QuoteFromTaggedEvidence(Extension(pem, kTcgDiceEvidenceOid));
}

TEST(RaTlsCertificates, QuotesParseAndDebugMatchesTheManifest) {
  IC_REQUIRE_EVIDENCE();
  for (const auto& c : kCerts) {
    auto quote = QuoteOf(c);
    ASSERT_FALSE(quote.empty()) << c.file;
    auto q = sgx::ParseQuote(quote);
    ASSERT_TRUE(q.has_value()) << c.file << ": " << q.error().ToString();
    ASSERT_NE(q->sgx_report(), nullptr) << c.file;
    EXPECT_EQ((q->sgx_report()->attributes.flags & sgx::kAttrDebug) != 0, c.debug) << c.file;
  }
}

TEST(RaTlsCertificates, DebugEnclavesFailTheDefaultPolicy) {
  IC_REQUIRE_EVIDENCE();
  TempDir d;
  WriteSgxCCollateralDir(d);
  Settings s;
  s.verify_time = T("2025-08-15T05:45:00Z");
  s.collateral = d.path();
  Verifier v(rats_tls_plugin_verifier_sgx_ecdsa(), s);
  ASSERT_EQ(v.init_rc(), 0) << v.init_error();
  for (const auto& c : kCerts) {
    Outcome o = v.Verify(c.tag, QuoteOf(c));
    std::printf("%s: rc %d, %s\n", c.file, o.rc, o.rc ? o.error.c_str() : o.out.tcb_status);
    if (c.debug && o.error.find("CRL") == std::string::npos) {
      // With the policy allowing debug, the same quote verifies: the refusal
      // above was the policy's, not a verification failure.
      Settings d = s;
      d.policy_json = R"({"allow_debug": true})";
      Verifier dv(rats_tls_plugin_verifier_sgx_ecdsa(), d);
      Outcome ok = dv.Verify(c.tag, QuoteOf(c));
      EXPECT_EQ(ok.rc, 0) << c.file << ": " << ok.error;
      EXPECT_TRUE(ok.out.debug) << c.file;
    }
    if (c.debug) {
      // Refused for debug, or (intel-sgxsdk: FMSPC 00706a100000, PCK
      // Processor CA) for want of its collateral, before the policy.
      EXPECT_NE(o.rc, 0) << c.file;
      EXPECT_THAT(o.error, AnyOf(HasSubstr("policy: debug enclave/guest refused"),
                                 HasSubstr("unable to get certificate CRL")))
          << c.file;
    } else {
      // Production enclaves are never refused for debug. (Their quotes' PCK
      // chains lack the newline between PEM blocks, which attest's chain
      // parser does not accept yet: "PCK chain: no PEM certificate ...".)
      EXPECT_THAT(o.error, ::testing::Not(HasSubstr("debug"))) << c.file;
    }
  }
}

}  // namespace
}  // namespace inclavare::ratstls::testing
