// Malicious peers: a plain OpenSSL TLS 1.3 server presents a crafted
// certificate made from genuine sim evidence; the Rats-TLS client must refuse
// each with a reason that names the broken link.
#include <rats-tls/api.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "ratstls/format/cert_format.h"
#include "ratstls/tests/sim_env.h"

namespace ratstls_test {
namespace {

using ::testing::HasSubstr;
using Bytes = std::vector<uint8_t>;
namespace rt = inclavare::ratstls;

struct KeyDel {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDel>;
struct CertDel {
  void operator()(X509* c) const { X509_free(c); }
};
using Cert = std::unique_ptr<X509, CertDel>;

rats_tls_conf_t BaseConf(bool server) {
  rats_tls_conf_t c;
  memset(&c, 0, sizeof c);
  c.api_version = RATS_TLS_API_VERSION_2;
  c.log_level = RATS_TLS_LOG_LEVEL_NONE;
  if (server) {
    c.flags = RATS_TLS_CONF_FLAGS_SERVER;
    strcpy(c.attester_type, "sgx_ecdsa");
  }
  c.ext.plugin_dir = RATSTLS_PLUGIN_DIR;
  c.ext.sim_dir = SimEnv::Get()->dir().c_str();
  c.ext.aesm_socket = SimEnv::Get()->socket().c_str();
  return c;
}

Bytes GenuineCertificate() {
  rats_tls_conf_t c = BaseConf(true);
  rats_tls_handle h;
  EXPECT_EQ(rats_tls_init(&c, &h), RATS_TLS_ERR_NONE) << rats_tls_last_error(nullptr);
  Bytes b(65536);
  size_t n = b.size();
  EXPECT_EQ(rats_tls_get_certificate(h, b.data(), &n), RATS_TLS_ERR_NONE);
  b.resize(n);
  rats_tls_cleanup(h);
  return b;
}

Key NewKey() { return Key(EVP_EC_gen("P-256")); }

Bytes Spki(EVP_PKEY* k) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k, &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Bytes ExtensionValue(const Bytes& cert_der, const char* oid) {
  const unsigned char* p = cert_der.data();
  Cert c(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
  ASN1_OBJECT* o = OBJ_txt2obj(oid, 1);
  int i = X509_get_ext_by_OBJ(c.get(), o, -1);
  ASN1_OBJECT_free(o);
  if (i < 0) return {};
  ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(X509_get_ext(c.get(), i));
  return Bytes(ASN1_STRING_get0_data(v), ASN1_STRING_get0_data(v) + ASN1_STRING_length(v));
}

Cert MakeCert(EVP_PKEY* key, const Bytes& evidence_ext) {
  Cert c(X509_new());
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), 7);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 3600);
  X509_NAME* n = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("mallory"), -1, -1, 0);
  X509_set_issuer_name(c.get(), n);
  X509_set_pubkey(c.get(), key);
  if (evidence_ext.empty()) {
    X509_sign(c.get(), key, EVP_sha256());
    return c;
  }
  ASN1_OBJECT* o = OBJ_txt2obj(rt::kTaggedEvidenceOid, 1);
  ASN1_OCTET_STRING* v = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(v, evidence_ext.data(), static_cast<int>(evidence_ext.size()));
  X509_EXTENSION* e = X509_EXTENSION_create_by_OBJ(nullptr, o, 0, v);
  X509_add_ext(c.get(), e, -1);
  X509_EXTENSION_free(e);
  ASN1_OCTET_STRING_free(v);
  ASN1_OBJECT_free(o);
  X509_sign(c.get(), key, EVP_sha256());
  return c;
}

// A plain TLS 1.3 server with key/cert; the client is a Rats-TLS handle
// trusting the sim platform. Returns the client's error ("" = accepted).
std::string ClientVerdict(EVP_PKEY* key, X509* cert) {
  int sv[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  std::thread server([&] {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_use_certificate(ctx, cert);
    SSL_CTX_use_PrivateKey(ctx, key);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, sv[0]);
    SSL_accept(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    shutdown(sv[0], SHUT_RDWR);
  });
  rats_tls_conf_t c = BaseConf(false);
  rats_tls_handle h;
  std::string verdict = "init failed";
  if (rats_tls_init(&c, &h) == RATS_TLS_ERR_NONE) {
    verdict = rats_tls_negotiate(h, sv[1]) == RATS_TLS_ERR_NONE ? "" : rats_tls_last_error(h);
    rats_tls_cleanup(h);
  }
  shutdown(sv[1], SHUT_RDWR);
  server.join();
  close(sv[0]);
  close(sv[1]);
  return verdict;
}

class Tamper : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SimEnv::Get()->ok()) GTEST_SKIP() << "no sim platform: " << SimEnv::Get()->why();
    genuine_ = GenuineCertificate();
    ext_ = ExtensionValue(genuine_, rt::kTaggedEvidenceOid);
    ASSERT_FALSE(ext_.empty());
  }
  Bytes genuine_, ext_;
};

TEST_F(Tamper, CertificateWithoutEvidenceIsRefused) {
  // Also the control for the tests below: a hand-made certificate is parsed
  // and fails for the reason under test, not for being hand-made.
  Key k = NewKey();
  Cert c = MakeCert(k.get(), {});
  EXPECT_THAT(ClientVerdict(k.get(), c.get()), HasSubstr("no evidence"));
}

TEST_F(Tamper, EvidenceMovedToAnotherKeyIsRefused) {
  Key k = NewKey();
  Cert c = MakeCert(k.get(), ext_);
  EXPECT_THAT(ClientVerdict(k.get(), c.get()), HasSubstr("pubkey-hash"));
}

TEST_F(Tamper, ClaimsRewrittenForAnotherKeyDoNotMatchTheQuote) {
  auto tagged = rt::DecodeTaggedEvidence(ext_);
  ASSERT_TRUE(tagged.has_value());
  auto claims = rt::DecodeClaims(tagged->claims_buffer);
  ASSERT_TRUE(claims.has_value());
  Key k = NewKey();
  auto h = rt::HashWithAlg(1, Spki(k.get()));
  ASSERT_TRUE(h.has_value());
  claims->pubkey_hash = *h;
  auto cb = rt::EncodeClaims(*claims);
  ASSERT_TRUE(cb.has_value());
  auto ext = rt::EncodeTaggedEvidence(tagged->tag, tagged->evidence, *cb);
  ASSERT_TRUE(ext.has_value());
  Cert c = MakeCert(k.get(), *ext);
  EXPECT_THAT(ClientVerdict(k.get(), c.get()), HasSubstr("report data is not the hash of its claims"));
}

TEST_F(Tamper, TamperedQuoteIsRefusedByTheVerifier) {
  auto tagged = rt::DecodeTaggedEvidence(ext_);
  ASSERT_TRUE(tagged.has_value());
  Key k = NewKey();
  auto claims = rt::DecodeClaims(tagged->claims_buffer);
  claims->pubkey_hash = *rt::HashWithAlg(1, Spki(k.get()));
  Bytes cb = *rt::EncodeClaims(*claims);
  Bytes quote = tagged->evidence;
  // Bind the quote to the new claims by editing REPORTDATA: the quote's
  // signature no longer covers it.
  auto d = rt::HashWithAlg(1, cb);
  std::memcpy(quote.data() + 48 + 320, d->data(), 32);
  Cert c = MakeCert(k.get(), *rt::EncodeTaggedEvidence(tagged->tag, quote, cb));
  EXPECT_THAT(ClientVerdict(k.get(), c.get()), HasSubstr("verifier sgx_ecdsa"));
}

TEST_F(Tamper, TrailingGarbageAfterTheEvidenceIsRefused) {
  Bytes ext = ext_;
  ext.push_back(0x01);
  Key k = NewKey();
  Cert c = MakeCert(k.get(), ext);
  EXPECT_THAT(ClientVerdict(k.get(), c.get()), HasSubstr("trailing"));
}

}  // namespace
}  // namespace ratstls_test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ratstls_test::SimEnv::Install();
  return RUN_ALL_TESTS();
}
