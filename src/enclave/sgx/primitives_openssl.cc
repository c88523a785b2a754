// primitives.h on OpenSSL 3 (EVP level only).
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <climits>

#include "enclave/sgx/crypto.h"
#include "enclave/sgx/primitives.h"

namespace inclavare::sgx {

// The OpenSSL helpers crypto.h declares that the primitives need too; they
// live here so this library needs nothing from the rest of ic::sgx.

Error OpensslError(const std::string& what) {
  std::string msg = what;
  bool first = true;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += first ? ": " : "; ";
    msg += buf;
    first = false;
  }
  if (first) msg += ": OpenSSL failure";
  return Internal(std::move(msg));
}

namespace {

struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

}  // namespace

Result<EvpPkeyPtr> RsaPublicKeyFromModulus(std::span<const uint8_t, kRsa3072Bytes> modulus_le, uint32_t exponent) {
  if (exponent != kSigStructExponent) {
    return InvalidArgument("RSA public exponent is " + std::to_string(exponent) + "; SGX needs 3");
  }
  BnPtr n(BN_lebin2bn(modulus_le.data(), static_cast<int>(modulus_le.size()), nullptr));
  BnPtr e(BN_new());
  if (!n || !e || BN_set_word(e.get(), exponent) != 1) return OpensslError("BIGNUM");
  if (BN_num_bits(n.get()) != static_cast<int>(kRsa3072Bytes * 8)) {
    return InvalidArgument("RSA key has " + std::to_string(BN_num_bits(n.get())) + " bits; SGX needs 3072");
  }
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return OpensslError("OSSL_PARAM_BLD");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return OpensslError("OSSL_PARAM_BLD_to_param");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return OpensslError("EVP_PKEY_fromdata_init");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return OpensslError("RSA key from modulus");
  }
  return EvpPkeyPtr(raw);
}

Result<> RsaVerifyPkeySha256(EVP_PKEY* key, std::span<const uint8_t> data, std::span<const uint8_t> signature_be) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpensslError("EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return OpensslError("RSA verify init");
  }
  int rc = EVP_DigestVerify(ctx.get(), signature_be.data(), signature_be.size(), data.data(), data.size());
  if (rc != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kPermissionDenied, "signature does not verify");
  }
  return {};
}

struct Sha256Hasher::State {
  EvpMdCtxPtr ctx;
};

Sha256Hasher::Sha256Hasher(std::unique_ptr<State> s) : state_(std::move(s)) {}
Sha256Hasher::Sha256Hasher(Sha256Hasher&&) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&&) noexcept = default;
Sha256Hasher::~Sha256Hasher() = default;

Result<Sha256Hasher> Sha256Hasher::Create() {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpensslError("EVP_MD_CTX_new");
  if (EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return OpensslError("SHA-256 init");
  return Sha256Hasher(std::make_unique<State>(State{std::move(ctx)}));
}

Result<> Sha256Hasher::Update(std::span<const uint8_t> data) {
  if (!state_) return FailedPrecondition("SHA-256: hasher already finalized");
  if (EVP_DigestUpdate(state_->ctx.get(), data.data(), data.size()) != 1) return OpensslError("SHA-256 update");
  return {};
}

Result<Measurement256> Sha256Hasher::Final() {
  if (!state_) return FailedPrecondition("SHA-256: hasher already finalized");
  Measurement256 out{};
  unsigned int len = 0;
  int ok = EVP_DigestFinal_ex(state_->ctx.get(), out.data(), &len);
  state_.reset();
  if (ok != 1 || len != out.size()) return OpensslError("SHA-256 final");
  return out;
}

Result<> RsaVerify3072Sha256(std::span<const uint8_t, kRsa3072Bytes> modulus_le, uint32_t exponent,
                             std::span<const uint8_t> data, std::span<const uint8_t> signature_be) {
  IC_ASSIGN_OR_RETURN(EvpPkeyPtr key, RsaPublicKeyFromModulus(modulus_le, exponent));
  return RsaVerifyPkeySha256(key.get(), data, signature_be);
}

Result<> SigStructQ1Q2(std::span<const uint8_t, kRsa3072Bytes> sig_le, std::span<const uint8_t, kRsa3072Bytes> mod_le,
                       std::array<uint8_t, kRsa3072Bytes>& q1_le, std::array<uint8_t, kRsa3072Bytes>& q2_le) {
  BnCtxPtr ctx(BN_CTX_new());
  BnPtr s(BN_lebin2bn(sig_le.data(), static_cast<int>(sig_le.size()), nullptr));
  BnPtr m(BN_lebin2bn(mod_le.data(), static_cast<int>(mod_le.size()), nullptr));
  BnPtr t1(BN_new()), t2(BN_new()), q1(BN_new()), q2(BN_new());
  if (!ctx || !s || !m || !t1 || !t2 || !q1 || !q2) return OpensslError("BIGNUM allocation");
  if (BN_is_zero(m.get())) return InvalidArgument("sigstruct: modulus is zero");
  // t1 = S^2; q1 = t1 / M
  if (BN_sqr(t1.get(), s.get(), ctx.get()) != 1 || BN_div(q1.get(), nullptr, t1.get(), m.get(), ctx.get()) != 1) {
    return OpensslError("Q1");
  }
  // t1 = S^3; t2 = Q1 * S * M; t1 = t1 - t2; q2 = t1 / M
  if (BN_mul(t1.get(), t1.get(), s.get(), ctx.get()) != 1 || BN_mul(t2.get(), q1.get(), s.get(), ctx.get()) != 1 ||
      BN_mul(t2.get(), t2.get(), m.get(), ctx.get()) != 1 || BN_sub(t1.get(), t1.get(), t2.get()) != 1 ||
      BN_div(q2.get(), nullptr, t1.get(), m.get(), ctx.get()) != 1) {
    return OpensslError("Q2");
  }
  if (BN_bn2lebinpad(q1.get(), q1_le.data(), static_cast<int>(q1_le.size())) < 0 ||
      BN_bn2lebinpad(q2.get(), q2_le.data(), static_cast<int>(q2_le.size())) < 0) {
    return InvalidArgument("sigstruct: Q1/Q2 do not fit in 384 bytes (signature not below the modulus)");
  }
  return {};
}

namespace {

// Fetched once (OpenSSL 3 recommends explicit fetches on hot paths);
// thread-safe static initialisation, immutable afterwards.
EVP_MAC* CmacAlgorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
  return mac;
}

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};

}  // namespace

Result<Key128> AesCmac128(std::span<const uint8_t, 16> key, std::span<const uint8_t> data) {
  EVP_MAC* mac = CmacAlgorithm();
  if (mac == nullptr) return OpensslError("EVP_MAC_fetch(CMAC)");
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return OpensslError("EVP_MAC_CTX_new");
  char cipher[] = "AES-128-CBC";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) return OpensslError("CMAC init");
  if (EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1) return OpensslError("CMAC update");
  Key128 out{};
  size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    return OpensslError("CMAC final");
  }
  return out;
}

Result<> RandomBytes(std::span<uint8_t> out) {
  for (size_t done = 0; done < out.size();) {
    const int n = static_cast<int>(std::min<size_t>(out.size() - done, INT_MAX));
    if (RAND_bytes(out.data() + done, n) != 1) return OpensslError("RAND_bytes");
    done += static_cast<size_t>(n);
  }
  return {};
}

const char* PrimitivesBackend() { return "openssl"; }

bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void SecureWipe(std::span<uint8_t> bytes) { OPENSSL_cleanse(bytes.data(), bytes.size()); }

}  // namespace inclavare::sgx
