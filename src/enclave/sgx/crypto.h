// OpenSSL 3 helpers for the SGX model: owned OpenSSL objects and the
// RSA-3072 (e = 3) keys that sign SIGSTRUCTs. SHA-256 and the other
// primitives an SGX CPU performs are in primitives.h (included).
//
//   IC_ASSIGN_OR_RETURN(RsaKey key, RsaKey::Generate());        // 3072 bits, e = 3
//   IC_ASSIGN_OR_RETURN(std::string pem, key.PrivatePem());
//   IC_ASSIGN_OR_RETURN(Measurement256 h, Sha256(bytes));
//
// Every OpenSSL object is owned by a unique_ptr with its free function as the
// deleter; nothing here hands out raw ownership. Errors carry the OpenSSL error
// queue text (which is drained). Only EVP-level APIs are used; no crypto is
// written by hand. Thread-compatible: a const RsaKey may be used for
// signing/verifying from several threads (OpenSSL 3 EVP_PKEY objects are safe
// for concurrent read use).
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "enclave/sgx/arch.h"
#include "enclave/sgx/primitives.h"  // SHA-256 and the other CPU primitives

namespace inclavare::sgx {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct BnCtxFree {
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;

// An Internal error "<what>: <OpenSSL error queue>"; drains the queue.
// An Internal error "what: <OpenSSL error queue>" (the queue is drained).
Error OpensslError(const std::string& what);
// The RSA-3072 public key with SIGSTRUCT's little-endian modulus; exponent 3.
Result<EvpPkeyPtr> RsaPublicKeyFromModulus(std::span<const uint8_t, kRsa3072Bytes> modulus_le, uint32_t exponent);
// PKCS#1 v1.5 SHA-256 verification under key; PermissionDenied on mismatch.
Result<> RsaVerifyPkeySha256(EVP_PKEY* key, std::span<const uint8_t> data, std::span<const uint8_t> signature_be);

// Incremental SHA-256.

// An RSA key as SIGSTRUCT needs it: 3072-bit modulus, public exponent 3.
// The factories reject other sizes and exponents (InvalidArgument).
class RsaKey {
 public:
  // A fresh RSA-3072 key with e = 3.
  static Result<RsaKey> Generate();
  // PEM "PRIVATE KEY" (PKCS#8) or "RSA PRIVATE KEY" (PKCS#1), unencrypted.
  static Result<RsaKey> FromPrivatePem(std::string_view pem);
  // PEM "PUBLIC KEY" (SubjectPublicKeyInfo) or "RSA PUBLIC KEY"; a private key
  // PEM is accepted as well and used for its public half.
  static Result<RsaKey> FromPublicPem(std::string_view pem);
  // From SIGSTRUCT's little-endian modulus and its exponent.
  static Result<RsaKey> FromModulus(std::span<const uint8_t, kRsa3072Bytes> modulus_le,
                                    uint32_t exponent);

  bool has_private() const { return has_private_; }
  EVP_PKEY* get() const { return pkey_.get(); }

  Result<std::string> PrivatePem() const;  // PKCS#8
  Result<std::string> PublicPem() const;   // SubjectPublicKeyInfo
  // The modulus as SIGSTRUCT stores it: 384 bytes, little-endian.
  Result<std::array<uint8_t, kRsa3072Bytes>> ModulusLe() const;

 private:
  RsaKey(EvpPkeyPtr pkey, bool has_private) : pkey_(std::move(pkey)), has_private_(has_private) {}
  static Result<RsaKey> Checked(EvpPkeyPtr pkey, bool has_private);
  EvpPkeyPtr pkey_;
  bool has_private_ = false;
};

// PKCS#1 v1.5 signature with SHA-256 over data; big-endian, 384 bytes.
Result<std::vector<uint8_t>> RsaSignSha256(const RsaKey& key, std::span<const uint8_t> data);
// Checks a big-endian PKCS#1 v1.5 SHA-256 signature; a mismatch is a
// PermissionDenied error "signature does not verify".
Result<> RsaVerifySha256(const RsaKey& key, std::span<const uint8_t> data,
                         std::span<const uint8_t> signature_be);

}  // namespace inclavare::sgx
