// A PCK certificate listed in its CA's CRL is revoked. The chain is made here
// with OpenSSL: a test root (configured as the only trust anchor), a PCK CA,
// two leaves, and a CRL revoking one of them.
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attest/dcap_verify.h"
#include "attest/x509.h"

namespace inclavare::attest {
namespace {

using ::testing::HasSubstr;

EvpPkeyPtr NewKey() { return EvpPkeyPtr(EVP_EC_gen("P-256")); }

X509Ptr NewCert(const char* cn, long serial, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                int64_t now) {
  X509Ptr c(X509_new());
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial);
  X509_time_adj_ex(X509_getm_notBefore(c.get()), -1, 0, reinterpret_cast<time_t*>(&now));
  X509_time_adj_ex(X509_getm_notAfter(c.get()), 365, 0, reinterpret_cast<time_t*>(&now));
  X509_NAME* name = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(c.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(c.get(), key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : c.get(), c.get(), nullptr, nullptr, 0);
  auto add = [&](int nid, const char* value) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(c.get(), e, -1);
    X509_EXTENSION_free(e);
  };
  add(NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add(NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add(NID_subject_key_identifier, "hash");
  if (issuer) add(NID_authority_key_identifier, "keyid:always");
  X509_sign(c.get(), issuer_key ? issuer_key : key, EVP_sha256());
  return c;
}

std::string CrlDer(X509* issuer, EVP_PKEY* key, long revoked_serial, int64_t now) {
  X509CrlPtr crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer));
  ASN1_TIME* t = ASN1_TIME_set(nullptr, static_cast<time_t>(now - 3600));
  ASN1_TIME* n = ASN1_TIME_set(nullptr, static_cast<time_t>(now + 86400));
  X509_CRL_set1_lastUpdate(crl.get(), t);
  X509_CRL_set1_nextUpdate(crl.get(), n);
  if (revoked_serial > 0) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* s = ASN1_INTEGER_new();
    ASN1_INTEGER_set(s, revoked_serial);
    X509_REVOKED_set_serialNumber(r, s);
    X509_REVOKED_set_revocationDate(r, t);
    X509_CRL_add0_revoked(crl.get(), r);
    ASN1_INTEGER_free(s);
  }
  ASN1_TIME_free(t);
  ASN1_TIME_free(n);
  X509_CRL_sort(crl.get());
  X509_CRL_sign(crl.get(), key, EVP_sha256());
  unsigned char* der = nullptr;
  int len = i2d_X509_CRL(crl.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string Pem(X509* c) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, c);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

TEST(Revocation, PckInCrlIsRevoked) {
  const int64_t now = NowUnix();
  auto root_key = NewKey(), ca_key = NewKey(), leaf_key = NewKey();
  X509Ptr root = NewCert("Test SGX Root CA", 1, root_key.get(), nullptr, nullptr, true, now);
  X509Ptr ca = NewCert("Test SGX PCK Platform CA", 2, ca_key.get(), root.get(), root_key.get(), true, now);
  X509Ptr good = NewCert("Test SGX PCK Certificate", 100, leaf_key.get(), ca.get(), ca_key.get(), false, now);
  X509Ptr revoked = NewCert("Test SGX PCK Certificate", 101, leaf_key.get(), ca.get(), ca_key.get(), false, now);
  std::string pck_crl = CrlDer(ca.get(), ca_key.get(), 101, now);
  std::string root_crl = CrlDer(root.get(), root_key.get(), 0, now);
  auto roots = [&] {
    std::vector<X509Ptr> r;
    r.push_back(DupCert(root.get()));
    return r;
  };

  auto r = VerifyPckCertChain(Pem(revoked.get()) + Pem(ca.get()) + Pem(root.get()), roots(), {pck_crl, root_crl}, now);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), HasSubstr("PCK certificate revoked"));

  // The unrevoked leaf passes the chain and stops only at the missing SGX
  // extension (these test certificates do not carry one).
  r = VerifyPckCertChain(Pem(good.get()) + Pem(ca.get()) + Pem(root.get()), roots(), {pck_crl, root_crl}, now);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), HasSubstr("no SGX extension"));

  // Not the configured anchor: the built-in Intel root refuses the test chain.
  std::vector<X509Ptr> none;
  r = VerifyPckCertChain(Pem(good.get()) + Pem(ca.get()), std::move(none), {pck_crl}, now);
  EXPECT_FALSE(r.has_value());
}

}  // namespace
}  // namespace inclavare::attest
