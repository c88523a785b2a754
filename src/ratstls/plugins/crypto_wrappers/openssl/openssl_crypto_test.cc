// Tests of the crypto wrappers "openssl" and "nullcrypto", through their
// plugin descriptors (no core). The results are checked by parsing them with
// OpenSSL independently of the code under test.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <rats-tls/plugin.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

extern "C" const rats_tls_plugin_t* rats_tls_plugin_crypto_wrapper_openssl(void);
extern "C" const rats_tls_plugin_t* rats_tls_plugin_crypto_wrapper_nullcrypto(void);

namespace {

using Bytes = std::vector<uint8_t>;

struct FreeFn {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
  void operator()(BASIC_CONSTRAINTS* p) const { BASIC_CONSTRAINTS_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, FreeFn>;

Bytes Take(rats_tls_bytes_t* b) {
  Bytes out(b->data, b->data + b->size);
  free(b->data);
  *b = {};
  return out;
}

class CryptoOpensslTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const rats_tls_plugin_t* p = rats_tls_plugin_crypto_wrapper_openssl();
    ASSERT_EQ(p->abi_version, RATS_TLS_PLUGIN_ABI_VERSION);
    ops_ = static_cast<const rats_tls_crypto_ops_t*>(p->ops);
    rats_tls_plugin_env_t env{};
    env.size = sizeof env;
    ASSERT_EQ(ops_->init(&env, &state_, &err_), 0) << err_.msg;
  }
  void TearDown() override {
    if (state_ != nullptr) ops_->cleanup(state_);
  }

  void GenKey(rats_tls_cert_algo_t algo, Bytes* key, Bytes* spki) {
    rats_tls_bytes_t k{}, s{};
    ASSERT_EQ(ops_->gen_key(state_, algo, &k, &s, &err_), 0) << err_.msg;
    *key = Take(&k);
    *spki = Take(&s);
  }

  int GenCert(const Bytes& key, const std::vector<rats_tls_cert_extension_t>& exts, Bytes* cert,
              int64_t not_before = 1700000000, int64_t not_after = 1900000000) {
    rats_tls_cert_request_t req{};
    req.key_der = key.data();
    req.key_size = key.size();
    req.subject_cn = "Inclavare Rats-TLS";
    req.subject_org = "Inclavare Containers";
    req.not_before = not_before;
    req.not_after = not_after;
    req.extensions = exts.data();
    req.extensions_count = exts.size();
    rats_tls_bytes_t c{};
    int rc = ops_->gen_cert(state_, &req, &c, &err_);
    *cert = Take(&c);
    return rc;
  }

  const rats_tls_crypto_ops_t* ops_ = nullptr;
  void* state_ = nullptr;
  rats_tls_error_t err_{};
};

Ptr<X509> ParseCert(const Bytes& der) {
  const unsigned char* p = der.data();
  Ptr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_TRUE(x) << "not DER X.509";
  EXPECT_EQ(p, der.data() + der.size()) << "trailing bytes";
  return x;
}

Bytes ExtensionValue(X509* x, const char* oid, int* critical) {
  Ptr<ASN1_OBJECT> obj(OBJ_txt2obj(oid, 1));
  int i = X509_get_ext_by_OBJ(x, obj.get(), -1);
  if (i < 0) return {};
  X509_EXTENSION* e = X509_get_ext(x, i);
  *critical = X509_EXTENSION_get_critical(e);
  ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(e);
  return Bytes(ASN1_STRING_get0_data(v), ASN1_STRING_get0_data(v) + ASN1_STRING_length(v));
}

std::string NameEntry(X509_NAME* n, int nid) {
  char buf[256] = "";
  X509_NAME_get_text_by_NID(n, nid, buf, sizeof buf);
  return buf;
}

TEST_F(CryptoOpensslTest, DescriptorMatchesUpstream) {
  const rats_tls_plugin_t* p = rats_tls_plugin_crypto_wrapper_openssl();
  EXPECT_STREQ(p->name, "openssl");
  EXPECT_STREQ(p->type, "openssl");
  EXPECT_EQ(p->priority, 25);
  EXPECT_EQ(p->kind, RATS_TLS_PLUGIN_CRYPTO_WRAPPER);
}

TEST_F(CryptoOpensslTest, EcKeyIsP256Pkcs8WithMatchingSpki) {
  for (auto algo : {RATS_TLS_CERT_ALGO_ECC_256_SHA256, RATS_TLS_CERT_ALGO_DEFAULT}) {
    Bytes key, spki;
    GenKey(algo, &key, &spki);
    // PKCS#8 (PrivateKeyInfo), not SEC1: d2i_PKCS8_PRIV_KEY_INFO must take it whole.
    const unsigned char* p = key.data();
    PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(key.size()));
    ASSERT_NE(p8, nullptr);
    EXPECT_EQ(p, key.data() + key.size());
    Ptr<EVP_PKEY> priv(EVP_PKCS82PKEY(p8));
    PKCS8_PRIV_KEY_INFO_free(p8);
    ASSERT_TRUE(priv);
    EXPECT_EQ(EVP_PKEY_get_base_id(priv.get()), EVP_PKEY_EC);
    char group[64] = "";
    size_t glen = 0;
    ASSERT_EQ(EVP_PKEY_get_group_name(priv.get(), group, sizeof group, &glen), 1);
    EXPECT_STREQ(group, "prime256v1");
    p = spki.data();
    Ptr<EVP_PKEY> pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
    ASSERT_TRUE(pub);
    EXPECT_EQ(EVP_PKEY_eq(priv.get(), pub.get()), 1);
  }
}

TEST_F(CryptoOpensslTest, RsaKeyIs3072WithE65537) {
  Bytes key, spki;
  GenKey(RATS_TLS_CERT_ALGO_RSA_3072_SHA256, &key, &spki);
  const unsigned char* p = spki.data();
  Ptr<EVP_PKEY> pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  ASSERT_TRUE(pub);
  EXPECT_EQ(EVP_PKEY_get_base_id(pub.get()), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(pub.get()), 3072);
  BIGNUM* e = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(pub.get(), "e", &e), 1);
  Ptr<BIGNUM> eptr(e);
  EXPECT_EQ(BN_get_word(e), 65537u);
  p = key.data();
  Ptr<EVP_PKEY> priv(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(key.size())));
  ASSERT_TRUE(priv);
  EXPECT_EQ(EVP_PKEY_eq(priv.get(), pub.get()), 1);
}

TEST_F(CryptoOpensslTest, TwoKeysDiffer) {
  Bytes k1, s1, k2, s2;
  GenKey(RATS_TLS_CERT_ALGO_DEFAULT, &k1, &s1);
  GenKey(RATS_TLS_CERT_ALGO_DEFAULT, &k2, &s2);
  EXPECT_NE(s1, s2);
}

TEST_F(CryptoOpensslTest, UnknownAlgoIsRefused) {
  rats_tls_bytes_t k{}, s{};
  EXPECT_EQ(ops_->gen_key(state_, RATS_TLS_CERT_ALGO_MAX, &k, &s, &err_), -EINVAL);
  EXPECT_NE(std::string(err_.msg).find("unsupported certificate algorithm"), std::string::npos) << err_.msg;
  EXPECT_EQ(k.data, nullptr);
}

TEST_F(CryptoOpensslTest, HashesMatchKnownVectors) {
  // FIPS 180-2 "abc" vectors.
  const std::string abc = "abc";
  struct {
    int id;
    const char* hex;
  } cases[] = {
      {RATS_TLS_HASH_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {RATS_TLS_HASH_SHA384,
       "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
      {RATS_TLS_HASH_SHA512,
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
       "454d4423643ce80e2a9ac94fa54ca49f"},
  };
  for (const auto& c : cases) {
    uint8_t out[64];
    size_t size = sizeof out;
    ASSERT_EQ(
        ops_->hash(state_, c.id, reinterpret_cast<const uint8_t*>(abc.data()), abc.size(), out, &size, &err_),
        0)
        << err_.msg;
    std::string hex;
    for (size_t i = 0; i < size; ++i) {
      char b[3];
      snprintf(b, sizeof b, "%02x", out[i]);
      hex += b;
    }
    EXPECT_EQ(hex, c.hex) << "hash id " << c.id;
  }
}

TEST_F(CryptoOpensslTest, HashRefusesUnknownIdAndSmallBuffer) {
  uint8_t out[64];
  size_t size = sizeof out;
  EXPECT_EQ(ops_->hash(state_, 2, out, 1, out, &size, &err_), -EINVAL);
  EXPECT_NE(std::string(err_.msg).find("unsupported hash algorithm id 2"), std::string::npos) << err_.msg;
  size = 31;
  EXPECT_EQ(ops_->hash(state_, RATS_TLS_HASH_SHA256, out, 1, out, &size, &err_), -ENOSPC);
  EXPECT_NE(std::string(err_.msg).find("room 31"), std::string::npos) << err_.msg;
}

TEST_F(CryptoOpensslTest, EcCertificateHasEverythingRequested) {
  Bytes key, spki, cert;
  GenKey(RATS_TLS_CERT_ALGO_ECC_256_SHA256, &key, &spki);
  const uint8_t evidence[] = {0xd9, 0xea, 0x60, 0x82, 0x41, 0x01, 0x41, 0x02};
  const uint8_t other[] = {0x01, 0x02, 0x03};
  std::vector<rats_tls_cert_extension_t> exts = {
      {"2.23.133.5.4.9", false, evidence, sizeof evidence},
      {"1.3.6.1.4.1.99999.7", true, other, sizeof other},
  };
  ASSERT_EQ(GenCert(key, exts, &cert), 0) << err_.msg;
  Ptr<X509> x = ParseCert(cert);
  ASSERT_TRUE(x);
  EXPECT_EQ(X509_get_version(x.get()), X509_VERSION_3);
  EXPECT_EQ(X509_get_signature_nid(x.get()), NID_ecdsa_with_SHA256);
  // Self-signed, by the requested key.
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(x.get()), X509_get_issuer_name(x.get())), 0);
  EXPECT_EQ(NameEntry(X509_get_subject_name(x.get()), NID_commonName), "Inclavare Rats-TLS");
  EXPECT_EQ(NameEntry(X509_get_subject_name(x.get()), NID_organizationName), "Inclavare Containers");
  EXPECT_EQ(X509_verify(x.get(), X509_get0_pubkey(x.get())), 1);
  unsigned char* spki_out = nullptr;
  int len = i2d_PUBKEY(X509_get0_pubkey(x.get()), &spki_out);
  EXPECT_EQ(Bytes(spki_out, spki_out + len), spki);
  OPENSSL_free(spki_out);
  // Validity as requested.
  int day = 0, sec = 0;
  ASN1_TIME* nb = ASN1_TIME_set(nullptr, 1700000000);
  ASSERT_EQ(ASN1_TIME_diff(&day, &sec, nb, X509_get0_notBefore(x.get())), 1);
  EXPECT_EQ(day, 0);
  EXPECT_EQ(sec, 0);
  ASN1_TIME_set(nb, 1900000000);
  ASSERT_EQ(ASN1_TIME_diff(&day, &sec, nb, X509_get0_notAfter(x.get())), 1);
  EXPECT_EQ(day, 0);
  EXPECT_EQ(sec, 0);
  ASN1_TIME_free(nb);
  // Serial: 16 random bytes, positive.
  Ptr<BIGNUM> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr));
  EXPECT_FALSE(BN_is_negative(serial.get()));
  EXPECT_EQ(BN_num_bytes(serial.get()), 16);
  // The extensions, with their flags and exact values.
  int critical = -1;
  EXPECT_EQ(ExtensionValue(x.get(), "2.23.133.5.4.9", &critical),
            Bytes(evidence, evidence + sizeof evidence));
  EXPECT_EQ(critical, 0);
  EXPECT_EQ(ExtensionValue(x.get(), "1.3.6.1.4.1.99999.7", &critical), Bytes(other, other + sizeof other));
  EXPECT_EQ(critical, 1);
  // A leaf: CA:FALSE, with key identifiers.
  Ptr<BASIC_CONSTRAINTS> bc(
      static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(x.get(), NID_basic_constraints, &critical, nullptr)));
  ASSERT_TRUE(bc);
  EXPECT_FALSE(bc->ca);
  EXPECT_NE(X509_get0_subject_key_id(x.get()), nullptr);
  EXPECT_NE(X509_get0_authority_key_id(x.get()), nullptr);
  EXPECT_EQ(X509_check_ca(x.get()), 0);
}

TEST_F(CryptoOpensslTest, RsaCertificateIsSha256WithRsa) {
  Bytes key, spki, cert;
  GenKey(RATS_TLS_CERT_ALGO_RSA_3072_SHA256, &key, &spki);
  ASSERT_EQ(GenCert(key, {}, &cert), 0) << err_.msg;
  Ptr<X509> x = ParseCert(cert);
  ASSERT_TRUE(x);
  EXPECT_EQ(X509_get_signature_nid(x.get()), NID_sha256WithRSAEncryption);
  EXPECT_EQ(X509_verify(x.get(), X509_get0_pubkey(x.get())), 1);
}

TEST_F(CryptoOpensslTest, SerialsDiffer) {
  Bytes key, spki, c1, c2;
  GenKey(RATS_TLS_CERT_ALGO_DEFAULT, &key, &spki);
  ASSERT_EQ(GenCert(key, {}, &c1), 0) << err_.msg;
  ASSERT_EQ(GenCert(key, {}, &c2), 0) << err_.msg;
  Ptr<X509> x1 = ParseCert(c1), x2 = ParseCert(c2);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(x1.get()), X509_get0_serialNumber(x2.get())), 0);
}

TEST_F(CryptoOpensslTest, RequestedBasicConstraintsReplaceTheDefault) {
  Bytes key, spki, cert;
  GenKey(RATS_TLS_CERT_ALGO_DEFAULT, &key, &spki);
  const uint8_t ca_true[] = {0x30, 0x03, 0x01, 0x01, 0xff};  // BasicConstraints{cA TRUE}
  ASSERT_EQ(GenCert(key, {{"2.5.29.19", true, ca_true, sizeof ca_true}}, &cert), 0) << err_.msg;
  Ptr<X509> x = ParseCert(cert);
  EXPECT_EQ(X509_get_ext_count(x.get()), 3);  // theirs + SKI + AKI, no second basicConstraints
  EXPECT_EQ(X509_check_ca(x.get()), 1);
}

TEST_F(CryptoOpensslTest, BadRequestsHaveClearReasons) {
  Bytes key, spki, cert;
  GenKey(RATS_TLS_CERT_ALGO_DEFAULT, &key, &spki);
  const uint8_t v[] = {1};
  EXPECT_EQ(GenCert(key, {{"commonName", false, v, 1}}, &cert), -EINVAL);
  EXPECT_NE(std::string(err_.msg).find("\"commonName\" is not a dotted object identifier"), std::string::npos)
      << err_.msg;
  EXPECT_EQ(GenCert(key, {{"1.2.3", false, nullptr, 5}}, &cert), -EINVAL);
  EXPECT_NE(std::string(err_.msg).find("NULL value"), std::string::npos) << err_.msg;
  EXPECT_EQ(GenCert(key, {}, &cert, 1900000000, 1700000000), -EINVAL);
  EXPECT_NE(std::string(err_.msg).find("validity ends"), std::string::npos) << err_.msg;
  Bytes junk = {0x30, 0x03, 0x02, 0x01, 0x00};
  EXPECT_EQ(GenCert(junk, {}, &cert), -EINVAL);
  EXPECT_NE(std::string(err_.msg).find("not a PKCS#8 DER key"), std::string::npos) << err_.msg;
  Bytes padded = key;
  padded.push_back(0);
  EXPECT_EQ(GenCert(padded, {}, &cert), -EINVAL);
  EXPECT_NE(std::string(err_.msg).find("1 trailing bytes"), std::string::npos) << err_.msg;
  EXPECT_TRUE(cert.empty());
}

TEST(NullCryptoTest, MakesNothingAndRefusesToHash) {
  const rats_tls_plugin_t* p = rats_tls_plugin_crypto_wrapper_nullcrypto();
  EXPECT_STREQ(p->name, "nullcrypto");
  EXPECT_EQ(p->priority, 0);
  const auto* ops = static_cast<const rats_tls_crypto_ops_t*>(p->ops);
  rats_tls_plugin_env_t env{};
  rats_tls_error_t err{};
  void* state = nullptr;
  ASSERT_EQ(ops->init(&env, &state, &err), 0);
  rats_tls_bytes_t k{}, s{}, c{};
  ASSERT_EQ(ops->gen_key(state, RATS_TLS_CERT_ALGO_DEFAULT, &k, &s, &err), 0);
  EXPECT_EQ(k.size, 0u);
  EXPECT_EQ(s.size, 0u);
  rats_tls_cert_request_t req{};
  ASSERT_EQ(ops->gen_cert(state, &req, &c, &err), 0);
  EXPECT_EQ(c.size, 0u);
  uint8_t out[32];
  size_t size = sizeof out;
  EXPECT_EQ(ops->hash(state, RATS_TLS_HASH_SHA256, out, 1, out, &size, &err), -ENOTSUP);
  EXPECT_NE(std::string(err.msg).find("nullcrypto computes no digests"), std::string::npos) << err.msg;
  ops->cleanup(state);
}

}  // namespace
