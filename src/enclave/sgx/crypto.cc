#include "enclave/sgx/crypto.h"

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>

namespace inclavare::sgx {

namespace {

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct DecoderCtxFree {
  void operator()(OSSL_DECODER_CTX* p) const { OSSL_DECODER_CTX_free(p); }
};

constexpr int kRsaBits = 3072;

Result<BioPtr> MemBio(std::string_view data) {
  if (data.size() > static_cast<size_t>(INT32_MAX)) return InvalidArgument("PEM too large");
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return OpensslError("BIO_new_mem_buf");
  return bio;
}

Result<std::string> BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len < 0 || (len > 0 && data == nullptr)) return OpensslError("BIO_get_mem_data");
  return std::string(data, static_cast<size_t>(len));
}

Result<BnPtr> GetBnParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return OpensslError(std::string("get RSA ") + name);
  return BnPtr(bn);
}

}  // namespace


Result<RsaKey> RsaKey::Checked(EvpPkeyPtr pkey, bool has_private) {
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) return InvalidArgument("key is not an RSA key");
  if (EVP_PKEY_get_bits(pkey.get()) != kRsaBits) {
    return InvalidArgument("RSA key has " + std::to_string(EVP_PKEY_get_bits(pkey.get())) +
                           " bits; SGX needs 3072");
  }
  IC_ASSIGN_OR_RETURN(BnPtr e, GetBnParam(pkey.get(), OSSL_PKEY_PARAM_RSA_E));
  if (!BN_is_word(e.get(), kSigStructExponent)) return InvalidArgument("RSA public exponent must be 3 for SGX");
  return RsaKey(std::move(pkey), has_private);
}

Result<RsaKey> RsaKey::Generate() {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx) return OpensslError("EVP_PKEY_CTX_new_from_name(RSA)");
  if (EVP_PKEY_keygen_init(ctx.get()) != 1) return OpensslError("RSA keygen init");
  if (EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), kRsaBits) != 1) return OpensslError("RSA keygen bits");
  BnPtr e(BN_new());
  if (!e || BN_set_word(e.get(), kSigStructExponent) != 1) return OpensslError("BN_set_word");
  // set1: the context copies the exponent, ownership stays with `e`.
  if (EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1) return OpensslError("RSA keygen exponent");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return OpensslError("RSA keygen");
  return Checked(EvpPkeyPtr(raw), true);
}

Result<RsaKey> RsaKey::FromPrivatePem(std::string_view pem) {
  IC_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
  EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return OpensslError("read private key PEM");
  return Checked(std::move(pkey), true);
}

Result<RsaKey> RsaKey::FromPublicPem(std::string_view pem) {
  {
    IC_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
    EvpPkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (pkey) return Checked(std::move(pkey), false);
  }
  {
    IC_ASSIGN_OR_RETURN(BioPtr bio, MemBio(pem));
    EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (pkey) {
      ERR_clear_error();
      return Checked(std::move(pkey), true);
    }
  }
  // PKCS#1 "RSA PUBLIC KEY": the generic decoder knows that structure.
  EVP_PKEY* raw = nullptr;
  std::unique_ptr<OSSL_DECODER_CTX, DecoderCtxFree> dctx(OSSL_DECODER_CTX_new_for_pkey(
      &raw, "PEM", nullptr, "RSA", EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
  if (!dctx) return OpensslError("OSSL_DECODER_CTX_new_for_pkey");
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t len = pem.size();
  if (OSSL_DECODER_from_data(dctx.get(), &data, &len) != 1 || raw == nullptr) {
    return OpensslError("read public key PEM");
  }
  ERR_clear_error();
  return Checked(EvpPkeyPtr(raw), false);
}

Result<RsaKey> RsaKey::FromModulus(std::span<const uint8_t, kRsa3072Bytes> modulus_le, uint32_t exponent) {
  IC_ASSIGN_OR_RETURN(EvpPkeyPtr pkey, RsaPublicKeyFromModulus(modulus_le, exponent));
  return Checked(std::move(pkey), false);
}

Result<std::string> RsaKey::PrivatePem() const {
  if (!has_private_) return FailedPrecondition("RSA key has no private half");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpensslError("BIO_new");
  if (PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpensslError("write private key PEM");
  }
  return BioToString(bio.get());
}

Result<std::string> RsaKey::PublicPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpensslError("BIO_new");
  if (PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) return OpensslError("write public key PEM");
  return BioToString(bio.get());
}

Result<std::array<uint8_t, kRsa3072Bytes>> RsaKey::ModulusLe() const {
  IC_ASSIGN_OR_RETURN(BnPtr n, GetBnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_N));
  std::array<uint8_t, kRsa3072Bytes> out{};
  if (BN_bn2lebinpad(n.get(), out.data(), static_cast<int>(out.size())) != static_cast<int>(out.size())) {
    return OpensslError("RSA modulus to bytes");
  }
  return out;
}

Result<std::vector<uint8_t>> RsaSignSha256(const RsaKey& key, std::span<const uint8_t> data) {
  if (!key.has_private()) return FailedPrecondition("RSA key has no private half");
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpensslError("EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return OpensslError("RSA sign init");
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) return OpensslError("RSA sign");
  std::vector<uint8_t> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) return OpensslError("RSA sign");
  sig.resize(len);
  return sig;
}

Result<> RsaVerifySha256(const RsaKey& key, std::span<const uint8_t> data, std::span<const uint8_t> signature_be) {
  return RsaVerifyPkeySha256(key.get(), data, signature_be);
}

}  // namespace inclavare::sgx
