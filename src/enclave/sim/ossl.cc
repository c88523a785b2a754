#include "enclave/sim/ossl.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cstring>

namespace inclavare::sgx::sim {

namespace {

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};

Result<BioPtr> MemBio(std::string_view data) {
  if (data.size() > static_cast<size_t>(INT32_MAX)) return InvalidArgument("PEM too large");
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return OpensslError("BIO_new_mem_buf");
  return bio;
}

Result<std::string> BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len < 0 || (len > 0 && data == nullptr)) return OpensslError("BIO_get_mem_data");
  return std::string(data, static_cast<size_t>(len));
}

Result<BioPtr> NewMemBio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpensslError("BIO_new");
  return bio;
}

// Fetched once: explicit fetches are what OpenSSL 3 recommends for hot paths
// (implicit fetching by name costs a lookup per call). Thread-safe static
// initialisation; the object is immutable and shared.
const EVP_MD* Sha256Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md != nullptr ? md : EVP_sha256();
}

}  // namespace

Result<EvpPkeyPtr> GenerateP256() {
  EVP_PKEY* raw = EVP_EC_gen("P-256");
  if (raw == nullptr) return OpensslError("EVP_EC_gen(P-256)");
  return EvpPkeyPtr(raw);
}

Result<std::string> PrivateKeyPem(EVP_PKEY* key) {
  IC_ASSIGN_OR_RETURN(BioPtr bio, NewMemBio());
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpensslError("write private key PEM");
  }
  return BioText(bio.get());
}

Result<std::string> PublicKeyPem(EVP_PKEY* key) {
  IC_ASSIGN_OR_RETURN(BioPtr bio, NewMemBio());
  if (PEM_write_bio_PUBKEY(bio.get(), key) != 1) return OpensslError("write public key PEM");
  return BioText(bio.get());
}

Result<EvpPkeyPtr> PrivateKeyFromPem(std::string_view pem) {
  IC_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return OpensslError("read private key PEM");
  return key;
}

Result<EcPublicKey> P256PublicRaw(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 256) {
    return InvalidArgument("not a P-256 key");
  }
  uint8_t point[65];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point, &len) != 1) {
    return OpensslError("get EC public point");
  }
  if (len != 65 || point[0] != 0x04) return Internal("EC public point is not uncompressed");
  EcPublicKey out{};
  std::memcpy(out.data(), point + 1, 64);
  return out;
}

Result<EvpPkeyPtr> P256FromRaw(std::span<const uint8_t, 64> xy) {
  uint8_t point[65];
  point[0] = 0x04;
  std::memcpy(point + 1, xy.data(), 64);
  char group[] = "P-256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
      OSSL_PARAM_construct_end()};
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return OpensslError("EVP_PKEY_fromdata_init(EC)");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    return InvalidArgument("not a valid P-256 public key");
  }
  EvpPkeyPtr key(raw);
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument("P-256 public key is not on the curve");
  }
  return key;
}

Result<EcSignature> EcdsaSignRaw(EVP_PKEY* key, std::span<const uint8_t> data) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpensslError("EVP_MD_CTX_new");
  if (EVP_DigestSignInit(ctx.get(), nullptr, Sha256Md(), nullptr, key) != 1) {
    return OpensslError("ECDSA sign init");
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) return OpensslError("ECDSA sign");
  std::vector<uint8_t> der(len);
  if (EVP_DigestSign(ctx.get(), der.data(), &len, data.data(), data.size()) != 1) return OpensslError("ECDSA sign");
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) return OpensslError("d2i_ECDSA_SIG");
  EcSignature out{};
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + 32, 32) != 32) {
    return OpensslError("ECDSA signature to r||s");
  }
  return out;
}

Result<> EcdsaVerifyRaw(EVP_PKEY* key, std::span<const uint8_t> data, std::span<const uint8_t, 64> sig) {
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> s(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(sig.data(), 32, nullptr);
  BIGNUM* ss = BN_bin2bn(sig.data() + 32, 32, nullptr);
  if (!s || r == nullptr || ss == nullptr || ECDSA_SIG_set0(s.get(), r, ss) != 1) {
    BN_free(r);
    BN_free(ss);
    return OpensslError("ECDSA_SIG from r||s");
  }
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(s.get(), &der);
  if (der_len <= 0) return OpensslError("i2d_ECDSA_SIG");
  std::vector<uint8_t> der_sig(der, der + der_len);
  OPENSSL_free(der);
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpensslError("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, Sha256Md(), nullptr, key) != 1) {
    return OpensslError("ECDSA verify init");
  }
  if (EVP_DigestVerify(ctx.get(), der_sig.data(), der_sig.size(), data.data(), data.size()) != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kPermissionDenied, "signature does not verify");
  }
  return {};
}

Result<std::string> CertPem(X509* cert) {
  IC_ASSIGN_OR_RETURN(BioPtr bio, NewMemBio());
  if (PEM_write_bio_X509(bio.get(), cert) != 1) return OpensslError("write certificate PEM");
  return BioText(bio.get());
}

Result<X509Ptr> CertFromPem(std::string_view pem) {
  IC_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return OpensslError("read certificate PEM");
  return cert;
}

Result<std::vector<X509Ptr>> CertsFromPem(std::string_view pem) {
  IC_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
  std::vector<X509Ptr> certs;
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(c);
  ERR_clear_error();  // the end of the bundle reads as "no start line"
  if (certs.empty()) return InvalidArgument("no certificate in PEM");
  return certs;
}

Result<std::string> CrlPem(X509_CRL* crl) {
  IC_ASSIGN_OR_RETURN(BioPtr bio, NewMemBio());
  if (PEM_write_bio_X509_CRL(bio.get(), crl) != 1) return OpensslError("write CRL PEM");
  return BioText(bio.get());
}

Result<std::string> CrlDer(X509_CRL* crl) {
  unsigned char* der = nullptr;
  int len = i2d_X509_CRL(crl, &der);
  if (len <= 0) return OpensslError("i2d_X509_CRL");
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace inclavare::sgx::sim
